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
    if (it != m_handlers.end())
        return it->second.get();
    return m_base ? m_base->find(type) : nullptr;
}

QStringList HandlerRegistry::types() const
{
    QStringList result = m_base ? m_base->types() : QStringList();
    for (const auto& [type, handler] : m_handlers) {
        if (!result.contains(type))
            result.append(type);
    }
    result.sort();
    return result;
}

std::shared_ptr<HandlerRegistry> HandlerRegistry::createDefault()
{
    auto registry = std::make_shared<HandlerRegistry>();
    registerBuiltinHandlers(*registry);
    return registry;
}

} // namespace qd
