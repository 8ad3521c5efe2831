#pragma once

#include "commandhandler.h"
#include "networkpolicy.h"

#include <memory>
#include <mutex>

namespace qd {

class HandlerRegistry;

// What the built-in command and notify handlers may do, as a database's settings say (core/databasesettings.h):
// shared by an engine, which sets it when it reads the settings, and the handlers bound to it, which read it at
// every validate() and run().
// Thread contract: every member may be called from any thread at once.
class HandlerPolicy {
public:
    CommandHandlerSettings command() const;
    NetworkPolicy network() const;
    void set(CommandHandlerSettings command, NetworkPolicy network);

private:
    mutable std::mutex m_mutex;
    CommandHandlerSettings m_command;
    NetworkPolicy m_network;
};

// A registry holding every handler of `base`, except that a command or notify handler built without settings of its
// own (the built-in ones) is replaced by one that follows `policy`. A program that built its handlers with settings
// (an enabled allow-list, a network policy) keeps them.
std::shared_ptr<HandlerRegistry> bindToHandlerPolicy(
    std::shared_ptr<const HandlerRegistry> base, std::shared_ptr<const HandlerPolicy> policy);

} // namespace qd
