// Enqueueing: new task rows, their queues created on first use, idempotency keys.
#include "taskstore_p.h"

#include <QDateTime>

#include <sqlite3.h>

namespace qd {

using namespace storeimpl;

Result<qint64> TaskStore::insertTask(
    const NewTask& t, TaskState state, qint64 runAt, qint64 now, QueueDefaults& defaults)
{
    if (m_sqlite) {
        // One row per task, the hottest statement of all: the C API path (see sqlitestatement.h), and a plain
        // INSERT ... VALUES with the queue's defaults bound (see sqliteDialect()).
        auto queue = defaults.constFind(t.queue);
        if (queue == defaults.cend()) {
            SqliteStatement& read
                = sqliteStatement(QStringLiteral("SELECT max_attempts, timeout_ms FROM queues WHERE name = ?1"));
            read.bindText(1, t.queue);
            const bool exists = read.step();
            const std::pair<qint64, qint64> values {read.columnInt(0), read.columnInt(1)};
            const bool failed = read.failed();
            read.reset();
            if (failed)
                return read.error(QStringLiteral("Cannot read the settings of queue %1").arg(t.queue));
            if (!exists)
                return 0;
            queue = defaults.insert(t.queue, values);
        }
        SqliteStatement& insert = sqliteStatement(m_dialect.insertTask);
        const auto text
            = [&](const char* name, const QString& value) { insert.bindText(insert.parameterIndex(name), value); };
        const auto integer = [&](const char* name, qint64 value, bool present = true) {
            if (present)
                insert.bindInt(insert.parameterIndex(name), value);
        };
        text(":type", t.type);
        insert.bindUtf8(insert.parameterIndex(":payload"), t.payload);
        integer(":priority", t.priority);
        text(":state", taskStateName(state));
        integer(":max_attempts", t.maxAttempts > 0 ? t.maxAttempts : queue->first);
        integer(":run_at", runAt);
        integer(":created_at", now);
        if (!t.idempotencyKey.isEmpty())
            text(":key", t.idempotencyKey);
        integer(":timeout_ms", t.timeoutMs > 0 ? t.timeoutMs : queue->second);
        if (t.retryPolicy) {
            integer(":backoff_base", t.retryPolicy->baseDelayMs);
            integer(":backoff_max", t.retryPolicy->maxDelayMs);
            insert.bindDouble(insert.parameterIndex(":jitter"), t.retryPolicy->jitter);
        }
        text(":queue", t.queue);
        if (!insert.run())
            return insert.error(QStringLiteral("Cannot store the task"));
        return qint64(sqlite3_last_insert_rowid(m_sqlite));
    }
    QSqlQuery& insert = prepared(m_dialect.insertTask);
    insert.bindValue(QStringLiteral(":type"), t.type);
    insert.bindValue(QStringLiteral(":payload"), QString::fromUtf8(t.payload));
    insert.bindValue(QStringLiteral(":priority"), t.priority);
    insert.bindValue(QStringLiteral(":state"), taskStateName(state));
    insert.bindValue(QStringLiteral(":max_attempts"), t.maxAttempts > 0 ? QVariant(t.maxAttempts) : QVariant());
    insert.bindValue(QStringLiteral(":run_at"), runAt);
    insert.bindValue(QStringLiteral(":created_at"), now);
    insert.bindValue(QStringLiteral(":key"), nullable(t.idempotencyKey));
    insert.bindValue(QStringLiteral(":timeout_ms"), t.timeoutMs > 0 ? QVariant(t.timeoutMs) : QVariant());
    insert.bindValue(
        QStringLiteral(":backoff_base"), t.retryPolicy ? QVariant(t.retryPolicy->baseDelayMs) : QVariant());
    insert.bindValue(QStringLiteral(":backoff_max"), t.retryPolicy ? QVariant(t.retryPolicy->maxDelayMs) : QVariant());
    insert.bindValue(QStringLiteral(":jitter"), t.retryPolicy ? QVariant(t.retryPolicy->jitter) : QVariant());
    insert.bindValue(QStringLiteral(":queue"), t.queue);
    if (!insert.exec())
        return sqlError(insert.lastError(), QStringLiteral("Cannot store the task"));
    const qint64 newId = insert.next() ? insert.value(0).toLongLong() : 0;
    insert.finish();
    return newId;
}

Result<QList<EnqueueResult>> TaskStore::enqueue(const QList<NewTask>& tasks, qint64 now)
{
    QList<EnqueueResult> results;
    results.reserve(tasks.size());
    QueueDefaults defaults;
    // SQLite: a batch's "enqueued" history rows are written by one statement after its tasks (see
    // addEnqueuedEvents()); a single task's by addEvent(), which needs no statement journal.
    const bool bulkHistory = m_sqlite && tasks.size() > 1;
    // One task is written by one INSERT, its queue's the first time, and its history row: the later ones fail
    // only when the database does (see Undo::Transaction). A batch keeps its savepoint, paid once for all.
    const Undo undo = tasks.size() == 1 ? Undo::Transaction : Undo::Savepoint;
    Status s = atomically(undo, [&]() -> Status {
        for (const NewTask& t : tasks) {
            if (!t.idempotencyKey.isEmpty()) {
                QSqlQuery& find = prepared(QStringLiteral("SELECT id FROM tasks WHERE idempotency_key = :key"));
                find.bindValue(QStringLiteral(":key"), t.idempotencyKey);
                if (!find.exec())
                    return sqlError(find.lastError(), QStringLiteral("Cannot look up the idempotency key"));
                if (find.next()) {
                    results.append({find.value(0).toLongLong(), true});
                    find.finish();
                    continue;
                }
                find.finish();
            }
            const qint64 runAt = t.runAt > 0 ? t.runAt : now + t.delayMs;
            const TaskState state = runAt > now ? TaskState::Scheduled : TaskState::Queued;
            // A queue seen for the first time makes the insert insert nothing: then the queue is created and the
            // insert runs again (see SqlDialect::insertTask).
            auto inserted = insertTask(t, state, runAt, now, defaults);
            if (inserted && *inserted == 0) {
                if (Status ensured = ensureQueue(t.queue, now); !ensured)
                    return ensured;
                inserted = insertTask(t, state, runAt, now, defaults);
                if (inserted && *inserted == 0)
                    return Error {ErrorCode::Internal, QStringLiteral("Queue %1 could not be created").arg(t.queue)};
            }
            if (!inserted)
                return inserted.error();
            const qint64 id = *inserted;
            results.append({id, false});
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
        return bulkHistory ? addEnqueuedEvents(results) : success();
    });
    if (!s)
        return s.error();
    return results;
}

} // namespace qd
