#pragma once

#include "core/monitoring/capacityestimator.h"
#include "core/monitoring/eventslices.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <array>
#include <vector>

namespace qd {
class QueueEngine;
}

namespace qd::ui {

class ReaderThread;

// Keeps the capacity estimates of every queue and of all queues ("") for the 1, 5 and 15 min windows. Every few
// seconds a reader thread of its own (so a long window's read never delays the inspector's) reads how the queues were
// served since the last read, up to a second ago so late commits are in (EventSlices, StoreReader::fetchServiceStats);
// the replies feed CapacityEstimators here, with the waiting counts from the engine's memory. The first refresh reads
// each window whole, so the estimates start as the window's plain averages (what `stats --capacity` prints). c comes
// from the heartbeat rows, read with each refresh: the workers of the live processes serving the queue (the estimators'
// own count, the workers seen starting tasks, only while no process announces itself).
//
// Thread contract: GUI thread only.
class CapacityTracker : public QObject {
    Q_OBJECT
public:
    static constexpr std::array<int, 3> windowSeconds {60, 300, 900};
    static constexpr int defaultIntervalMs = 3000;

    explicit CapacityTracker(QueueEngine* engine, QObject* parent = nullptr);

    void start(int intervalMs = defaultIntervalMs);
    void refresh(); // reads the events since the last read (the first time, each window whole)

    // The queues estimated so far, sorted; "" (all queues) not included.
    QStringList queues() const;
    // The estimator of a queue ("" for all) and window; nullptr before anything was measured for it.
    const CapacityEstimator* estimator(const QString& queue, int windowSeconds) const;
    // The estimator's inputs with c from the heartbeat rows (see liveWorkersServing()).
    CapacityInputs inputs(const CapacityEstimator& estimator, const QString& queue) const;

    // Feeds one slice: what the reader read for [fromMs, toMs), each queue's waiting tasks at toMs. `windowIndex`
    // -1 feeds every window; 0-2 primes only that one. Public for tests, which feed known rates.
    void observe(const QHash<QString, ServiceStats>& stats, const QHash<QString, qint64>& queued, qint64 fromMs,
        qint64 toMs, int windowIndex = -1);

Q_SIGNALS:
    void updated();

private:
    struct Estimators {
        std::vector<CapacityEstimator> byWindow;
    };
    Estimators& estimatorsFor(const QString& queue);
    QHash<QString, qint64> queuedNow() const;

    QueueEngine* m_engine;
    ReaderThread* m_reader;
    QHash<QString, Estimators> m_estimators;
    QHash<quint64, int> m_requests; // request id -> window index primed, or -1 for a slice
    quint64 m_lastRequest = 0;
    EventSlices m_slices; // the spans read, each ending a settling moment before now
    QList<ProcessRecord> m_processes; // the heartbeat rows at the last read
    quint64 m_processesRequest = 0;
    QTimer m_timer;
};

} // namespace qd::ui
