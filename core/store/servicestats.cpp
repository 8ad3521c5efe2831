// TaskStore: how each queue was served over a time window, for the capacity forecast (core/monitoring).
#include "taskstore_p.h"

#include <QSqlQuery>

namespace qd {

using namespace storeimpl;

Result<QHash<QString, ServiceStats>> TaskStore::serviceStats(qint64 from, qint64 to)
{
    // One pass over the window's events (task_events_at): arrivals, ended runs with their run time, starts with
    // their wait, and the workers seen starting tasks. Once per queue, once for all.
    static const QString measures = QStringLiteral(
        " SUM(CASE WHEN kind = 'enqueued' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN from_state = 'running' AND kind IN ('succeeded', 'failed', 'cancelled')"
        "     AND duration_ms IS NOT NULL THEN 1 ELSE 0 END),"
        " AVG(CASE WHEN from_state = 'running' AND kind IN ('succeeded', 'failed', 'cancelled') THEN duration_ms END),"
        " SUM(CASE WHEN kind = 'started' THEN 1 ELSE 0 END),"
        " AVG(CASE WHEN kind = 'started' THEN duration_ms END),"
        " COUNT(DISTINCT CASE WHEN kind = 'started' THEN worker END)"
        " FROM task_events WHERE at >= ? AND at < ?");
    static const QString perQueue = QStringLiteral("SELECT queue,") + measures + QStringLiteral(" GROUP BY queue");
    static const QString overall = QStringLiteral("SELECT '',") + measures;
    QHash<QString, ServiceStats> result;
    for (const QString* sql : {&perQueue, &overall}) {
        QSqlQuery& q = prepared(*sql);
        q.bindValue(0, from);
        q.bindValue(1, to);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot read the task events"));
        while (q.next()) {
            ServiceStats s;
            s.enqueued = q.value(1).toLongLong();
            s.runs = q.value(2).toLongLong();
            s.meanRunMs = q.value(3).toDouble();
            s.starts = q.value(4).toLongLong();
            s.meanWaitMs = q.value(5).toDouble();
            s.workers = q.value(6).toInt();
            result.insert(q.value(0).toString(), s);
        }
        q.finish();
    }
    return result;
}

} // namespace qd
