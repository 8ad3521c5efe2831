// The metrics history: events tallied since the shared cursor, samples stored, folded and pruned.
#include "eventidwalk.h"
#include "taskstore_p.h"

#include <QDateTime>

#include <limits>
#include <map>
#include <string>
#include <string_view>

namespace qd {

using namespace storeimpl;

namespace {

// The SET list of the metrics upserts: a sample written again replaces the one stored.
const QString sampleUpdate = QStringLiteral(
    "queued = excluded.queued, scheduled = excluded.scheduled, running = excluded.running,"
    " succeeded = excluded.succeeded, failed = excluded.failed, cancelled = excluded.cancelled,"
    " enqueued_n = excluded.enqueued_n, completed_n = excluded.completed_n, failed_n = excluded.failed_n,"
    " wait_p50_ms = excluded.wait_p50_ms, wait_p95_ms = excluded.wait_p95_ms");

// Adds events up into an EventActivity. The sampler reads every event since its last sample on the writer's thread
// (thousands a second under load), and most of them share a queue (and a type): that queue's tallies are looked up
// again only when the name changes from one event to the next, so an event costs a few byte comparisons and an
// increment.
class ActivityTally {
public:
    // Kinds that are not rates (ready, retried, ...) add nothing. `type` is empty except for events that end an
    // attempt; a retry's duration is its delay, not a run time.
    void add(QUtf8StringView queue, QUtf8StringView kind, qint64 durationMs, QUtf8StringView type)
    {
        QueueTally& q = m_queues.at(queue);
        const std::string_view k(kind.data(), std::size_t(kind.size()));
        if (k == "enqueued") {
            ++q.enqueued;
        } else if (k == "started") {
            q.waitTimesMs.append(durationMs);
        } else if (k == "succeeded") {
            ++q.completed;
            q.runTimesMs.append(durationMs);
            EventActivity::TypeActivity& t = m_types.at(type);
            ++t.completed;
            t.runTimesMs.append(durationMs);
        } else if (k == "failed" || k == "retry_scheduled") {
            ++q.failed;
            EventActivity::TypeActivity& t = m_types.at(type);
            ++t.failed;
            if (k == "failed") {
                q.runTimesMs.append(durationMs);
                t.runTimesMs.append(durationMs);
            }
        }
    }

