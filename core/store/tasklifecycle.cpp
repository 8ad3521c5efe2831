// A task's run: claim, start, give back, complete, fail, cancel and release, each fenced by its lease.
#include "taskstore_p.h"

#include <QRandomGenerator>

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
    // Without the key no handler could read a payload: the tasks wait for a process that has it.
    if (m_encryption && m_encryption->seals(queue) && !m_encryption->sealingKey(queue)) {
        if (m_encryption->firstRefusal(queue))
            qCWarning(lcStore).noquote() << QStringLiteral(
                "The tasks of queue %1 stay queued: they are sealed with key %2, which this process"
                " does not hold (neither its key file nor the desktop keyring)")
                                                .arg(queue, m_encryption->sealingKeyId(queue));
        return tasks;
    }
    const auto context = [&queue] { return QStringLiteral("Cannot claim tasks of queue %1").arg(queue); };
    // PostgreSQL's claim takes the rows itself (UPDATE ... RETURNING); SQLite's picks them and the store takes each
    // by id (see SqlDialect::claimTake).
    const bool takeEach = !m_dialect.claimTake.isEmpty();
    const auto claimRows = [&]() -> Status {
        StoreStatement pick = statement(ahead ? m_dialect.claimAhead : m_dialect.claim);
        pick.bind(":queue", queue);
        pick.bind(":limit", limit);
        if (!takeEach) {
            if (!ahead)
                pick.bind(":now", now);
            pick.bind(":owner", owner);
            pick.bind(":lease_until", now + leaseMs);
        }
        while (pick.next())
            tasks.append(readTask(pick));
        if (!pick.finish())
            return pick.error(context());
        for (const Task& task : std::as_const(tasks)) {
            if (task.sealed)
                return Error {ErrorCode::Corrupt,
                    QStringLiteral("Task %1 does not open with this database's keys: it was changed or moved from"
                                   " another row")
                        .arg(task.id)};
        }
        // The claim is the change to running, counted here, inside the claim's transaction (see writeCountDeltas()).
        for (const Task& task : std::as_const(tasks))
            m_transitions.append({task.id, task.queue, TaskState::Queued, TaskState::Running});
        if (!takeEach)
            return success();
        StoreStatement take = statement(ahead ? m_dialect.claimTakeAhead : m_dialect.claimTake);
        for (Task& task : tasks) {
            if (!ahead)
                take.bind(1, now);
            take.bind(2, owner);
            take.bind(3, now + leaseMs);
            take.bind(4, task.id);
            if (!take.run())
                return take.error(context());
            // The row as the UPDATE left it, which is what PostgreSQL's RETURNING gives.
            task.state = TaskState::Running;
            ++task.attempts;
            task.startedAt = ahead ? 0 : now; // a task ahead has no start until its handler starts
            task.leaseOwner = owner;
            task.leaseExpiresAt = now + leaseMs;
            task.cancelRequested = false;
        }
        return success();
    };
    // SQLite: the pick and the updates share one transaction, which holds SQLite's only write lock, so nothing can
    // take the rows in between (no savepoint: see Undo::Transaction). Outside a transaction the claim commits by
    // itself, with its counts.
    if (Status claimed = takeEach || !inTransaction() ? atomically(Undo::Transaction, claimRows) : claimRows();
        !claimed)
        return claimed.error();
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

Result<std::optional<TaskStore::LeasedTask>> TaskStore::fencedUpdate(
    StoreStatement& update, qint64 id, bool wanted, const char* action, const LeasedTask* known)
{
    std::optional<LeasedTask> row;
    if (update.next())
        row = LeasedTask {update.text(0), update.integer(1)};
    const qint64 changed = update.changes(); // before finish(), which forgets it (MariaDB)
    if (!update.finish())
        return update.error(QStringLiteral("Cannot %1 task %2").arg(QLatin1String(action)).arg(id));
    if (m_dialect.taskQueueAndStart.isEmpty() || changed == 0)
        return row;
    if (!wanted)
        return std::optional(LeasedTask {});
    if (known)
        return std::optional(*known);
    StoreStatement read = statement(m_dialect.taskQueueAndStart);
    read.bind(1, id);
    LeasedTask found;
    if (read.next())
        found = {read.text(0), read.integer(1)};
    if (!read.finish())
        return read.error(QStringLiteral("Cannot read task %1").arg(id));
    return std::optional(found);
}

