#include "chartpoint.h"

#include <QMap>

#include <algorithm>

namespace qd::ui {

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
    }
    return byTime.values();
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
