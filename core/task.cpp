#include "task.h"

namespace qd {

bool isValidQueueName(const QString& name)
{
    if (name.isEmpty() || name.size() > 64)
        return false;
    for (QChar c : name) {
        const bool allowed = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
            || c == u'_' || c == u'-' || c == u'.';
        if (!allowed)
            return false;
    }
    return true;
}

std::optional<TaskFilter> changedBy(AdminAction action, const TaskFilter& filter)
{
    QList<TaskState> states;
    switch (action) {
    case AdminAction::Retry:
        states = {TaskState::Failed, TaskState::Cancelled};
        break;
    case AdminAction::Cancel:
        states = {TaskState::Queued, TaskState::Scheduled, TaskState::Running};
        break;
    case AdminAction::Purge:
        states
            = {TaskState::Queued, TaskState::Scheduled, TaskState::Succeeded, TaskState::Failed, TaskState::Cancelled};
        break;
    case AdminAction::RunNow:
        states = {TaskState::Scheduled};
        break;
    }
    if (!filter.states.isEmpty())
        states.removeIf([&filter](TaskState s) { return !filter.states.contains(s); });
    if (states.isEmpty())
        return std::nullopt;
    TaskFilter narrowed = filter;
    narrowed.states = states;
    return narrowed;
}

} // namespace qd
