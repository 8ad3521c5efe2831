// A task's run: claim, start, give back, complete, fail, cancel and release, each fenced by its lease.
#include "taskstore_p.h"

#include <QRandomGenerator>

#include <sqlite3.h>

namespace qd {

using namespace storeimpl;

namespace {

// What every fenced write (complete, fail, cancel, release) returns when its (attempt, owner) token no longer
// matches: the lease expired and the task went to someone else, so this result must change nothing.
Error leaseLost(qint64 id, int attempt, const QString& owner)
{
    return Error {ErrorCode::NotFound,
        QStringLiteral("Task %1 attempt %2 is no longer held by %3 (its lease expired)")
            .arg(id)
            .arg(attempt)
            .arg(owner)};
}

} // namespace

Result<QList<Task>> TaskStore::claim(
    const QString& queue, int limit, const QString& owner, qint64 leaseMs, qint64 now, bool ahead)
{
    QList<Task> tasks;
    const auto context = [&queue] { return QStringLiteral("Cannot claim tasks of queue %1").arg(queue); };
    if (m_sqlite) {
        // Once per task or more (see sqlitestatement.h); through QSqlQuery each exec also built a record of the 19
        // columns' names and types (callgrind, bench B4). The next tasks are read, then updated one by one by id:
        // SQLite runs an UPDATE ... RETURNING as a trigger, with a statement journal that copies every page the
        // update touches and a temporary table for the rows, which cost more than the claim itself (callgrind).
        // The read and the updates share one transaction, which holds SQLite's only write lock: nothing can take
        // the rows in between (the caller's transaction; no savepoint, see Undo::Transaction).
        Status claimed = atomically(Undo::Transaction, [&]() -> Status {
            SqliteStatement& pick = sqliteStatement(m_dialect.claim);
            pick.bindText(pick.parameterIndex(":queue"), queue);
            pick.bindInt(pick.parameterIndex(":limit"), limit);
            while (pick.step())
                tasks.append(taskFromRow(StatementRow {pick}));
            if (!pick.finish())
                return pick.error(context());
            SqliteStatement& take = sqliteStatement(ahead
                    ? QStringLiteral("UPDATE tasks SET state = 'running', attempts = attempts + 1, lease_owner = ?2,"
                                     " lease_expires_at = ?3, cancel_requested = 0 WHERE id = ?4")
                    : QStringLiteral("UPDATE tasks SET state = 'running', attempts = attempts + 1, started_at = ?1,"
                                     " lease_owner = ?2, lease_expires_at = ?3, cancel_requested = 0 WHERE id = ?4"));
            for (Task& task : tasks) {
                if (!ahead)
                    take.bindInt(1, now);
                take.bindText(2, owner);
                take.bindInt(3, now + leaseMs);
                take.bindInt(4, task.id);
                if (!take.run())
                    return take.error(context());
                // The row as the UPDATE left it, which is what PostgreSQL's RETURNING gives.
                task.state = TaskState::Running;
                ++task.attempts;
                if (!ahead)
                    task.startedAt = now;
                task.leaseOwner = owner;
                task.leaseExpiresAt = now + leaseMs;
                task.cancelRequested = false;
            }
            return success();
        });
        if (!claimed)
            return claimed.error();
    } else {
        QSqlQuery& q = prepared(ahead ? m_dialect.claimAhead : m_dialect.claim);
        if (!ahead)
            q.bindValue(QStringLiteral(":now"), now);
        q.bindValue(QStringLiteral(":owner"), owner);
        q.bindValue(QStringLiteral(":lease_until"), now + leaseMs);
        q.bindValue(QStringLiteral(":queue"), queue);
        q.bindValue(QStringLiteral(":limit"), limit);
        if (!q.exec())
            return sqlError(q.lastError(), context());
        while (q.next())
            tasks.append(readTask(q));
        q.finish();
    }
    if (ahead) {
        // No "started" event records this change (see recordAheadStart): the counts learn it here.
        for (const Task& task : std::as_const(tasks))
            m_transitions.append({task.id, task.queue, TaskState::Queued, TaskState::Running});
    }
    // RETURNING gives no order; dispatch in the order the queue promises.
    std::sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) {
        if (a.priority != b.priority)
            return a.priority > b.priority;
        if (a.runAt != b.runAt)
            return a.runAt < b.runAt;
        return a.id < b.id;
    });
    return tasks;
}

Result<bool> TaskStore::sqliteChanged(SqliteStatement& update, const QString& context)
{
    if (!update.run())
        return update.error(context);
    return sqlite3_changes(m_sqlite) > 0;
}