Result<std::optional<TaskStore::LeasedTask>> TaskStore::fencedWrite(
    const QString& sql, qint64 at, qint64 id, int attempt, const QString& owner, bool wanted, const char* action)
{
    StoreStatement q = statement(sql);
    q.bind(1, at);
    q.bind(2, id);
    q.bind(3, attempt);
    q.bind(4, owner);
    return fencedUpdate(q, id, wanted, action);
}

Status TaskStore::recordStart(const Task& task, const QString& worker, qint64 now)
{
    // The change to running was counted by the claim.
    return addEvent(task.id, task.queue, now, QStringLiteral("started"), TaskState::Queued, TaskState::Running,
        task.attempts, worker, {}, std::max<qint64>(0, now - task.runAt), false);
}

Status TaskStore::recordAheadStart(const Task& task, const QString& owner, const QString& worker, qint64 at)
{
    return atomically(Undo::Transaction, [&]() -> Status {
        const auto held
            = fencedWrite(m_dialect.startClaimedAhead, at, task.id, task.attempts, owner, false, "record the start of");
        if (!held)
            return held.error();
        if (!*held)
            return leaseLost(task.id, task.attempts, owner);
        return addEvent(task.id, task.queue, at, QStringLiteral("started"), TaskState::Queued, TaskState::Running,
            task.attempts, worker, {}, std::max<qint64>(0, at - task.runAt), false);
    });
}

