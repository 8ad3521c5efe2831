#include "handlerpolicy.h"

#include "../handlerregistry.h"
#include "notifyhandler.h"

namespace qd {

CommandHandlerSettings HandlerPolicy::command() const
{
    std::lock_guard lock(m_mutex);
    return m_command;
}

NetworkPolicy HandlerPolicy::network() const
{
    std::lock_guard lock(m_mutex);
    return m_network;
}

void HandlerPolicy::set(CommandHandlerSettings command, NetworkPolicy network)
{
    std::lock_guard lock(m_mutex);
    m_command = std::move(command);
    m_network = std::move(network);
}

std::shared_ptr<HandlerRegistry> bindToHandlerPolicy(
    std::shared_ptr<const HandlerRegistry> base, std::shared_ptr<const HandlerPolicy> policy)
{
    const auto* command = dynamic_cast<const CommandHandler*>(base->find(QStringLiteral("command")));
    const auto* notify = dynamic_cast<const NotifyHandler*>(base->find(QStringLiteral("notify")));
    auto registry = std::make_shared<HandlerRegistry>(std::move(base));
    if (command && command->followsDatabase())
        registry->add(std::make_unique<CommandHandler>(policy));
    if (notify && notify->followsDatabase())
        registry->add(std::make_unique<NotifyHandler>(policy));
    return registry;
}

} // namespace qd
