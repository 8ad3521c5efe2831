#pragma once

#include "taskhandler.h"

#include <QStringList>

#include <map>
#include <memory>

namespace qd {

// Maps a task type to its handler. Thread contract: fill it before the engine starts; afterwards it is only read,
// from any thread.
class HandlerRegistry {
public:
    HandlerRegistry() = default;
    // A registry that answers with its own handlers first, then with `base`'s (see bindToHandlerPolicy).
    explicit HandlerRegistry(std::shared_ptr<const HandlerRegistry> base)
        : m_base(std::move(base))
    { }
    HandlerRegistry(const HandlerRegistry&) = delete;
    HandlerRegistry& operator=(const HandlerRegistry&) = delete;

    // Replaces a handler of the same type.
    void add(std::unique_ptr<TaskHandler> handler);
    const TaskHandler* find(const QString& type) const;
    QStringList types() const; // sorted

    // The registry every QueueDesk program starts with: noop and sleep (and the real handlers, once registered
    // by registerBuiltinHandlers).
    static std::shared_ptr<HandlerRegistry> createDefault();

private:
    std::shared_ptr<const HandlerRegistry> m_base;
    std::map<QString, std::unique_ptr<TaskHandler>> m_handlers;
};

// Adds every built-in handler to a registry.
void registerBuiltinHandlers(HandlerRegistry& registry);

} // namespace qd
