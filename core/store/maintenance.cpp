// The writer's maintenance, every second: due tasks staged, expired leases recovered, leases renewed.
#include "taskstore_p.h"

namespace qd {

using namespace storeimpl;

// The writer runs these maintenance statements every second; their texts are the dialect's (index hints on SQLite,
// row locks on PostgreSQL).
Result<qint64> TaskStore::stageDueTasks(qint64 now)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        QSqlQuery& q = prepared(m_dialect.stageDueTasks);
        q.bindValue(QStringLiteral(":now"), now);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot stage due tasks"));
        QList<std::tuple<qint64, QString, int>> rows;
        while (q.next())
            rows.append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toInt()});
        q.finish();
        for (const auto& [id, queue, attempts] : rows) {
            if (Status e = addEvent(id, queue, now, QStringLiteral("ready"), TaskState::Scheduled, TaskState::Queued,
                    attempts, {}, {}, -1);
                !e)
                return e;
        }
        total = rows.size();
        return success();
    });
    if (!s)
        return s.error();
    return total;
}

Result<qint64> TaskStore::recoverExpiredLeases(qint64 now)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        for (bool exhausted : {true, false}) {
            QSqlQuery& q = prepared(exhausted ? m_dialect.recoverLeasesExhausted : m_dialect.recoverLeasesRequeue);
            q.bindValue(QStringLiteral(":now"), now);
            if (!q.exec())
                return sqlError(q.lastError(), QStringLiteral("Cannot recover expired leases"));
            QList<std::tuple<qint64, QString, int, QString>> rows;
            while (q.next())
                rows.append(
                    {q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toInt(), q.value(3).toString()});
            q.finish();
            for (const auto& [id, queue, attempts, owner] : rows) {
                if (Status e = addEvent(id, queue, now, QStringLiteral("lease_expired"), TaskState::Running,
                        exhausted ? TaskState::Failed : TaskState::Queued, attempts, owner,
                        QStringLiteral("lease of %1 expired").arg(owner), -1);
                    !e)
                    return e;
            }
            total += rows.size();
        }
        return success();
    });
    if (!s)
        return s.error();
    return total;
}

Result<QList<qint64>> TaskStore::renewLeases(const QString& owner, qint64 leaseMs, qint64 now)
{
    QList<qint64> cancelled;
    Status s = atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("UPDATE tasks SET lease_expires_at = ? WHERE state = 'running' AND"
                                               " lease_owner = ? RETURNING id, cancel_requested"));
        q.bindValue(0, now + leaseMs);
        q.bindValue(1, owner);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot renew leases"));
        while (q.next()) {
            if (q.value(1).toBool())
                cancelled.append(q.value(0).toLongLong());
        }
        q.finish();
        return success();
    });
    if (!s)
        return s.error();
    return cancelled;
}

qint64 TaskStore::nextScheduledRunAt()
{
    QSqlQuery& q = prepared(m_dialect.nextScheduledRunAt);
    qint64 result = 0;
    if (q.exec() && q.next())
        result = q.value(0).toLongLong();
    q.finish();
    return result;
}

} // namespace qd