Result<TaskState> TaskStore::giveBack(qint64 id, int attempt, const QString& owner, qint64 now)
{
    // The task's queue when the statement changed it; none when the fence did not hold.
    const auto queueOf = [](const Result<std::optional<LeasedTask>>& held) -> Result<std::optional<QString>> {
        if (!held)
            return held.error();
        return *held ? std::optional<QString>((*held)->queue) : std::nullopt;
    };
    TaskState newState = TaskState::Queued;
    Status s = atomically(Undo::Transaction, [&]() -> Status {
        // Cancelled by an admin while it waited (the flag a running task's worker would have seen): it ends here.
        auto cancelled = queueOf(fencedWrite(m_dialect.giveBackCancelled, now, id, attempt, owner, true, "give back"));
        if (!cancelled)
            return cancelled.error();
        if (*cancelled) {
            newState = TaskState::Cancelled;
            return addEvent(id, **cancelled, now, QStringLiteral("cancelled"), TaskState::Running, TaskState::Cancelled,
                attempt - 1, {}, QStringLiteral("cancelled before it started"), -1);
        }
        StoreStatement requeue = statement(m_dialect.giveBackQueued);
        requeue.bind(1, id);
        requeue.bind(2, attempt);
        requeue.bind(3, owner);
        auto requeued = queueOf(fencedUpdate(requeue, id, true, "give back"));
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

Status TaskStore::complete(qint64 id, int attempt, const QString& owner, const QString& worker,
    const QByteArray& result, qint64 now, const LeasedTask* known, const AheadStartRecord* start)
{
    QByteArray sealedResult;
    const auto queue = m_encryption ? queueToSeal(id, known) : Result<QString>(QString());
    if (!queue)
        return queue.error();
    const bool sealResult = m_encryption && !result.isEmpty() && m_encryption->seals(*queue);
    if (sealResult) {
        // Sealed as Qt decodes it, as an unsealed result is stored.
        const QByteArray text = result.isValidUtf8() ? result : QString::fromUtf8(result).toUtf8();
        auto sealedValue = m_encryption->seal(SealedField::Result, id, *queue, text);
        if (!sealedValue)
            return sealedValue.error();
        sealedResult = std::move(*sealedValue);
    }
    return atomically(Undo::Transaction, [&]() -> Status {
        StoreStatement q = statement(m_dialect.completeTask);
        if (start)
            q.bind(":started", start->at);
        else
            q.bind(":started", nullptr);
        q.bind(":now", now);
        if (result.isEmpty())
            q.bind(":result", nullptr);
        else if (sealResult)
            q.bind(":result", sealedResult);
        else
            q.bindDecoded(":result", result);
        q.bind(":id", id);
        q.bind(":attempt", attempt);
        q.bind(":owner", owner);
        const auto held = fencedUpdate(q, id, true, "complete", known);
        if (!held)
            return held.error();
        if (!*held)
            return leaseLost(id, attempt, owner);
        if (start) {
            if (Status s = addEvent(id, (*held)->queue, start->at, QStringLiteral("started"), TaskState::Queued,
                    TaskState::Running, attempt, worker, {}, start->waitMs, false);
                !s)
                return s;
        }
        return addEvent(id, (*held)->queue, now, QStringLiteral("succeeded"), TaskState::Running, TaskState::Succeeded,
            attempt, worker, {}, now - (*held)->startedAt);
    });
}

Result<TaskState> TaskStore::fail(qint64 id, int attempt, const QString& owner, const QString& worker,
    const QString& error, bool permanent, std::optional<qint64> retryAfterMs, qint64 now)
{
    TaskState newState = TaskState::Failed;
    // What the error writes (the task's last_error and its history's detail), sealed when the database is encrypted.
    const auto queueOfTask = m_encryption ? queueToSeal(id, nullptr) : Result<QString>(QString());
    if (!queueOfTask)
        return queueOfTask.error();
    const auto stored = [&](SealedField field, const QString& text) -> Result<QString> {
        if (!m_encryption || !m_encryption->seals(*queueOfTask))
            return text;
        auto sealedValue = m_encryption->seal(field, id, *queueOfTask, text.toUtf8());
        if (!sealedValue)
            return sealedValue.error();
        return QString::fromLatin1(*sealedValue);
    };
    const auto storedError = stored(SealedField::Error, error);
    if (!storedError)
        return storedError.error();
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
            u.bindValue(QStringLiteral(":error"), *storedError);
            u.bindValue(QStringLiteral(":id"), id);
            if (!u.exec())
                return sqlError(u.lastError(), QStringLiteral("Cannot fail task %1").arg(id));
            const auto detail = stored(SealedField::EventDetail,
                permanent
                    ? error
                    : QStringLiteral("%1 (attempts exhausted: %2 of %3)").arg(error).arg(attempts).arg(maxAttempts));
            if (!detail)
                return detail.error();
            return addEvent(id, queue, now, QStringLiteral("failed"), TaskState::Running, TaskState::Failed, attempt,
                worker, *detail, runTime);
        }
        newState = TaskState::Scheduled;
        qint64 delay = backoffDelayMs(policy, attempts, QRandomGenerator::global()->generateDouble());
        if (retryAfterMs && *retryAfterMs > delay)
            delay = *retryAfterMs;
        QSqlQuery& u
            = prepared(QStringLiteral("UPDATE tasks SET state = 'scheduled', run_at = :run_at, last_error = :error,"
                                      " lease_owner = NULL, lease_expires_at = NULL WHERE id = :id"));
        u.bindValue(QStringLiteral(":run_at"), now + delay);
        u.bindValue(QStringLiteral(":error"), *storedError);
        u.bindValue(QStringLiteral(":id"), id);
        if (!u.exec())
            return sqlError(u.lastError(), QStringLiteral("Cannot schedule the retry of task %1").arg(id));
        const auto detail = stored(SealedField::EventDetail, error);
        if (!detail)
            return detail.error();
        return addEvent(id, queue, now, QStringLiteral("retry_scheduled"), TaskState::Running, TaskState::Scheduled,
            attempt, worker, *detail, delay);
    });
    if (!s)
        return s.error();
    return newState;
}

Status TaskStore::finishCancelled(qint64 id, int attempt, const QString& owner, const QString& worker, qint64 now)
{
    return atomically(Undo::Transaction, [&]() -> Status {
        const auto held = fencedWrite(m_dialect.finishCancelled, now, id, attempt, owner, true, "cancel");
        if (!held)
            return held.error();
        if (!*held)
            return leaseLost(id, attempt, owner);
        return addEvent(id, (*held)->queue, now, QStringLiteral("cancelled"), TaskState::Running, TaskState::Cancelled,
            attempt, worker, QStringLiteral("stopped while running"), now - (*held)->startedAt);
    });
}

Status TaskStore::release(qint64 id, int attempt, const QString& owner, const QString& worker, qint64 now)
{
    return atomically(Undo::Transaction, [&]() -> Status {
        const auto held = fencedWrite(m_dialect.releaseTask, now, id, attempt, owner, true, "release");
        if (!held)
            return held.error();
        if (!*held)
            return leaseLost(id, attempt, owner);
        return addEvent(id, (*held)->queue, now, QStringLiteral("released"), TaskState::Running, TaskState::Queued,
            attempt - 1, worker, QStringLiteral("worker shut down before the task finished"), -1);
    });
}

} // namespace qd
