#pragma once

#include <QString>

namespace qd::bench {

// B27: the dashboard strip's read at 1,000,000 tasks with their history.

// Adds to a copy of the big database (bigdatabase.cpp) the history its tasks would have: an "enqueued" event per
// task, "started" and an ended event per task that ran, moved in time so that the newest is now (the busiest month
// ends today). Returns the events inserted.
qint64 addTaskHistory(const QString& path);

struct DashboardTimes {
    double refreshMs = 0; // a DashboardReader's read after its first (what the strip does every 5 s)
    double firstReadMs = 0; // a new DashboardReader's first read (the whole day's events)
    double oldReadMs = 0; // the statements the strip ran before DashboardReader: four serviceStats and a GROUP BY
    double keptCountsMs = 0; // TaskStore::countByQueueAndState (the kept counts): the baseline
    qint64 processedToday = 0;
};

// One repetition on `path`, opened read-only as the window's reader opens it; "today" is the last 24 hours. Each
// time is the median of `reads` reads.
DashboardTimes measureDashboard(const QString& path, int reads);

} // namespace qd::bench
