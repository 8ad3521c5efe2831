#pragma once

#include "capacityforecast.h"
#include "core/taskstore.h"
#include "ewmarate.h"

#include <deque>
#include <optional>
#include <utility>

namespace qd {

// A queue's capacity inputs (λ, μ, c and the measured wait and length) estimated from slices of its task events,
// exponentially weighted over a window (1, 5 or 15 min): the one place the capacity panel, `stats --capacity` and
// the forecast benchmark turn measurements into forecastCapacity()'s inputs. The first slice primes the estimate
// (one slice over the whole window is the window's plain average). μ is the ratio of two weighted rates (run time
// per second over runs per second), so a slice with many runs weighs more than one with few. c is the most workers
// seen starting the queue's tasks in one slice within the window. Pure value, any thread (not shared).
class CapacityEstimator {
public:
    explicit CapacityEstimator(double windowSeconds);

    // The queue's events over the `seconds` that ended at `atMs`, and the tasks waiting then.
    void observe(const ServiceStats& slice, double seconds, qint64 queued, qint64 atMs);

    bool primed() const { return m_arrivals.primed(); }
    double windowSeconds() const { return m_windowSeconds; }
    // λ, μ, c and L(0) (the tasks waiting at the last slice).
    CapacityInputs inputs() const;
    // The mean wait from enqueue (or becoming due) to start of the attempts started; nothing before any start.
    std::optional<double> measuredWaitSeconds() const;
    // The time-weighted mean of the queue lengths observed (what M/M/c's Lq predicts).
    double measuredQueued() const { return m_queuedMean.perSecond(); }

private:
    double m_windowSeconds;
    EwmaRate m_arrivals, m_runs, m_runMs, m_starts, m_waitMs, m_queuedMean;
    std::deque<std::pair<qint64, int>> m_workersSeen; // (slice end, workers) within the window
    qint64 m_queued = 0;
};

// One slice over the whole window: the plain averages `stats --capacity` prints. c is liveWorkers, the workers of
// the live processes serving the queue by their heartbeat rows (liveWorkersServing()); without any row (no engine
// announces itself) it is the workers seen starting tasks in the window.
CapacityInputs windowCapacityInputs(
    const ServiceStats& window, double windowSeconds, qint64 queued, std::optional<int> liveWorkers);

} // namespace qd
