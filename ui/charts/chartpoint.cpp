#include "chartpoint.h"

#include <QCoreApplication>
#include <QMap>

#include <algorithm>

namespace qd::ui {

namespace {

ChartPoint pointOf(const QueueSample& s)
{
    ChartPoint p;
    p.at = s.at;
    const double seconds = std::max(1, s.resolutionSeconds);
    for (size_t i = 0; i < p.counts.size(); ++i)
        p.counts[i] = double(s.counts[i]);
    p.enqueuedPerSecond = double(s.enqueued) / seconds;
    p.completedPerSecond = double(s.completed) / seconds;
    p.failedPerSecond = double(s.failed) / seconds;
    p.waitP50Ms = s.waitP50Ms;
    p.waitP95Ms = s.waitP95Ms;
    p.runP50Ms = s.runP50Ms;
    p.runP95Ms = s.runP95Ms;
    p.runP99Ms = s.runP99Ms;
    return p;
}

} // namespace

QString ChartScope::describe() const
{
    switch (kind) {
    case Kind::Queue:
        return QCoreApplication::translate("ChartScope", "queue %1").arg(name);
    case Kind::TaskType:
        return QCoreApplication::translate("ChartScope", "type %1").arg(name);
    case Kind::AllQueues:
        break;
    }
    return QCoreApplication::translate("ChartScope", "all queues");
}

QList<ChartPoint> foldSamples(const QList<QueueSample>& samples, const QString& queue)
{
    QMap<qint64, ChartPoint> byTime;
    for (const QueueSample& s : samples) {
        if (!queue.isEmpty() && s.queue != queue)
            continue;
        ChartPoint& p = byTime[s.at];
        p.at = s.at;
        const double seconds = std::max(1, s.resolutionSeconds);
        for (size_t i = 0; i < p.counts.size(); ++i)
            p.counts[i] += double(s.counts[i]);
        p.enqueuedPerSecond += double(s.enqueued) / seconds;
        p.completedPerSecond += double(s.completed) / seconds;
        p.failedPerSecond += double(s.failed) / seconds;
        p.waitP50Ms = std::max(p.waitP50Ms, s.waitP50Ms);
        p.waitP95Ms = std::max(p.waitP95Ms, s.waitP95Ms);
        p.runP50Ms = std::max(p.runP50Ms, s.runP50Ms);
        p.runP95Ms = std::max(p.runP95Ms, s.runP95Ms);
        p.runP99Ms = std::max(p.runP99Ms, s.runP99Ms);
    }
    return byTime.values();
}

QList<ChartPoint> foldSample(const StatsSample& sample, const ChartScope& scope)
{
    if (scope.kind != ChartScope::Kind::TaskType)
        return foldSamples(sample.queues, scope.name);
    for (const TypeSample& t : sample.types) {
        if (t.type != scope.name)
            continue;
        ChartPoint p;
        p.at = t.at;
        p.completedPerSecond = double(t.completed);
        p.failedPerSecond = double(t.failed);
        p.runP50Ms = t.runP50Ms;
        p.runP95Ms = t.runP95Ms;
        p.runP99Ms = t.runP99Ms;
        return {p};
    }
    // Nothing of this type ended in that interval: a rate of 0, not a gap.
    ChartPoint idle;
    idle.at = sample.at;
    return {idle};
}

QMap<QString, QList<ChartPoint>> splitByQueue(const QList<QueueSample>& samples)
{
    QMap<QString, QList<ChartPoint>> byQueue;
    for (const QueueSample& s : samples)
        byQueue[s.queue].append(pointOf(s));
    return byQueue;
}

ChartRing::ChartRing(int capacity)
    : m_points(size_t(std::max(1, capacity)))
{ }

void ChartRing::append(const ChartPoint& point)
{
    const int cap = capacity();
    if (m_size < cap) {
        m_points[size_t((m_head + m_size) % cap)] = point;
        ++m_size;
    } else {
        m_points[size_t(m_head)] = point;
        m_head = (m_head + 1) % cap;
    }
}

void ChartRing::clear()
{
    m_head = 0;
    m_size = 0;
}

const ChartPoint& ChartRing::at(int i) const
{
    return m_points[size_t((m_head + i) % capacity())];
}

} // namespace qd::ui
