#pragma once

#include <QMetaType>

namespace qd::ui {

// The dashboard strip's figures, read together on the reader thread (StoreReader::fetchDashboard) from the task
// events: attempts that ended (succeeded or failed) and failed today and in the last hour, the rate of ended attempts
// over the last minute and over the same minute an hour ago, and when the oldest queued task became due. Pure value.
struct DashboardFigures {
    qint64 processedToday = 0;
    qint64 failedToday = 0;
    qint64 processedLastHour = 0;
    qint64 failedLastHour = 0;
    double perSecondNow = 0;
    double perSecondHourAgo = 0;
    qint64 oldestWaitingSince = 0; // run_at of the oldest queued task; 0: none waits
};

} // namespace qd::ui

Q_DECLARE_METATYPE(qd::ui::DashboardFigures)
