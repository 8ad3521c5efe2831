#include "../handlerregistry.h"
#include "noophandler.h"
#include "sleephandler.h"

namespace qd {

void registerBuiltinHandlers(HandlerRegistry& registry)
{
    registry.add(std::make_unique<NoopHandler>());
    registry.add(std::make_unique<SleepHandler>());
}

} // namespace qd
