#pragma once

#include "commandhandler.h"

namespace qd {

class HandlerRegistry;

// Adds every built-in handler to a registry, with the "command" handler configured by `commandSettings`.
// The overload in handlerregistry.h registers the same handlers with the command handler disabled.
void registerBuiltinHandlers(HandlerRegistry& registry, const CommandHandlerSettings& commandSettings);

} // namespace qd
