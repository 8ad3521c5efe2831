#include "taskstate.h"

namespace qd {

QString taskStateName(TaskState state)
{
    switch (state) {
    case TaskState::Queued:
        return QStringLiteral("queued");
    case TaskState::Scheduled:
        return QStringLiteral("scheduled");
    case TaskState::Running:
        return QStringLiteral("running");
    case TaskState::Succeeded:
        return QStringLiteral("succeeded");
    case TaskState::Failed:
        return QStringLiteral("failed");
    case TaskState::Cancelled:
        return QStringLiteral("cancelled");
    }
    return {};
}

std::optional<TaskState> taskStateFromName(QStringView name)
{
    for (TaskState state : allTaskStates) {
        if (name.compare(taskStateName(state), Qt::CaseInsensitive) == 0)
            return state;
    }
    return std::nullopt;
}

} // namespace qd