Result<std::pair<QString, qint64>> TaskStore::sqliteQueueAndStart(qint64 id)
{
    SqliteStatement& q = sqliteStatement(QStringLiteral("SELECT queue, started_at FROM tasks WHERE id = ?1"));
    q.bindInt(1, id);
    std::pair<QString, qint64> row;
    if (q.step())
        row = {q.columnText(0), q.columnInt(1)};
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read task %1").arg(id));
    return row;
}

Status TaskStore::recordStart(const Task& task, const QString& worker, qint64 now)
{
    return addEvent(task.id, task.queue, now, QStringLiteral("started"), TaskState::Queued, TaskState::Running,
        task.attempts, worker, {}, std::max<qint64>(0, now - task.runAt));
}

Status TaskStore::recordAheadStart(const Task& task, const QString& owner, const QString& worker, qint64 at)
{
    return atomically(Undo::Transaction, [&]() -> Status {
        static const QString sql = QStringLiteral("UPDATE tasks SET started_at = ? WHERE id = ? AND state = 'running'"
                                                  " AND attempts = ? AND lease_owner = ?");
        const auto context = [&task] { return QStringLiteral("Cannot record the start of task %1").arg(task.id); };
        if (m_sqlite) {
            SqliteStatement& q = sqliteStatement(sql);
            q.bindInt(1, at);
            q.bindInt(2, task.id);
            q.bindInt(3, task.attempts);
            q.bindText(4, owner);
            const auto changed = sqliteChanged(q, context());
            if (!changed)
                return changed.error();
            if (!*changed)
                return leaseLost(task.id, task.attempts, owner);
        } else {
            QSqlQuery& q = prepared(sql + QStringLiteral(" RETURNING id"));
            q.bindValue(0, at);
            q.bindValue(1, task.id);
            q.bindValue(2, task.attempts);
            q.bindValue(3, owner);
            if (!q.exec())
                return sqlError(q.lastError(), context());
            if (!q.next())
                return leaseLost(task.id, task.attempts, owner);
            q.finish();
        }
        return addEvent(task.id, task.queue, at, QStringLiteral("started"), TaskState::Queued, TaskState::Running,
            task.attempts, worker, {}, std::max<qint64>(0, at - task.runAt), false);
    });
}

Result<TaskState> TaskStore::giveBack(qint64 id, int attempt, const QString& owner, qint64 now)
{
    // Both statements bind (id, attempt, owner) and change the task when the fence holds; the cancelling one also
    // binds the time first.
    static const QString cancelSql
        = QStringLiteral("UPDATE tasks SET state = 'cancelled', attempts = attempts - 1, finished_at = ?,"
                         " lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND state = 'running'"
                         " AND attempts = ? AND lease_owner = ? AND cancel_requested <> 0");
    static const QString requeueSql
        = QStringLiteral("UPDATE tasks SET state = 'queued', attempts = attempts - 1, lease_owner = NULL,"
                         " lease_expires_at = NULL WHERE id = ? AND state = 'running' AND attempts = ?"
                         " AND lease_owner = ?");
    const auto context = [id] { return QStringLiteral("Cannot give back task %1").arg(id); };
    // The queue of the task when `sql` changed it; none when the fence did not hold.
    const auto fencedUpdate = [&](const QString& sql, std::optional<qint64> at) -> Result<std::optional<QString>> {
        const int first = at ? 1 : 0;
        if (m_sqlite) {
            SqliteStatement& q = sqliteStatement(sql);
            if (at)
                q.bindInt(1, *at);
            q.bindInt(first + 1, id);
            q.bindInt(first + 2, attempt);
            q.bindText(first + 3, owner);
            const auto changed = sqliteChanged(q, context());
            if (!changed)
                return changed.error();
            if (!*changed)
                return std::optional<QString>();
            auto row = sqliteQueueAndStart(id);
            if (!row)
                return row.error();
            return std::optional<QString>(row->first);
        }
        QSqlQuery& q = prepared(sql + QStringLiteral(" RETURNING queue"));
        if (at)
            q.bindValue(0, *at);
        q.bindValue(first, id);
        q.bindValue(first + 1, attempt);
        q.bindValue(first + 2, owner);
        if (!q.exec())
            return sqlError(q.lastError(), context());
        std::optional<QString> queue;
        if (q.next())
            queue = q.value(0).toString();
        q.finish();
        return queue;
    };
    TaskState newState = TaskState::Queued;
    Status s = atomically(Undo::Transaction, [&]() -> Status {
        // Cancelled by an admin while it waited (the flag a running task's worker would have seen): it ends here.
        auto cancelled = fencedUpdate(cancelSql, now);
        if (!cancelled)
            return cancelled.error();
        if (*cancelled) {
            newState = TaskState::Cancelled;
            return addEvent(id, **cancelled, now, QStringLiteral("cancelled"), TaskState::Running, TaskState::Cancelled,
                attempt - 1, {}, QStringLiteral("cancelled before it started"), -1);
        }
        auto requeued = fencedUpdate(requeueSql, std::nullopt);
        if (!requeued)
            return requeued.error();
        if (!*requeued)
            return leaseLost(id, attempt, owner);
        // No event: the claim wrote none either, so the history shows the task queued all along, which it was as
        // far as any handler is concerned.
        m_transitions.append({id, **requeued, TaskState::Running, TaskState::Queued});
        newState = TaskState::Queued;
        return success();
    });
    if (!s)
        return s.error();
    return newState;
}

