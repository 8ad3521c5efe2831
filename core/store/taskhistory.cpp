// The history rows (task_events) that every task write adds.
#include "taskstore_p.h"

namespace qd {

using namespace storeimpl;

Status TaskStore::addEvent(qint64 taskId, const QString& queue, qint64 at, const QString& kind,
    std::optional<TaskState> from, TaskState to, int attempt, const QString& worker, const QString& detail,
    qint64 durationMs, bool countTransition)
{
    // The parameters are numbered in order of appearance on both paths: ?1 is :task_id, ?10 is :duration.
    static const QString sql = QStringLiteral(
        "INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail, duration_ms) "
        "VALUES (:task_id, :queue, :at, :kind, :from_state, :to_state, :attempt, :worker, :detail, :duration)");
    const auto context = [taskId] { return QStringLiteral("Cannot record the history of task %1").arg(taskId); };
    if (m_sqlite) {
        // One history row per transition: the C API path (see sqlitestatement.h).
        SqliteStatement& q = sqliteStatement(sql);
        q.bindInt(1, taskId);
        q.bindText(2, queue);
        q.bindInt(3, at);
        q.bindText(4, kind);
        if (from)
            q.bindText(5, taskStateName(*from));
        q.bindText(6, taskStateName(to));
        q.bindInt(7, attempt);
        if (!worker.isEmpty())
            q.bindText(8, worker);
        if (!detail.isEmpty())
            q.bindText(9, detail);
        if (durationMs >= 0)
            q.bindInt(10, durationMs);
        if (!q.run())
            return q.error(context());
    } else {
        QSqlQuery& q = prepared(sql);
        q.bindValue(QStringLiteral(":task_id"), taskId);
        q.bindValue(QStringLiteral(":queue"), queue);
        q.bindValue(QStringLiteral(":at"), at);
        q.bindValue(QStringLiteral(":kind"), kind);
        q.bindValue(QStringLiteral(":from_state"), from ? QVariant(taskStateName(*from)) : QVariant());
        q.bindValue(QStringLiteral(":to_state"), taskStateName(to));
        q.bindValue(QStringLiteral(":attempt"), attempt);
        q.bindValue(QStringLiteral(":worker"), nullable(worker));
        q.bindValue(QStringLiteral(":detail"), nullable(detail));
        q.bindValue(QStringLiteral(":duration"), durationMs < 0 ? QVariant() : QVariant(durationMs));
        if (!q.exec())
            return sqlError(q.lastError(), context());
    }
    if (from != to && countTransition)
        m_transitions.append({taskId, queue, from, to});
    return success();
}

Status TaskStore::addEnqueuedEvents(const QList<EnqueueResult>& results)
{
    // The new tasks of one transaction have consecutive ids (SQLite's single writer, INTEGER PRIMARY KEY), and an
    // idempotent hit is an older task, below them: the range holds exactly this batch's new tasks. The detail is
    // what enqueue() writes for a single task, ISO 8601 in UTC with milliseconds.
    qint64 first = 0, last = 0;
    for (const EnqueueResult& r : results) {
        if (r.existed)
            continue;
        first = first == 0 ? r.id : std::min(first, r.id);
        last = std::max(last, r.id);
    }
    if (first == 0)
        return success();
    SqliteStatement& insert = sqliteStatement(QStringLiteral(
        "INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail, duration_ms)"
        " SELECT id, queue, created_at, 'enqueued', NULL, state, 0, NULL, CASE WHEN state = 'scheduled' THEN"
        " 'runs at ' || strftime('%Y-%m-%dT%H:%M:%S', run_at / 1000, 'unixepoch') || printf('.%03dZ', run_at % 1000)"
        " END, NULL FROM tasks WHERE id BETWEEN ?1 AND ?2 ORDER BY id"));
    insert.bindInt(1, first);
    insert.bindInt(2, last);
    if (!insert.run())
        return insert.error(QStringLiteral("Cannot record the history of tasks %1-%2").arg(first).arg(last));
    return success();
}

} // namespace qd
