#pragma once

#include "core/queueengine.h"

#include <mutex>

namespace qd {

class LiveCounts;
class TaskStore;
struct EventActivity;

// The live metrics: every sampleIntervalMs, the live counts and what the events say happened since the last sample
// (enqueued, completed, failed, wait times), published as lastSample() and QueueEngine::statsSampled, and added to
// the metrics history in the database through its shared cursor (TaskStore::metricsCursor()).
// Thread contract: lastSample() from any thread; everything else on the writer thread.
class MetricsSampler {
public:
    MetricsSampler(QueueEngine& engine, const EngineOptions& options);

    StatsSample lastSample() const;

    // After the database is open: the events from now on are counted.
    void start(TaskStore& store, qint64 now);
    bool isEnabled() const { return m_nextSample > 0; }
    qint64 nextSampleAt() const { return m_nextSample; } // 0: sampling is off
    // Takes a sample if one is due; sample() takes one now.
    void sampleIfDue(TaskStore& store, const LiveCounts& counts, qint64 now);
    void sample(TaskStore& store, const LiveCounts& counts, qint64 now);
    // How long per-minute history is kept (the database's retention.metricsDays; 0: forever).
    void setMinuteRetentionDays(int days) { m_minuteRetentionMs = qint64(days) * 24 * 3600'000; }

private:
    // Adds to the history what happened since its shared cursor, in one transaction.
    Status persist(TaskStore& store, const StatsSample& live, const EventActivity& liveActivity, qint64 liveFrom);

    QueueEngine& m_engine;
    const EngineOptions& m_options;
    mutable std::mutex m_mutex;
    StatsSample m_lastSample; // under m_mutex
    // Writer thread only.
    qint64 m_lastEventId = 0;
    qint64 m_nextSample = 0;
    qint64 m_lastSampleMinute = 0;
    qint64 m_minuteRetentionMs = 30LL * 24 * 3600'000;
};

} // namespace qd
