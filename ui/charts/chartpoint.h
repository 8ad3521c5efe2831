#pragma once

#include "core/task.h"

#include <QList>
#include <QMap>
#include <QString>

#include <array>
#include <vector>

namespace qd::ui {

// What the charts show: every queue, one queue or one task type. The default is every queue, so a busy queue is
// never hidden behind an idle one.
struct ChartScope {
    enum class Kind { AllQueues, Queue, TaskType };
    Kind kind = Kind::AllQueues;
    QString name; // the queue or the type; empty for all queues

    static ChartScope allQueues() { return {}; }
    static ChartScope queue(const QString& name) { return {Kind::Queue, name}; }
    static ChartScope taskType(const QString& name) { return {Kind::TaskType, name}; }
    // For chart titles: "all queues", "queue emails", "type image".
    QString describe() const;
    bool operator==(const ChartScope&) const = default;
};

// One instant of the charts: samples of one time folded together for a scope.
struct ChartPoint {
    qint64 at = 0;
    std::array<double, taskStateCount> counts {};
    double enqueuedPerSecond = 0;
    double completedPerSecond = 0;
    double failedPerSecond = 0;
    // Across queues the slowest queue's percentile is shown: a busy admin looks for the queue that lags.
    double waitP50Ms = 0;
    double waitP95Ms = 0;
    double runP50Ms = 0;
    double runP95Ms = 0;
    double runP99Ms = 0;
};

// Folds queue samples into chart points, one per distinct time, in time order. An empty `queue` takes every queue.
QList<ChartPoint> foldSamples(const QList<QueueSample>& samples, const QString& queue);
// The points of a live sample for a scope: the queues' figures, or those of one task type (which has rates and run
// times but no counts by state or waits, as those are kept per queue). A type with nothing ended is a point of 0.
QList<ChartPoint> foldSample(const StatsSample& sample, const ChartScope& scope);

// One point per time and queue (the per-queue lines): queue -> its points in time order.
QMap<QString, QList<ChartPoint>> splitByQueue(const QList<QueueSample>& samples);

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
