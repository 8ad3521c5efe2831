#include "handlerregistry.h"

namespace qd {

void HandlerRegistry::add(std::unique_ptr<TaskHandler> handler)
{
    const QString type = handler->type();
    m_handlers[type] = std::move(handler);
}

const TaskHandler* HandlerRegistry::find(const QString& type) const
{
    auto it = m_handlers.find(type);
    return it == m_handlers.end() ? nullptr : it->second.get();
}

QStringList HandlerRegistry::types() const
{
    QStringList result;
    for (const auto& [type, handler] : m_handlers)
        result.append(type);
    return result;
}

std::shared_ptr<HandlerRegistry> HandlerRegistry::createDefault()
{
    auto registry = std::make_shared<HandlerRegistry>();
    registerBuiltinHandlers(*registry);
    return registry;
}

} // namespace qd
