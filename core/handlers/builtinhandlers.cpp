#include "builtinhandlers.h"

#include "../handlerregistry.h"
#include "commandhandler.h"
#include "core/amqp/amqppublishhandler.h"
#include "imagehandler.h"
#include "logstatshandler.h"
#include "noophandler.h"
#include "notifyhandler.h"
#include "sleephandler.h"

namespace qd {

void registerBuiltinHandlers(HandlerRegistry& registry, const CommandHandlerSettings& commandSettings)
{
    registry.add(std::make_unique<NoopHandler>());
    registry.add(std::make_unique<SleepHandler>());
    registry.add(std::make_unique<ImageHandler>());
    registry.add(std::make_unique<NotifyHandler>());
    registry.add(std::make_unique<LogStatsHandler>());
    registry.add(std::make_unique<CommandHandler>(commandSettings));
    registry.add(std::make_unique<AmqpPublishHandler>());
}

void registerBuiltinHandlers(HandlerRegistry& registry)
{
    registerBuiltinHandlers(registry, CommandHandlerSettings {});
}

} // namespace qd
