// An admin's writes on tasks matching a filter: retry, run now, cancel, purge.
#include "taskstore_p.h"

#include <QDateTime>

namespace qd {

using namespace storeimpl;

namespace {

QString stateSql(TaskState state)
{
    return QLatin1Char('\'') + taskStateName(state) + QLatin1Char('\'');
}

} // namespace

Result<qint64> TaskStore::transitionMatching(const TaskFilter& filter, TaskState from, const QString& setSql,
    const QList<QVariant>& setValues, TaskState to, const QString& eventKind, const QString& detail, qint64 now)
{
    if (!filter.states.isEmpty() && !filter.states.contains(from))
        return qint64(0);
    TaskFilter narrowed = filter;
    narrowed.states = {from};
    const WhereClause where = whereFor(narrowed, m_dialect, isEncrypted(), m_searchIndexed);
    const QString sql = QLatin1String("UPDATE tasks SET state = ") + stateSql(to) + QLatin1String(", ") + setSql
        + QLatin1String(" WHERE ") + where.sql + QLatin1String(" RETURNING id, queue, attempts");
    auto rows = updateReturning(sql, setValues + where.values, {}, false, false);
    if (!rows)
        return Error {
            rows.error().code, QStringLiteral("Cannot change tasks (%1): %2").arg(eventKind, rows.errorString())};
    for (const QVariantList& row : std::as_const(*rows)) {
        if (Status e = addEvent(row.at(0).toLongLong(), row.at(1).toString(), now, eventKind, from, to,
                row.at(2).toInt(), {}, detail, -1);
            !e)
            return e.error();
    }
    return qint64(rows->size());
}

Result<qint64> TaskStore::retry(const TaskFilter& filter, qint64 now, AuditSpan* span)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        for (TaskState from : {TaskState::Failed, TaskState::Cancelled}) {
            // Attempts keep counting (they are the fencing token); the budget is topped up instead.
            auto n = transitionMatching(filter, from,
                QStringLiteral("run_at = ?, finished_at = NULL, cancel_requested = 0, max_attempts = attempts +"
                               " COALESCE((SELECT max_attempts FROM queues WHERE queues.name = tasks.queue), 3)"),
                {now}, TaskState::Queued, QStringLiteral("retried"), QStringLiteral("retried by an admin"), now);
            if (!n)
                return n.error();
            total += *n;
        }
        return recordTaskAction(auditaction::retry, filter, total, now, span);
    });
    if (!s)
        return s.error();
    return total;
}

Result<qint64> TaskStore::runNow(const TaskFilter& filter, qint64 now, AuditSpan* span)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        auto n = transitionMatching(filter, TaskState::Scheduled, QStringLiteral("run_at = ?"), {now},
            TaskState::Queued, QStringLiteral("ready"), QStringLiteral("run now by an admin"), now);
        if (!n)
            return n.error();
        total = *n;
        return recordTaskAction(auditaction::runNow, filter, total, now, span);
    });
    if (!s)
        return s.error();
    return total;
}

Result<qint64> TaskStore::cancel(const TaskFilter& filter, qint64 now, QList<qint64>* flaggedRunning, AuditSpan* span)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        for (TaskState from : {TaskState::Queued, TaskState::Scheduled}) {
            auto n = transitionMatching(filter, from, QStringLiteral("finished_at = ?"), {now}, TaskState::Cancelled,
                QStringLiteral("cancelled"), QStringLiteral("cancelled by an admin"), now);
            if (!n)
                return n.error();
            total += *n;
        }
        if (!filter.states.isEmpty() && !filter.states.contains(TaskState::Running))
            return recordTaskAction(auditaction::cancel, filter, total, now, span);
        // A running task stops cooperatively: its worker sees the flag (at once in this process, at the next
        // lease renewal in another) and its handler returns.
        TaskFilter running = filter;
        running.states = {TaskState::Running};
        const WhereClause where = whereFor(running, m_dialect, isEncrypted(), m_searchIndexed);
        auto rows
            = updateReturning(QLatin1String("UPDATE tasks SET cancel_requested = 1 WHERE cancel_requested = 0 AND ")
                    + where.sql + QLatin1String(" RETURNING id, queue, attempts"),
                where.values, {}, false, false);
        if (!rows)
            return Error {rows.error().code, QStringLiteral("Cannot request cancellation: ") + rows.errorString()};
        for (const QVariantList& row : std::as_const(*rows)) {
            const qint64 id = row.at(0).toLongLong();
            const QString queue = row.at(1).toString();
            const int attempts = row.at(2).toInt();
            if (Status e = addEvent(id, queue, now, QStringLiteral("cancel_requested"), TaskState::Running,
                    TaskState::Running, attempts, {}, QStringLiteral("cancellation requested by an admin"), -1);
                !e)
                return e;
            if (flaggedRunning)
                flaggedRunning->append(id);
        }
        total += rows->size();
        return recordTaskAction(auditaction::cancel, filter, total, now, span);
    });
    if (!s)
        return s.error();
    return total;
}

Result<qint64> TaskStore::purge(const TaskFilter& filter, qint64 limit, AuditSpan* span)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        for (TaskState state : allTaskStates) {
            if (state == TaskState::Running || (!filter.states.isEmpty() && !filter.states.contains(state)))
                continue;
            if (limit > 0 && total >= limit)
                break;
            TaskFilter narrowed = filter;
            narrowed.states = {state};
            const WhereClause where = whereFor(narrowed, m_dialect, isEncrypted(), m_searchIndexed);
            // The same rows for both statements: one transaction, and the lowest ids first. A derived table, as
            // MariaDB takes no LIMIT in an IN (...) subquery.
            const QString chosen = QLatin1String("SELECT id FROM (SELECT id FROM tasks WHERE ") + where.sql
                + (limit > 0 ? QStringLiteral(" ORDER BY id LIMIT %1").arg(limit - total) : QString())
                + QLatin1String(") chosen");
            QSqlQuery events(m_db);
            if (!events.prepare(
                    QLatin1String("DELETE FROM task_events WHERE task_id IN (") + chosen + QLatin1Char(')')))
                return sqlError(events.lastError(), QStringLiteral("Cannot prepare the purge"));
            bindAll(events, where.values);
            if (!events.exec())
                return sqlError(events.lastError(), QStringLiteral("Cannot purge task history"));
            auto deleted = updateReturning(
                QLatin1String("DELETE FROM tasks WHERE id IN (") + chosen + QLatin1String(") RETURNING id, queue"),
                where.values, {}, false, false);
            if (!deleted)
                return Error {deleted.error().code, QStringLiteral("Cannot purge tasks: ") + deleted.errorString()};
            for (const QVariantList& row : std::as_const(*deleted)) {
                m_transitions.append({row.at(0).toLongLong(), row.at(1).toString(), state, std::nullopt});
                ++total;
            }
        }
        if (Status clamped = clampSearchCursor(); !clamped)
            return clamped;
        return recordTaskAction(auditaction::purge, filter, total, QDateTime::currentMSecsSinceEpoch(), span);
    });
    if (!s)
        return s.error();
    return total;
}

} // namespace qd
