// Enqueueing: new task rows, their queues created on first use, idempotency keys.
#include "taskstore_p.h"

#include <QDateTime>

#include <algorithm>

namespace qd {

using namespace storeimpl;

namespace {

// An admin's enqueue as one audit row: the queues as target, the tasks created (a taken idempotency key creates none)
// as count.
AuditEntry enqueueAudit(const QList<NewTask>& tasks, const QList<EnqueueResult>& results, qint64 now)
{
    QStringList queues;
    for (const NewTask& t : tasks) {
        if (!queues.contains(t.queue))
            queues.append(t.queue);
    }
    queues.sort();
    AuditEntry entry;
    entry.at = now;
    entry.action = auditaction::enqueue;
    entry.target = queues.join(QLatin1Char(','));
    entry.count = std::count_if(results.cbegin(), results.cend(), [](const EnqueueResult& r) { return !r.existed; });
    entry.detail = QStringLiteral("{\"submitted\":%1}").arg(tasks.size());
    return entry;
}

} // namespace

Result<const TaskStore::EnqueueQueueRow*> TaskStore::enqueueQueueRow(const QString& queue, EnqueueQueueRows& rows)
{
    if (auto known = rows.constFind(queue); known != rows.cend())
        return &*known;
    StoreStatement read
        = statement(QStringLiteral("SELECT require_signed, max_attempts, timeout_ms FROM queues WHERE name = ?"));
    read.bind(1, queue);
    std::optional<EnqueueQueueRow> row;
    if (read.next())
        row = EnqueueQueueRow {read.flag(0), read.integer(1), read.integer(2)};
    if (!read.finish())
        return read.error(QStringLiteral("Cannot read the settings of queue %1").arg(queue));
    if (!row)
        return nullptr;
    return &*rows.insert(queue, *row);
}

Result<qint64> TaskStore::insertTask(
    const NewTask& t, TaskState state, qint64 runAt, qint64 now, EnqueueQueueRows& rows)
{
    // 0 leaves the queue's default: PostgreSQL's insert reads it; on SQLite the store binds it, read once per
    // enqueue call (a plain INSERT ... VALUES needs no statement journal, see sqliteDialect()).
    std::optional<qint64> maxAttempts, timeoutMs;
    if (t.maxAttempts > 0)
        maxAttempts = t.maxAttempts;
    if (t.timeoutMs > 0)
        timeoutMs = t.timeoutMs;
    const bool bindsDefaults = m_dialect.bindsQueueDefaults;
    if (bindsDefaults) {
        const Result<const EnqueueQueueRow*> queue = enqueueQueueRow(t.queue, rows);
        if (!queue)
            return queue.error();
        if (!*queue)
            return 0;
        maxAttempts = maxAttempts.value_or((*queue)->maxAttempts);
        timeoutMs = timeoutMs.value_or((*queue)->timeoutMs);
    }
    const bool newKeyOnly = !t.idempotencyKey.isEmpty() && !m_dialect.insertTaskNewKey.isEmpty();
    StoreStatement insert = statement(newKeyOnly ? m_dialect.insertTaskNewKey : m_dialect.insertTask);
    insert.bind(":type", t.type);
    // Encrypted: the payload is sealed with the new id, so the insert stores a placeholder that reads as a value that
    // does not open (see enqueue()), never the payload.
    static const QByteArray pending = QByteArrayLiteral("qdenc1:pending");
    insert.bind(":payload", m_encryption && m_encryption->seals(t.queue) ? pending : t.payload);
    insert.bind(":priority", t.priority);
    insert.bind(":state", taskStateName(state));
    insert.bindOrNull(":max_attempts", maxAttempts);
    insert.bind(":run_at", runAt);
    insert.bind(":created_at", now);
    insert.bindOrNull(":key", t.idempotencyKey);
    insert.bindOrNull(":timeout_ms", timeoutMs);
    const std::optional<RetryPolicy>& policy = t.retryPolicy;
    insert.bindOrNull(":backoff_base", policy ? std::optional(policy->baseDelayMs) : std::nullopt);
    insert.bindOrNull(":backoff_max", policy ? std::optional(policy->maxDelayMs) : std::nullopt);
    insert.bindOrNull(":jitter", policy ? std::optional(policy->jitter) : std::nullopt);
    insert.bind(":queue", t.queue);
    // PostgreSQL returns the new id, and no row when the queue does not exist.
    const qint64 returnedId = insert.next() ? insert.integer(0) : 0;
    // Before finish(), which drops them (MariaDB). A taken key inserts nothing (insertTaskNewKey): 0 as well.
    const qint64 id = !bindsDefaults ? returnedId : insert.changes() > 0 ? insert.lastInsertId() : 0;
    if (!insert.finish())
        return insert.error(QStringLiteral("Cannot store the task"));
    return id;
}

Result<QList<EnqueueResult>> TaskStore::enqueue(
    const QList<NewTask>& tasks, qint64 now, RefusedTasks refusedTasks, EnqueueAudit audit)
{
    // Outside a transaction (a one-shot write), one of its own first: its begin() reconnects a lost server
    // connection before the checks read.
    if (!inTransaction()) {
        Result<QList<EnqueueResult>> out = QList<EnqueueResult> {};
        const Status s = atomically([&]() -> Status {
            out = enqueue(tasks, now, refusedTasks, audit);
            return out ? success() : Status(out.error());
        });
        if (!s)
            return s.error();
        return out;
    }
    // Checked before anything is written: a refusal never leaves part of a task, nor fails a writer's transaction.
    EnqueueQueueRows queueRows;
    Result<QList<std::optional<Error>>> refusals = signatureRefusals(tasks, queueRows);
    if (!refusals)
        return refusals.error();
    const auto firstRefused
        = std::find_if(refusals->cbegin(), refusals->cend(), [](const auto& r) { return r.has_value(); });
    if (firstRefused == refusals->cend())
        return enqueueChecked(tasks, now, audit, queueRows);
    if (refusedTasks == RefusedTasks::RefuseBatch) {
        Error error = **firstRefused;
        if (tasks.size() > 1)
            error.message = QStringLiteral("Task %1 of the batch: %2")
                                .arg(firstRefused - refusals->cbegin() + 1)
                                .arg(error.message);
        return error;
    }
    QList<NewTask> accepted;
    for (qsizetype i = 0; i < tasks.size(); ++i) {
        if (!refusals->at(i))
            accepted.append(tasks.at(i));
    }
    QList<EnqueueResult> stored;
    if (!accepted.isEmpty()) {
        Result<QList<EnqueueResult>> written = enqueueChecked(accepted, now, audit, queueRows);
        if (!written)
            return written.error();
        stored = std::move(*written);
    }
    QList<EnqueueResult> results;
    results.reserve(tasks.size());
    qsizetype next = 0;
    for (qsizetype i = 0; i < tasks.size(); ++i) {
        if (const std::optional<Error>& refusal = refusals->at(i))
            results.append({0, false, refusal->message});
        else
            results.append(stored.at(next++));
    }
    return results;
}

Result<QList<EnqueueResult>> TaskStore::enqueueChecked(
    const QList<NewTask>& tasks, qint64 now, EnqueueAudit audit, EnqueueQueueRows& rows)
{
    if (m_encryption) {
        // A queue sealed with a key this process lacks refuses the whole batch before any write.
        for (const NewTask& t : tasks) {
            if (m_encryption->seals(t.queue) && !m_encryption->sealingKey(t.queue))
                return m_encryption->noKeyError(t.queue);
        }
    }
    QList<EnqueueResult> results;
    results.reserve(tasks.size());
    // SQLite: a batch's "enqueued" history rows are written by one statement after its tasks (see
    // addEnqueuedEvents()); a single task's by addEvent(), which needs no statement journal.
    const bool bulkHistory = !m_dialect.addEnqueuedEvents.isEmpty() && tasks.size() > 1;
    // One task is written by one INSERT, its queue's the first time, and its history row: the later ones fail
    // only when the database does (see Undo::Transaction). A batch keeps its savepoint, paid once for all.
    const Undo undo = tasks.size() == 1 ? Undo::Transaction : Undo::Savepoint;
    Status s = atomically(undo, [&]() -> Status {
        // The task holding an idempotency key, 0 when none does.
        const auto taskWithKey = [&](const QString& key) -> Result<qint64> {
            StoreStatement find = statement(QStringLiteral("SELECT id FROM tasks WHERE idempotency_key = ?"));
            find.bind(1, key);
            const qint64 existing = find.next() ? find.integer(0) : 0;
            if (!find.finish())
                return find.error(QStringLiteral("Cannot look up the idempotency key"));
            return existing;
        };
        const bool insertChecksKeys = !m_dialect.insertTaskNewKey.isEmpty();
        for (const NewTask& t : tasks) {
            const bool keyed = !t.idempotencyKey.isEmpty();
            if (keyed && !insertChecksKeys) {
                const Result<qint64> existing = taskWithKey(t.idempotencyKey);
                if (!existing)
                    return existing.error();
                if (*existing) {
                    results.append({*existing, true});
                    continue;
                }
            }
            const qint64 runAt = t.runAt > 0 ? t.runAt : now + t.delayMs;
            const TaskState state = runAt > now ? TaskState::Scheduled : TaskState::Queued;
            // An insert inserts nothing when the queue is seen for the first time (see SqlDialect::insertTask) or
            // the key is taken (insertTaskNewKey). A taken key returns its task; else the queue is created and the
            // insert runs again.
            auto inserted = insertTask(t, state, runAt, now, rows);
            qint64 existingId = 0;
            for (int round = 0; inserted && *inserted == 0; ++round) {
                if (keyed && insertChecksKeys) {
                    const Result<qint64> existing = taskWithKey(t.idempotencyKey);
                    if (!existing)
                        return existing.error();
                    existingId = *existing;
                    if (existingId)
                        break;
                }
                if (round > 0)
                    return Error {ErrorCode::Internal, QStringLiteral("Queue %1 could not be created").arg(t.queue)};
                if (Status ensured = ensureQueue(t.queue, now); !ensured)
                    return ensured;
                inserted = insertTask(t, state, runAt, now, rows);
            }
            if (!inserted)
                return inserted.error();
            if (existingId) {
                results.append({existingId, true});
                continue;
            }
            const qint64 id = *inserted;
            results.append({id, false});
            if (m_encryption && m_encryption->seals(t.queue)) {
                // The task's id is part of what the seal authenticates, so the payload is sealed once it has one.
                auto sealedPayload = m_encryption->seal(SealedField::Payload, id, t.queue, t.payload);
                if (!sealedPayload)
                    return sealedPayload.error();
                StoreStatement update = statement(QStringLiteral("UPDATE tasks SET payload = ? WHERE id = ?"));
                update.bind(1, *sealedPayload);
                update.bind(2, id);
                if (!update.run())
                    return update.error(QStringLiteral("Cannot store the task"));
            }
            if (!t.signatureKeyId.isEmpty()) { // verified by enqueue(): the key that signed it
                StoreStatement signer = statement(QStringLiteral("UPDATE tasks SET producer_key_id = ? WHERE id = ?"));
                signer.bind(1, t.signatureKeyId);
                signer.bind(2, id);
                if (!signer.run())
                    return signer.error(QStringLiteral("Cannot store the task"));
            }
            if (bulkHistory) {
                m_transitions.append({id, t.queue, std::nullopt, state});
                continue;
            }
            const QString detail = state == TaskState::Scheduled
                ? QStringLiteral("runs at %1")
                      .arg(QDateTime::fromMSecsSinceEpoch(runAt, Qt::UTC).toString(Qt::ISODateWithMs))
                : QString();
            if (Status e
                = addEvent(id, t.queue, now, QStringLiteral("enqueued"), std::nullopt, state, 0, {}, detail, -1);
                !e)
                return e;
        }
        if (bulkHistory) {
            if (Status history = addEnqueuedEvents(results); !history)
                return history;
        }
        if (audit == EnqueueAudit::Skip)
            return success();
        AuditEntry entry = enqueueAudit(tasks, results, now);
        return recordAudit(entry);
    });
    if (!s)
        return s.error();
    return results;
}

} // namespace qd
