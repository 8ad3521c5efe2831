// Source states (schema 10): what each process running a source says it is doing (see core/sourcerunstate.h).
#include "taskstore_p.h"

#include <QSqlQuery>

namespace qd {

using namespace storeimpl;

Status TaskStore::setSourceRunState(const SourceRunState& state)
{
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral(
            "INSERT INTO source_states(source_name, process_id, state, detail, since, next_try_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_name, process_id) DO UPDATE SET"
            " state = excluded.state, detail = excluded.detail, since = excluded.since,"
            " next_try_at = excluded.next_try_at, updated_at = excluded.updated_at"));
        // A null QString binds as NULL: the NOT NULL columns get "" instead.
        const auto text = [](const QString& s) { return s.isNull() ? QStringLiteral("") : s; };
        q.bindValue(0, state.source);
        q.bindValue(1, state.processId);
        q.bindValue(2, state.state);
        q.bindValue(3, text(state.detail));
        q.bindValue(4, state.since);
        q.bindValue(5, state.nextTryAt);
        q.bindValue(6, state.updatedAt);
        if (!q.exec())
            return sqlError(
                q.lastError(), QStringLiteral("Cannot record the state of the source %1").arg(state.source));
        q.finish();
        return success();
    });
}

Result<QList<SourceRunState>> TaskStore::sourceRunStates()
{
    if (!schemaHas(sourceStatesSchemaVersion))
        return QList<SourceRunState>();
    QSqlQuery& q = prepared(
        QStringLiteral("SELECT s.source_name, s.process_id, s.state, s.detail, s.since, s.next_try_at, s.updated_at,"
                       " coalesce(p.last_seen, 0), coalesce(p.beat_ms, 0) FROM source_states s"
                       " LEFT JOIN processes p ON p.id = s.process_id ORDER BY s.source_name, s.process_id"));
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the states of the sources"));
    QList<SourceRunState> result;
    while (q.next()) {
        SourceRunState s;
        s.source = q.value(0).toString();
        s.processId = q.value(1).toString();
        s.state = q.value(2).toString();
        s.detail = q.value(3).toString();
        s.since = q.value(4).toLongLong();
        s.nextTryAt = q.value(5).toLongLong();
        s.updatedAt = q.value(6).toLongLong();
        s.processLastSeen = q.value(7).toLongLong();
        s.processBeatMs = q.value(8).toLongLong();
        result.append(std::move(s));
    }
    q.finish();
    return result;
}

} // namespace qd
