#pragma once

#include "core/task.h"

#include <QList>

#include <array>
#include <vector>

namespace qd::ui {

// One instant of the charts: queue samples of one time folded together (all queues, or the one selected).
struct ChartPoint {
    qint64 at = 0;
    std::array<double, taskStateCount> counts {};
    double enqueuedPerSecond = 0;
    double completedPerSecond = 0;
    double failedPerSecond = 0;
    // Across queues the slowest queue's percentile is shown: a busy admin looks for the queue that lags.
    double waitP50Ms = 0;
    double waitP95Ms = 0;
};

// Folds queue samples into chart points, one per distinct time, in time order. An empty `queue` takes every queue.
QList<ChartPoint> foldSamples(const QList<QueueSample>& samples, const QString& queue);

// A fixed-capacity ring of chart points: appending never allocates once full, and old points fall off.
// Thread contract: not thread-safe; GUI thread in practice.
class ChartRing {
public:
    explicit ChartRing(int capacity);
    void append(const ChartPoint& point);
    void clear();
    int size() const { return m_size; }
    int capacity() const { return int(m_points.size()); }
    // i = 0 is the oldest point kept.
    const ChartPoint& at(int i) const;

private:
    std::vector<ChartPoint> m_points;
    int m_head = 0; // index of the oldest point
    int m_size = 0;
};

} // namespace qd::ui
