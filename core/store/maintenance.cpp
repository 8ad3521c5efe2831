// The writer's maintenance, every second: due tasks staged, expired leases recovered, leases renewed.
#include "taskstore_p.h"

namespace qd {

using namespace storeimpl;

// The writer runs these maintenance statements every second; their texts are the dialect's (index hints on SQLite,
// row locks on the servers, which skip rows another host holds).
Result<qint64> TaskStore::stageDueTasks(qint64 now)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        auto rows = updateReturning(m_dialect.stageDueTasks, {}, {{":now", now}}, true, true);
        if (!rows)
            return Error {rows.error().code, QStringLiteral("Cannot stage due tasks: ") + rows.errorString()};
        for (const QVariantList& row : std::as_const(*rows)) {
            if (Status e = addEvent(row.at(0).toLongLong(), row.at(1).toString(), now, QStringLiteral("ready"),
                    TaskState::Scheduled, TaskState::Queued, row.at(2).toInt(), {}, {}, -1);
                !e)
                return e;
        }
        total = rows->size();
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
        // A task claimed ahead whose start was never recorded is requeued even on its last attempt (its attempt
        // still counts: a handler may have begun it just before the process died), so a crash never fails a task
        // that no handler ran.
        for (bool exhausted : {true, false}) {
            auto rows = updateReturning(exhausted ? m_dialect.recoverLeasesExhausted : m_dialect.recoverLeasesRequeue,
                {}, {{":now", now}}, true, true);
            if (!rows)
                return Error {
                    rows.error().code, QStringLiteral("Cannot recover expired leases: ") + rows.errorString()};
            for (const QVariantList& row : std::as_const(*rows)) {
                const QString owner = row.at(3).toString();
                if (Status e
                    = addEvent(row.at(0).toLongLong(), row.at(1).toString(), now, QStringLiteral("lease_expired"),
                        TaskState::Running, exhausted ? TaskState::Failed : TaskState::Queued, row.at(2).toInt(), owner,
                        QStringLiteral("lease of %1 expired").arg(owner), -1);
                    !e)
                    return e;
            }
            total += rows->size();
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
        // MariaDB's locking read of the running rows locks every row it passes, other processes' too, which their
        // own renewals hold: waiting for them deadlocked processes renewing at once. A row of ours another
        // transaction holds is renewed next time, a third of a lease later (PostgreSQL: one UPDATE, no wait).
        auto rows = updateReturning(QStringLiteral("UPDATE tasks SET lease_expires_at = ? WHERE state = 'running' AND"
                                                   " lease_owner = ? RETURNING id, cancel_requested"),
            {now + leaseMs, owner}, {}, true, true);
        if (!rows)
            return Error {rows.error().code, QStringLiteral("Cannot renew leases: ") + rows.errorString()};
        for (const QVariantList& row : std::as_const(*rows)) {
            if (row.at(1).toLongLong() != 0)
                cancelled.append(row.at(0).toLongLong());
        }
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
