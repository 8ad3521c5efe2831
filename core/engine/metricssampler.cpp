#include "metricssampler.h"

#include "enginelog.h"
#include "livecounts.h"

#include "core/percentiles.h"
#include "core/taskstore.h"

#include <QSet>

namespace qd {

namespace {

// A queue's rates and wait-time percentiles from what the events say.
void fillActivity(QueueSample& row, const EventActivity& activity)
{
    row.enqueued = activity.enqueued.value(row.queue);
    row.completed = activity.completed.value(row.queue);
    row.failed = activity.failed.value(row.queue);
    QList<qint64> waits = activity.waitTimesMs.value(row.queue);
    row.waitP50Ms = percentile(waits, 50);
    row.waitP95Ms = percentile(waits, 95);
    QList<qint64> runs = activity.runTimesMs.value(row.queue);
    row.runP50Ms = percentile(runs, 50);
    row.runP95Ms = percentile(runs, 95);
    row.runP99Ms = percentile(runs, 99);
}

// Per task type: what ended in the interval and how long it ran.
QList<TypeSample> typeSamples(const EventActivity& activity, qint64 at)
{
    QList<TypeSample> types;
    for (auto it = activity.types.cbegin(); it != activity.types.cend(); ++it) {
        TypeSample t;
        t.type = it.key();
        t.at = at;
        t.completed = it->completed;
        t.failed = it->failed;
        QList<qint64> runs = it->runTimesMs;
        t.runP50Ms = percentile(runs, 50);
        t.runP95Ms = percentile(runs, 95);
        t.runP99Ms = percentile(runs, 99);
        types.append(t);
    }
    return types;
}

} // namespace

MetricsSampler::MetricsSampler(QueueEngine& engine, const EngineOptions& options)
    : m_engine(engine)
    , m_options(options)
{ }

StatsSample MetricsSampler::lastSample() const
{
    std::lock_guard lock(m_mutex);
    return m_lastSample;
}

void MetricsSampler::start(TaskStore& store, qint64 now)
{
    if (auto last = store.lastEventId())
        m_lastEventId = *last;
    m_nextSample = m_options.sampleIntervalMs > 0 ? now + m_options.sampleIntervalMs : 0;
    m_lastSampleMinute = now / 60'000;
}

void MetricsSampler::sampleIfDue(TaskStore& store, const LiveCounts& counts, qint64 now)
{
    if (m_nextSample > 0 && now >= m_nextSample) {
        m_nextSample = now + m_options.sampleIntervalMs;
        sample(store, counts, now);
    }
}

void MetricsSampler::sample(TaskStore& store, const LiveCounts& liveCounts, qint64 now)
{
    const qint64 from = m_lastEventId;
    auto activity = store.eventActivitySince(from);
    if (!activity) {
        qCWarning(lcEngine) << activity.errorString();
        return;
    }
    m_lastEventId = activity->lastEventId;
    StatsSample sample;
    sample.at = now - now % 1000;
    const QHash<QString, StateCounts> counts = liveCounts.counts();
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        QueueSample q;
        q.queue = it.key();
        q.at = sample.at;
        q.counts = it.value();
        fillActivity(q, *activity);
        sample.queues.append(q);
    }
    sample.types = typeSamples(*activity, sample.at);
    {
        std::lock_guard lock(m_mutex);
        m_lastSample = sample;
    }
    if (m_options.persistMetrics && !store.isReadOnly()) {
        if (Status s = persist(store, sample, *activity, from); !s)
            qCWarning(lcEngine) << s.errorString();
        const qint64 minute = now / 60'000;
        if (minute != m_lastSampleMinute) {
            if (Status s = store.downsampleAndPrune(m_lastSampleMinute * 60'000, now, m_minuteRetentionMs); !s)
                qCWarning(lcEngine) << s.errorString();
            m_lastSampleMinute = minute;
        }
        store.takeTransitions();
    }
    Q_EMIT m_engine.statsSampled(sample);
}

Status MetricsSampler::persist(
    TaskStore& store, const StatsSample& live, const EventActivity& liveActivity, qint64 liveFrom)
{
    return store.atomically([&]() -> Status {
        const Result<qint64> cursor = store.metricsCursor();
        if (!cursor)
            return cursor.error();
        // Usually this process moved the cursor last and has just read the same events. Otherwise (another process
        // samples too, or tasks were written while none did) what was written since the cursor is read here.
        Result<EventActivity> sinceCursor = liveActivity;
        if (*cursor != liveFrom)
            sinceCursor = store.eventActivitySince(*cursor);
        if (!sinceCursor)
            return sinceCursor.error();
        const EventActivity& activity = *sinceCursor;
        QList<QueueSample> rows = live.queues;
        QSet<QString> active;
        for (const auto* rates : {&activity.enqueued, &activity.completed, &activity.failed})
            for (auto it = rates->cbegin(); it != rates->cend(); ++it)
                active.insert(it.key());
        for (QueueSample& row : rows)
            active.remove(row.queue);
        for (const QString& queue : std::as_const(active)) { // a queue gone from the counts (purged) still had events
            QueueSample row;
            row.queue = queue;
            row.at = live.at;
            rows.append(row);
        }
        for (QueueSample& row : rows)
            fillActivity(row, activity);
        if (Status s = store.insertSamples(rows); !s)
            return s;
        return store.setMetricsCursor(std::max(*cursor, activity.lastEventId));
    });
}

} // namespace qd
