// Events out (schema 7): the task history read as an outbox of ended tasks, and each relay's cursor in it.
#include "eventidwalk.h"
#include "taskstore_p.h"

#include <QDateTime>

namespace qd {

using namespace storeimpl;

Result<TerminalEventBatch> TaskStore::terminalEventsSince(qint64 afterEventId, int limit)
{
    if (limit < 1)
        return Error {ErrorCode::InvalidArgument, QStringLiteral("A read of events needs a limit of 1 or more")};
    // Every kind is read, so that holes in the ids show (see EventIdWalk); the type comes from the task, which a
    // purge may have removed since. The detail is taken as stored: a sealed one stays sealed.
    QSqlQuery& q = prepared(QStringLiteral(
        "SELECT e.id, e.task_id, e.queue, e.at, e.kind, e.to_state, e.attempt, e.worker, e.detail, e.duration_ms,"
        " t.type, t.created_at FROM task_events e LEFT JOIN tasks t ON t.id = e.task_id WHERE e.id > ?"
        " ORDER BY e.id LIMIT ?"));
    q.bindValue(0, afterEventId);
    q.bindValue(1, limit);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the task events"));
    const bool holesPossible = m_dialect.server;
    EventIdWalk walk(afterEventId, holesPossible, QDateTime::currentMSecsSinceEpoch());
    TerminalEventBatch batch;
    int read = 0;
    bool atHole = false;
    while (q.next()) {
        ++read;
        if (!walk.take(q.value(0).toLongLong(), q.value(3).toLongLong())) {
            atHole = true;
            break;
        }
        const QString state = q.value(5).toString();
        if (state != u"succeeded" && state != u"failed" && state != u"cancelled")
            continue;
        TerminalEvent e;
        e.id = q.value(0).toLongLong();
        e.taskId = q.value(1).toLongLong();
        e.queue = q.value(2).toString();
        e.at = q.value(3).toLongLong();
        e.kind = q.value(4).toString();
        e.state = state;
        e.attempt = q.value(6).toInt();
        e.worker = q.value(7).toString();
        e.detail = q.value(8).toString();
        e.durationMs = q.value(9).isNull() ? -1 : q.value(9).toLongLong();
        e.type = q.value(10).toString();
        e.createdAt = q.value(11).toLongLong();
        batch.events.append(std::move(e));
    }
    q.finish();
    batch.lastEventId = walk.last();
    batch.more = !atHole && read == limit;
    return batch;
}

Result<qint64> TaskStore::terminalEventCountAfter(qint64 afterEventId, qint64 cap)
{
    // The LIMIT bounds the scan of a long backlog (the id range after the cursor, by the primary key).
    QSqlQuery& q = prepared(QStringLiteral("SELECT count(*) FROM (SELECT 1 FROM task_events WHERE id > ?"
                                           " AND to_state IN ('succeeded', 'failed', 'cancelled') LIMIT ?) backlog"));
    q.bindValue(0, afterEventId);
    q.bindValue(1, cap);
    if (!q.exec() || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot count the events to publish"));
    const qint64 count = q.value(0).toLongLong();
    q.finish();
    return count;
}

Result<std::optional<qint64>> TaskStore::sourceCursor(const QString& source)
{
    if (!schemaHas(sourceCursorsSchemaVersion))
        return std::optional<qint64>();
    QSqlQuery& q = prepared(QStringLiteral("SELECT last_event_id FROM source_cursors WHERE source_name = ?"));
    q.bindValue(0, source);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the cursor of %1").arg(source));
    std::optional<qint64> cursor;
    if (q.next())
        cursor = q.value(0).toLongLong();
    q.finish();
    return cursor;
}

Result<std::optional<qint64>> TaskStore::eventTime(qint64 eventId)
{
    QSqlQuery& q = prepared(QStringLiteral("SELECT at FROM task_events WHERE id = ?"));
    q.bindValue(0, eventId);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the event %1").arg(eventId));
    std::optional<qint64> at;
    if (q.next())
        at = q.value(0).toLongLong();
    q.finish();
    return at;
}

Status TaskStore::setSourceCursor(const QString& source, qint64 lastEventId, bool forwardOnly)
{
    return atomically([&]() -> Status {
        if (forwardOnly) {
            QSqlQuery& q = prepared(QStringLiteral(
                "UPDATE source_cursors SET last_event_id = ? WHERE source_name = ? AND last_event_id < ?"));
            q.bindValue(0, lastEventId);
            q.bindValue(1, source);
            q.bindValue(2, lastEventId);
            if (!q.exec())
                return sqlError(q.lastError(), QStringLiteral("Cannot move the cursor of %1").arg(source));
            return success();
        }
        QSqlQuery& remove = prepared(QStringLiteral("DELETE FROM source_cursors WHERE source_name = ?"));
        remove.bindValue(0, source);
        if (!remove.exec())
            return sqlError(remove.lastError(), QStringLiteral("Cannot set the cursor of %1").arg(source));
        QSqlQuery& insert
            = prepared(QStringLiteral("INSERT INTO source_cursors(source_name, last_event_id) VALUES (?, ?)"));
        insert.bindValue(0, source);
        insert.bindValue(1, lastEventId);
        if (!insert.exec())
            return sqlError(insert.lastError(), QStringLiteral("Cannot set the cursor of %1").arg(source));
        return success();
    });
}

} // namespace qd
