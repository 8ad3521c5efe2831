// The history rows (task_events) that every task write adds.
#include "taskstore_p.h"

namespace qd {

using namespace storeimpl;

Status TaskStore::addEvent(qint64 taskId, const QString& queue, qint64 at, const QString& kind,
    std::optional<TaskState> from, TaskState to, int attempt, const QString& worker, const QString& detail,
    qint64 durationMs, bool countTransition)
{
    static const QString sql = QStringLiteral(
        "INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail, duration_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    StoreStatement q = statement(sql);
    q.bind(1, taskId);
    q.bind(2, queue);
    q.bind(3, at);
    q.bind(4, kind);
    q.bindOrNull(5, from ? taskStateName(*from) : QString());
    q.bind(6, taskStateName(to));
    q.bind(7, attempt);
    q.bindOrNull(8, worker);
    q.bindOrNull(9, detail);
    q.bindOrNull(10, durationMs >= 0 ? std::optional<qint64>(durationMs) : std::nullopt);
    if (!q.run())
        return q.error(QStringLiteral("Cannot record the history of task %1").arg(taskId));
    if (from != to && countTransition)
        m_transitions.append({taskId, queue, from, to});
    return success();
}

Status TaskStore::addEnqueuedEvents(const QList<EnqueueResult>& results)
{
    // An idempotent hit is an older task, below this batch's new ids: the range holds exactly the new tasks.
    qint64 first = 0, last = 0;
    for (const EnqueueResult& r : results) {
        if (r.existed)
            continue;
        first = first == 0 ? r.id : std::min(first, r.id);
        last = std::max(last, r.id);
    }
    if (first == 0)
        return success();
    StoreStatement insert = statement(m_dialect.addEnqueuedEvents);
    insert.bind(1, first);
    insert.bind(2, last);
    if (!insert.run())
        return insert.error(QStringLiteral("Cannot record the history of tasks %1-%2").arg(first).arg(last));
    return success();
}

} // namespace qd
