// TaskStore: how each queue was served over a time window, for the capacity forecast (core/monitoring).
#include "taskstore_p.h"

#include <QSqlQuery>

#include <algorithm>
#include <limits>
#include <vector>

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
        " COUNT(DISTINCT CASE WHEN kind = 'started' THEN worker END),"
        " SUM(CASE WHEN from_state = 'running' AND kind IN ('succeeded', 'failed', 'retry_scheduled') THEN 1 ELSE 0"
        "     END),"
        " SUM(CASE WHEN from_state = 'running' AND kind IN ('failed', 'retry_scheduled') THEN 1 ELSE 0 END),"
        " MAX(CASE WHEN from_state = 'running' AND kind IN ('succeeded', 'failed', 'retry_scheduled', 'cancelled')"
        "     THEN at END)"
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
            s.attemptsEnded = q.value(7).toLongLong();
            s.attemptsFailed = q.value(8).toLongLong();
            s.lastEndAt = q.value(9).toLongLong();
            result.insert(q.value(0).toString(), s);
        }
        q.finish();
    }
    return result;
}

Result<std::optional<qint64>> TaskStore::waitPercentile(const QString& queue, qint64 from, qint64 to, double p)
{
    QSqlQuery& q = prepared(QStringLiteral(
        "SELECT duration_ms FROM task_events WHERE at >= ? AND at < ? AND kind = 'started' AND (? = '' OR queue = ?)"
        " AND duration_ms IS NOT NULL ORDER BY at DESC LIMIT 20000"));
    q.bindValue(0, from);
    q.bindValue(1, to);
    q.bindValue(2, queue);
    q.bindValue(3, queue);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the task events"));
    std::vector<qint64> waits;
    while (q.next())
        waits.push_back(q.value(0).toLongLong());
    q.finish();
    if (waits.empty())
        return std::optional<qint64>();
    const auto rank = std::size_t(std::clamp(p, 0.0, 1.0) * double(waits.size() - 1) + 0.5);
    std::nth_element(waits.begin(), waits.begin() + std::ptrdiff_t(rank), waits.end());
    return std::optional<qint64>(waits[rank]);
}

Result<QHash<QString, qint64>> TaskStore::oldestQueuedRunAt()
{
    // The claim's index (tasks_ready: queue, priority DESC, run_at) holds each priority's oldest first: one seek per
    // queue and priority present, however many tasks wait (a GROUP BY read every queued task).
    StoreStatement names = statement(QStringLiteral("SELECT name FROM queues"));
    QStringList queueNames;
    while (names.next())
        queueNames.append(names.text(0));
    if (!names.finish())
        return names.error(QStringLiteral("Cannot read the queues"));
    QHash<QString, qint64> oldest;
    qint64 overall = 0;
    for (const QString& queue : std::as_const(queueNames)) {
        qint64 below = std::numeric_limits<qint64>::max();
        qint64 queueOldest = 0;
        for (;;) {
            StoreStatement q = statement(QStringLiteral(
                "SELECT priority, run_at FROM tasks WHERE state = 'queued' AND queue = ? AND priority < ?"
                " ORDER BY priority DESC, run_at LIMIT 1"));
            q.bind(1, queue);
            q.bind(2, below);
            const bool found = q.next();
            const qint64 priority = found ? q.integer(0) : 0;
            const qint64 at = found ? q.integer(1) : 0;
            if (!q.finish())
                return q.error(QStringLiteral("Cannot read the queued tasks"));
            if (!found)
                break;
            below = priority;
            queueOldest = queueOldest == 0 ? at : std::min(queueOldest, at);
        }
        if (queueOldest == 0)
            continue;
        oldest.insert(queue, queueOldest);
        overall = overall == 0 ? queueOldest : std::min(overall, queueOldest);
    }
    if (overall > 0)
        oldest.insert(QString(), overall);
    return oldest;
}

Result<QList<AttemptCounts>> TaskStore::endedAttempts(const QList<std::pair<qint64, qint64>>& windows)
{
    if (windows.isEmpty())
        return QList<AttemptCounts>();
    // One pass over the span's events (task_events_at); each window is a pair of sums over it.
    QString sql = QStringLiteral("SELECT ");
    for (qsizetype i = 0; i < windows.size(); ++i) {
        sql += QStringLiteral("%1sum(CASE WHEN at >= ? AND at < ? THEN 1 ELSE 0 END),"
                              " sum(CASE WHEN at >= ? AND at < ? AND kind <> 'succeeded' THEN 1 ELSE 0 END)")
                   .arg(i == 0 ? QString() : QStringLiteral(", "));
    }
    sql += QStringLiteral(" FROM task_events WHERE at >= ? AND at < ? AND from_state = 'running'"
                          " AND kind IN ('succeeded', 'failed', 'retry_scheduled')");
    qint64 spanFrom = windows.first().first;
    qint64 spanTo = windows.first().second;
    StoreStatement q = statement(sql);
    int param = 1;
    for (const auto& [from, to] : windows) {
        for (int twice = 0; twice < 2; ++twice) {
            q.bind(param++, from);
            q.bind(param++, to);
        }
        spanFrom = std::min(spanFrom, from);
        spanTo = std::max(spanTo, to);
    }
    q.bind(param++, spanFrom);
    q.bind(param, spanTo);
    QList<AttemptCounts> counts(windows.size());
    if (q.next()) {
        for (qsizetype i = 0; i < windows.size(); ++i)
            counts[i] = {q.integer(int(2 * i)), q.integer(int(2 * i + 1))};
    }
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read the task events"));
    return counts;
}

} // namespace qd