Status TaskStore::complete(
    qint64 id, int attempt, const QString& owner, const QString& worker, const QByteArray& result, qint64 now)
{
    return atomically(Undo::Transaction, [&]() -> Status {
        static const QString sql = QStringLiteral(
            "UPDATE tasks SET state = 'succeeded', finished_at = :now, result = :result, lease_owner = NULL,"
            " lease_expires_at = NULL, last_error = NULL"
            " WHERE id = :id AND state = 'running' AND attempts = :attempt AND lease_owner = :owner");
        const auto context = [id] { return QStringLiteral("Cannot complete task %1").arg(id); };
        QString queue;
        qint64 startedAt = 0;
        if (m_sqlite) {
            SqliteStatement& q = sqliteStatement(sql);
            q.bindInt(q.parameterIndex(":now"), now);
            // Stored as the QSqlQuery path stores it: bad UTF-8 (no handler's JSON has any) decoded by Qt first.
            if (!result.isEmpty() && result.isValidUtf8())
                q.bindUtf8(q.parameterIndex(":result"), result);
            else if (!result.isEmpty())
                q.bindText(q.parameterIndex(":result"), QString::fromUtf8(result));
            q.bindInt(q.parameterIndex(":id"), id);
            q.bindInt(q.parameterIndex(":attempt"), attempt);
            q.bindText(q.parameterIndex(":owner"), owner);
            const auto changed = sqliteChanged(q, context());
            if (!changed)
                return changed.error();
            if (!*changed)
                return leaseLost(id, attempt, owner);
            auto row = sqliteQueueAndStart(id);
            if (!row)
                return row.error();
            std::tie(queue, startedAt) = *row;
        } else {
            QSqlQuery& q = prepared(sql + QStringLiteral(" RETURNING queue, started_at"));
            q.bindValue(QStringLiteral(":now"), now);
            q.bindValue(QStringLiteral(":result"), nullable(result));
            q.bindValue(QStringLiteral(":id"), id);
            q.bindValue(QStringLiteral(":attempt"), attempt);
            q.bindValue(QStringLiteral(":owner"), owner);
            if (!q.exec())
                return sqlError(q.lastError(), context());
            if (!q.next())
                return leaseLost(id, attempt, owner);
            queue = q.value(0).toString();
            startedAt = q.value(1).toLongLong();
            q.finish();
        }
        return addEvent(id, queue, now, QStringLiteral("succeeded"), TaskState::Running, TaskState::Succeeded, attempt,
            worker, {}, now - startedAt);
    });
}

