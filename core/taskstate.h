#pragma once

#include <QString>
#include <QStringView>

#include <array>
#include <optional>

namespace qd {

// The life of a task:
//   queued -> running -> succeeded | failed | scheduled (retry with backoff) | queued (lease expired)
//   scheduled -> queued (at run_at); queued/scheduled -> cancelled; failed/cancelled -> queued (retry by an admin)
enum class TaskState { Queued, Scheduled, Running, Succeeded, Failed, Cancelled };

inline constexpr std::array<TaskState, 6> allTaskStates = {TaskState::Queued, TaskState::Scheduled, TaskState::Running,
    TaskState::Succeeded, TaskState::Failed, TaskState::Cancelled};
inline constexpr int taskStateCount = int(allTaskStates.size());

// The lowercase name stored in the database and shown in exports ("queued", "running", ...).
QString taskStateName(TaskState state);
std::optional<TaskState> taskStateFromName(QStringView name);

// Succeeded, failed and cancelled tasks never change again unless an admin retries them.
constexpr bool isFinal(TaskState state)
{
    return state == TaskState::Succeeded || state == TaskState::Failed || state == TaskState::Cancelled;
}

} // namespace qd
