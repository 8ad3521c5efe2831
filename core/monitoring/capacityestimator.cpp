#include "capacityestimator.h"

#include <algorithm>

namespace qd {

CapacityEstimator::CapacityEstimator(double windowSeconds)
    : m_windowSeconds(windowSeconds)
    , m_arrivals(windowSeconds)
    , m_runs(windowSeconds)
    , m_runMs(windowSeconds)
    , m_starts(windowSeconds)
    , m_waitMs(windowSeconds)
    , m_queuedMean(windowSeconds)
{ }

void CapacityEstimator::observe(const ServiceStats& slice, double seconds, qint64 queued, qint64 atMs)
{
    if (seconds <= 0)
        return;
    m_arrivals.observe(double(slice.enqueued), seconds);
    m_runs.observe(double(slice.runs), seconds);
    m_runMs.observe(double(slice.runs) * slice.meanRunMs, seconds);
    m_starts.observe(double(slice.starts), seconds);
    m_waitMs.observe(double(slice.starts) * slice.meanWaitMs, seconds);
    m_queuedMean.observe(double(queued) * seconds, seconds);
    m_queued = queued;
    // Workers are counted, not rated: keep each slice's count while it lies within the window.
    m_workersSeen.emplace_back(atMs, slice.workers);
    const qint64 oldest = atMs - qint64(m_windowSeconds * 1000);
    while (m_workersSeen.size() > 1 && m_workersSeen.front().first < oldest)
        m_workersSeen.pop_front();
}

CapacityInputs CapacityEstimator::inputs() const
{
    CapacityInputs in;
    in.queued = double(m_queued);
    in.arrivalsPerSecond = m_arrivals.perSecond();
    const double runs = m_runs.perSecond();
    const double runMs = m_runMs.perSecond();
    in.servicePerWorkerPerSecond = runs > 0 && runMs > 0 ? 1000.0 * runs / runMs : 0;
    for (const auto& seen : m_workersSeen)
        in.workers = std::max(in.workers, seen.second);
    return in;
}

std::optional<double> CapacityEstimator::measuredWaitSeconds() const
{
    const double starts = m_starts.perSecond();
    if (starts <= 0)
        return std::nullopt;
    return m_waitMs.perSecond() / starts / 1000.0;
}

CapacityInputs windowCapacityInputs(
    const ServiceStats& window, double windowSeconds, qint64 queued, std::optional<int> liveWorkers)
{
    CapacityEstimator estimator(windowSeconds);
    estimator.observe(window, windowSeconds, queued, 0);
    CapacityInputs in = estimator.inputs();
    if (liveWorkers)
        in.workers = *liveWorkers;
    return in;
}

} // namespace qd
