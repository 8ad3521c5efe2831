#include "dashboardreader.h"

#include "core/taskstore.h"

#include <algorithm>

namespace qd {

Result<DashboardFigures> DashboardReader::read(TaskStore& store, qint64 nowMs, qint64 dayStartMs)
{
    constexpr qint64 minuteMs = 60'000;
    constexpr qint64 hourMs = 3'600'000;
    const qint64 settledTo = m_dayStart == dayStartMs ? m_settledTo : dayStartMs;
    const qint64 settleTo = std::max(settledTo, nowMs - settleMs);
    const qint64 end = nowMs + 1;
    auto counts = store.endedAttempts({
        {settledTo, settleTo}, // newly settled: kept from now on
        {settleTo, end}, // today's unsettled rest
        {nowMs - hourMs, end},
        {nowMs - minuteMs, end},
        {nowMs - hourMs - minuteMs, nowMs - hourMs},
    });
    if (!counts)
        return counts.error();
    auto oldest = store.oldestQueuedRunAt();
    if (!oldest)
        return oldest.error();
    if (m_dayStart != dayStartMs) {
        m_dayStart = dayStartMs;
        m_settledEnded = m_settledFailed = 0;
    }
    m_settledTo = settleTo;
    m_settledEnded += counts->at(0).ended;
    m_settledFailed += counts->at(0).failed;

    DashboardFigures figures;
    figures.processedToday = m_settledEnded + counts->at(1).ended;
    figures.failedToday = m_settledFailed + counts->at(1).failed;
    figures.processedLastHour = counts->at(2).ended;
    figures.failedLastHour = counts->at(2).failed;
    figures.perSecondNow = double(counts->at(3).ended) / (minuteMs / 1000);
    figures.perSecondHourAgo = double(counts->at(4).ended) / (minuteMs / 1000);
    figures.oldestWaitingSince = oldest->value(QString());
    return figures;
}

} // namespace qd
