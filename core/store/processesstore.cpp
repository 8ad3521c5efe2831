// Processes (schema 6): the heartbeat rows of the engines that run on this database, and the tasks each holds.
#include "taskstore_p.h"

#include <QSqlQuery>

namespace qd {

using namespace storeimpl;

namespace {

// Running tasks read for the processes view: far more than any cluster's workers, a bound on a broken database.
constexpr int runningTasksLimit = 10'000;
// A source state whose process has no heartbeat row is pruned once it is this old.
constexpr qint64 orphanStateAfterMs = 60'000;

} // namespace

Status TaskStore::beatProcess(const ProcessRecord& process, qint64 now, qint64 pruneBefore)
{
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral(
            "INSERT INTO processes(id, host, pid, kind, version, user_name, started_at, last_seen, beat_ms, workers,"
            " queues) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " last_seen = excluded.last_seen, beat_ms = excluded.beat_ms, workers = excluded.workers,"
            " queues = excluded.queues"));
        const QVariantList values {process.id, process.host, process.pid, process.kind, process.version, process.user,
            process.startedAt, now, process.beatMs, process.workers, process.queues};
        for (qsizetype i = 0; i < values.size(); ++i)
            q.bindValue(int(i), values.at(i));
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot record the heartbeat of %1").arg(process.id));
        q.finish();
        QSqlQuery& prune = prepared(QStringLiteral("DELETE FROM processes WHERE last_seen < ?"));
        prune.bindValue(0, pruneBefore);
        if (!prune.exec())
            return sqlError(prune.lastError(), QStringLiteral("Cannot prune old heartbeat rows"));
        prune.finish();
        // Source states of processes without a row (killed long ago, or pruned just now). A process's first states
        // may precede its first beat: only rows older than a minute go.
        QSqlQuery& orphans = prepared(QStringLiteral("DELETE FROM source_states WHERE updated_at < ?"
                                                     " AND process_id NOT IN (SELECT id FROM processes)"));
        orphans.bindValue(0, now - orphanStateAfterMs);
        if (!orphans.exec())
            return sqlError(orphans.lastError(), QStringLiteral("Cannot prune old source states"));
        orphans.finish();
        return success();
    });
}

Status TaskStore::removeProcess(const QString& id)
{
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("DELETE FROM processes WHERE id = ?"));
        q.bindValue(0, id);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot remove the heartbeat row of %1").arg(id));
        q.finish();
        QSqlQuery& states = prepared(QStringLiteral("DELETE FROM source_states WHERE process_id = ?"));
        states.bindValue(0, id);
        if (!states.exec())
            return sqlError(states.lastError(), QStringLiteral("Cannot remove the source states of %1").arg(id));
        states.finish();
        return success();
    });
}

Result<bool> TaskStore::forgetProcess(const QString& id, qint64 lastSeen)
{
    bool removed = false;
    const Status status = atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("DELETE FROM processes WHERE id = ? AND last_seen <= ?"));
        q.bindValue(0, id);
        q.bindValue(1, lastSeen);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot forget the process %1").arg(id));
        removed = q.numRowsAffected() > 0;
        q.finish();
        if (!removed)
            return success(); // it beat again or is gone: nothing was done, nothing is recorded
        AuditEntry entry;
        entry.action = auditaction::processForget;
        entry.target = id;
        entry.detail = QStringLiteral("{\"last_seen\":%1}").arg(lastSeen);
        return recordAudit(entry);
    });
    if (!status)
        return status.error();
    return removed;
}

Result<QList<ProcessRecord>> TaskStore::processes()
{
    QSqlQuery& rows
        = prepared(QStringLiteral("SELECT id, host, pid, kind, version, user_name, started_at, last_seen,"
                                  " beat_ms, workers, queues FROM processes ORDER BY host, started_at, id"));
    if (!rows.exec())
        return sqlError(rows.lastError(), QStringLiteral("Cannot read the processes"));
    QList<ProcessRecord> result;
    QHash<QString, qsizetype> byId;
    while (rows.next()) {
        ProcessRecord p;
        p.id = rows.value(0).toString();
        p.host = rows.value(1).toString();
        p.pid = rows.value(2).toLongLong();
        p.kind = rows.value(3).toString();
        p.version = rows.value(4).toString();
        p.user = rows.value(5).toString();
        p.startedAt = rows.value(6).toLongLong();
        p.lastSeen = rows.value(7).toLongLong();
        p.beatMs = rows.value(8).toLongLong();
        p.workers = rows.value(9).toInt();
        p.queues = rows.value(10).toString();
        byId.insert(p.id, result.size());
        result.append(std::move(p));
    }
    rows.finish();

    // Each running task under the process that holds its lease; owners without a row (engines that do not beat)
    // get a row of their own, so the running tasks shown add up to the running count of the queues.
    QSqlQuery& running = prepared(QStringLiteral("SELECT lease_owner, id, queue, type, attempts, started_at FROM tasks"
                                                 " WHERE state = 'running' ORDER BY lease_owner, id LIMIT %1")
                                      .arg(runningTasksLimit));
    if (!running.exec())
        return sqlError(running.lastError(), QStringLiteral("Cannot read the running tasks"));
    while (running.next()) {
        const QString owner = running.value(0).toString();
        auto it = byId.constFind(owner);
        if (it == byId.constEnd()) {
            ProcessRecord unknown;
            unknown.id = owner;
            unknown.host = owner.section(QLatin1Char(':'), 0, 0);
            unknown.pid = owner.section(QLatin1Char(':'), 1, 1).toLongLong();
            unknown.announced = false;
            it = byId.insert(owner, result.size());
            result.append(std::move(unknown));
        }
        result[*it].running.append(RunningTaskRef {running.value(1).toLongLong(), running.value(2).toString(),
            running.value(3).toString(), running.value(4).toInt(), running.value(5).toLongLong()});
    }
    running.finish();
    return result;
}

} // namespace qd