Result<TaskState> TaskStore::fail(qint64 id, int attempt, const QString& owner, const QString& worker,
    const QString& error, bool permanent, std::optional<qint64> retryAfterMs, qint64 now)
{
    TaskState newState = TaskState::Failed;
    Status s = atomically(Undo::Transaction, [&]() -> Status {
        QSqlQuery& q = prepared(
            QStringLiteral("SELECT t.queue, t.attempts, t.max_attempts, t.started_at,"
                           " COALESCE(t.backoff_base_ms, q.backoff_base_ms, 1000), COALESCE(t.backoff_max_ms, "
                           "q.backoff_max_ms, 3600000),"
                           " COALESCE(t.backoff_jitter, q.backoff_jitter, 0.25)"
                           " FROM tasks t LEFT JOIN queues q ON q.name = t.queue"
                           " WHERE t.id = :id AND t.state = 'running' AND t.attempts = :attempt"
                           " AND t.lease_owner = :owner")
            + m_dialect.lockTaskRow);
        q.bindValue(QStringLiteral(":id"), id);
        q.bindValue(QStringLiteral(":attempt"), attempt);
        q.bindValue(QStringLiteral(":owner"), owner);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot fail task %1").arg(id));
        if (!q.next())
            return leaseLost(id, attempt, owner);
        const QString queue = q.value(0).toString();
        const int attempts = q.value(1).toInt();
        const int maxAttempts = q.value(2).toInt();
        const qint64 runTime = now - q.value(3).toLongLong();
        RetryPolicy policy {q.value(4).toLongLong(), q.value(5).toLongLong(), q.value(6).toDouble()};
        q.finish();

        if (permanent || attempts >= maxAttempts) {
            newState = TaskState::Failed;
            QSqlQuery& u
                = prepared(QStringLiteral("UPDATE tasks SET state = 'failed', finished_at = :now, last_error = :error,"
                                          " lease_owner = NULL, lease_expires_at = NULL WHERE id = :id"));
            u.bindValue(QStringLiteral(":now"), now);
            u.bindValue(QStringLiteral(":error"), error);
            u.bindValue(QStringLiteral(":id"), id);
            if (!u.exec())
                return sqlError(u.lastError(), QStringLiteral("Cannot fail task %1").arg(id));
            const QString detail = permanent
                ? error
                : QStringLiteral("%1 (attempts exhausted: %2 of %3)").arg(error).arg(attempts).arg(maxAttempts);
            return addEvent(id, queue, now, QStringLiteral("failed"), TaskState::Running, TaskState::Failed, attempt,
                worker, detail, runTime);
        }
        newState = TaskState::Scheduled;
        qint64 delay = backoffDelayMs(policy, attempts, QRandomGenerator::global()->generateDouble());
        if (retryAfterMs && *retryAfterMs > delay)
            delay = *retryAfterMs;
        QSqlQuery& u
            = prepared(QStringLiteral("UPDATE tasks SET state = 'scheduled', run_at = :run_at, last_error = :error,"
                                      " lease_owner = NULL, lease_expires_at = NULL WHERE id = :id"));
        u.bindValue(QStringLiteral(":run_at"), now + delay);
        u.bindValue(QStringLiteral(":error"), error);
        u.bindValue(QStringLiteral(":id"), id);
        if (!u.exec())
            return sqlError(u.lastError(), QStringLiteral("Cannot schedule the retry of task %1").arg(id));
        return addEvent(id, queue, now, QStringLiteral("retry_scheduled"), TaskState::Running, TaskState::Scheduled,
            attempt, worker, error, delay);
    });
    if (!s)
        return s.error();
    return newState;
}

Status TaskStore::finishCancelled(qint64 id, int attempt, const QString& owner, const QString& worker, qint64 now)
{
    return atomically(Undo::Transaction, [&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral(
            "UPDATE tasks SET state = 'cancelled', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL"
            " WHERE id = ? AND state = 'running' AND attempts = ? AND lease_owner = ? RETURNING queue, started_at"));
        q.bindValue(0, now);
        q.bindValue(1, id);
        q.bindValue(2, attempt);
        q.bindValue(3, owner);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot cancel task %1").arg(id));
        if (!q.next())
            return leaseLost(id, attempt, owner);
        const QString queue = q.value(0).toString();
        const qint64 runTime = now - q.value(1).toLongLong();
        q.finish();
        return addEvent(id, queue, now, QStringLiteral("cancelled"), TaskState::Running, TaskState::Cancelled, attempt,
            worker, QStringLiteral("stopped while running"), runTime);
    });
}

Status TaskStore::release(qint64 id, int attempt, const QString& owner, const QString& worker, qint64 now)
{
    return atomically(Undo::Transaction, [&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral(
            "UPDATE tasks SET state = 'queued', attempts = attempts - 1, run_at = ?, lease_owner = NULL,"
            " lease_expires_at = NULL WHERE id = ? AND state = 'running' AND attempts = ? AND lease_owner = ?"
            " RETURNING queue"));
        q.bindValue(0, now);
        q.bindValue(1, id);
        q.bindValue(2, attempt);
        q.bindValue(3, owner);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot release task %1").arg(id));
        if (!q.next())
            return leaseLost(id, attempt, owner);
        const QString queue = q.value(0).toString();
        q.finish();
        return addEvent(id, queue, now, QStringLiteral("released"), TaskState::Running, TaskState::Queued, attempt - 1,
            worker, QStringLiteral("worker shut down before the task finished"), -1);
    });
}

} // namespace qd