    // Per queue, only the figures that have events (as EventActivity's readers expect).
    void addTo(EventActivity& activity) const
    {
        for (const auto& [name, tally] : m_queues.all()) {
            const QString queue = QString::fromUtf8(name.data(), qsizetype(name.size()));
            if (tally.enqueued > 0)
                activity.enqueued[queue] += tally.enqueued;
            if (tally.completed > 0)
                activity.completed[queue] += tally.completed;
            if (tally.failed > 0)
                activity.failed[queue] += tally.failed;
            if (!tally.waitTimesMs.isEmpty())
                activity.waitTimesMs[queue] += tally.waitTimesMs;
            if (!tally.runTimesMs.isEmpty())
                activity.runTimesMs[queue] += tally.runTimesMs;
        }
        for (const auto& [name, tally] : m_types.all()) {
            EventActivity::TypeActivity& t = activity.types[QString::fromUtf8(name.data(), qsizetype(name.size()))];
            t.completed += tally.completed;
            t.failed += tally.failed;
            t.runTimesMs += tally.runTimesMs;
        }
    }

private:
    struct QueueTally {
        qint64 enqueued = 0, completed = 0, failed = 0;
        QList<qint64> waitTimesMs, runTimesMs;
    };
    // Tallies by name, remembering the last one looked up.
    template <typename T> class ByName {
    public:
        T& at(QUtf8StringView name)
        {
            if (!m_current || std::string_view(name.data(), std::size_t(name.size())) != m_currentName) {
                m_currentName.assign(name.data(), std::size_t(name.size()));
                m_current = &m_map[m_currentName];
            }
            return *m_current;
        }
        const std::map<std::string, T>& all() const { return m_map; }

    private:
        std::map<std::string, T> m_map; // node-based: m_current stays valid as names are added
        std::string m_currentName;
        T* m_current = nullptr;
    };
    ByName<QueueTally> m_queues;
    ByName<EventActivity::TypeActivity> m_types;
};

} // namespace

// Stops at a hole in the ids that may still fill (EventIdWalk).
Result<EventActivity> TaskStore::eventActivitySince(qint64 afterEventId)
{
    const bool holesPossible = m_dialect.server;
    EventIdWalk walk(afterEventId, holesPossible, holesPossible ? QDateTime::currentMSecsSinceEpoch() : 0);
    EventActivity activity;
    StoreStatement q = statement(m_dialect.eventActivity);
    q.bind(1, afterEventId);
    ActivityTally tally;
    QByteArray queueBuffer, kindBuffer, typeBuffer;
    bool atHole = false;
    while (q.next()) {
        atHole = !walk.take(q.integer(0), holesPossible ? q.integer(5) : 0);
        if (atHole)
            break;
        tally.add(q.utf8View(1, queueBuffer), q.utf8View(2, kindBuffer), q.integer(3), q.utf8View(4, typeBuffer));
    }
    if (atHole)
        q.stop();
    else if (!q.finish())
        return q.error(QStringLiteral("Cannot read recent activity"));
    activity.lastEventId = walk.last();
    tally.addTo(activity);
    // SQLite reads only the kinds it counts, and its ids commit in order: events of other kinds may be newer.
    if (!holesPossible) {
        if (auto last = lastEventId(); last && *last > activity.lastEventId)
            activity.lastEventId = *last;
    }
    return activity;
}

Result<qint64> TaskStore::metricsCursor()
{
    QSqlQuery& q
        = prepared(m_dialect.server ? QStringLiteral("SELECT last_event_id FROM metrics_cursor WHERE id = 1 FOR UPDATE")
                                    : QStringLiteral("SELECT last_event_id FROM metrics_cursor WHERE id = 1"));
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the metrics cursor"));
    const qint64 cursor = q.next() ? q.value(0).toLongLong() : 0;
    q.finish();
    return cursor;
}

Status TaskStore::setMetricsCursor(qint64 lastEventId)
{
    QSqlQuery& q = prepared(QStringLiteral("UPDATE metrics_cursor SET last_event_id = ? WHERE id = 1"));
    q.bindValue(0, lastEventId);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot move the metrics cursor"));
    return success();
}

Status TaskStore::insertSamples(const QList<QueueSample>& samples)
{
    return atomically([&]() -> Status {
        // Counts are those at the sample; rates add up, as two samples of one second count disjoint events.
        QSqlQuery& q = prepared(QStringLiteral(
            "INSERT INTO metrics VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (resolution, queue, ts) DO UPDATE"
            " SET queued = excluded.queued, scheduled = excluded.scheduled, running = excluded.running,"
            " succeeded = excluded.succeeded, failed = excluded.failed, cancelled = excluded.cancelled,"
            " enqueued_n = metrics.enqueued_n + excluded.enqueued_n,"
            " completed_n = metrics.completed_n + excluded.completed_n,"
            " failed_n = metrics.failed_n + excluded.failed_n,"
            " wait_p50_ms = excluded.wait_p50_ms, wait_p95_ms = excluded.wait_p95_ms"));
        for (const QueueSample& s : samples) {
            q.bindValue(0, s.resolutionSeconds);
            q.bindValue(1, s.queue);
            q.bindValue(2, s.at);
            for (int i = 0; i < taskStateCount; ++i)
                q.bindValue(3 + i, s.counts[std::size_t(i)]);
            q.bindValue(9, s.enqueued);
            q.bindValue(10, s.completed);
            q.bindValue(11, s.failed);
            q.bindValue(12, s.waitP50Ms);
            q.bindValue(13, s.waitP95Ms);
            if (!q.exec())
                return sqlError(q.lastError(), QStringLiteral("Cannot store metrics"));
        }
        return success();
    });
}

Status TaskStore::downsampleAndPrune(qint64 minuteStart, qint64 now, qint64 minuteRetentionMs)
{
    return atomically([&]() -> Status {
        // The counts are those at the end of the minute (the row of max(ts)); the rates are summed. Written so that
        // SQLite and PostgreSQL both run it ("WHERE true" lets SQLite parse the upsert after a join).
        QSqlQuery& fold = prepared(
            QStringLiteral(
                "INSERT INTO metrics SELECT 60, m.queue, CAST(? AS BIGINT), m.queued, m.scheduled, m.running, "
                "m.succeeded,"
                " m.failed, m.cancelled, a.e, a.c, a.f, a.p50, a.p95 FROM (SELECT queue, max(ts) AS last_ts,"
                " sum(enqueued_n) AS e, sum(completed_n) AS c, sum(failed_n) AS f, avg(wait_p50_ms) AS p50,"
                " avg(wait_p95_ms) AS p95 FROM metrics WHERE resolution = 1 AND ts >= ? AND ts < ? GROUP BY queue) a"
                " JOIN metrics m ON m.resolution = 1 AND m.queue = a.queue AND m.ts = a.last_ts WHERE true"
                " ON CONFLICT (resolution, queue, ts) DO UPDATE SET ")
            + sampleUpdate);
        fold.bindValue(0, minuteStart);
        fold.bindValue(1, minuteStart);
        fold.bindValue(2, minuteStart + 60'000);
        if (!fold.exec())
            return sqlError(fold.lastError(), QStringLiteral("Cannot downsample metrics"));
        QSqlQuery& prune = prepared(
            QStringLiteral("DELETE FROM metrics WHERE (resolution = 1 AND ts < ?) OR (resolution = 60 AND ts < ?)"));
        prune.bindValue(0, now - 3600'000);
        prune.bindValue(1, minuteRetentionMs > 0 ? now - minuteRetentionMs : std::numeric_limits<qint64>::min());
        if (!prune.exec())
            return sqlError(prune.lastError(), QStringLiteral("Cannot prune metrics"));
        return success();
    });
}

Result<QList<QueueSample>> TaskStore::samples(const QString& queue, int resolutionSeconds, qint64 from, qint64 to)
{
    QSqlQuery& q = prepared(QStringLiteral(
        "SELECT queue, ts, queued, scheduled, running, succeeded, failed, cancelled, enqueued_n, completed_n, failed_n,"
        " wait_p50_ms, wait_p95_ms FROM metrics WHERE resolution = ? AND (? = '' OR queue = ?) AND ts >= ? AND ts < ?"
        " ORDER BY ts, queue"));
    q.bindValue(0, resolutionSeconds);
    q.bindValue(1, queue);
    q.bindValue(2, queue);
    q.bindValue(3, from);
    q.bindValue(4, to > 0 ? to : std::numeric_limits<qint64>::max());
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read metrics"));
    QList<QueueSample> result;
    while (q.next()) {
        QueueSample s;
        s.queue = q.value(0).toString();
        s.at = q.value(1).toLongLong();
        s.resolutionSeconds = resolutionSeconds;
        for (int i = 0; i < taskStateCount; ++i)
            s.counts[std::size_t(i)] = q.value(2 + i).toLongLong();
        s.enqueued = q.value(8).toLongLong();
        s.completed = q.value(9).toLongLong();
        s.failed = q.value(10).toLongLong();
        s.waitP50Ms = q.value(11).toDouble();
        s.waitP95Ms = q.value(12).toDouble();
        result.append(s);
    }
    q.finish();
    return result;
}

} // namespace qd
