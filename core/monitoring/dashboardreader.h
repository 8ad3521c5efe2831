#pragma once

#include "core/result.h"

#include <QMetaType>

namespace qd {

class TaskStore;

// The dashboard's figures (the window's strip): attempts that ended (succeeded or failed) and failed today and in the
// last hour, the rate of ended attempts over the last minute and over the same minute an hour ago, and when the
// oldest queued task became due. Pure value.
struct DashboardFigures {
    qint64 processedToday = 0;
    qint64 failedToday = 0;
    qint64 processedLastHour = 0;
    qint64 failedLastHour = 0;
    double perSecondNow = 0;
    double perSecondHourAgo = 0;
    qint64 oldestWaitingSince = 0; // run_at of the oldest queued task; 0: none waits
};

// Reads the dashboard's figures, again and again, at a cost that does not grow with the day: today's attempts up to
// a few minutes ago are read once and kept, so a later read reads only the events of the last hour or so
// (TaskStore::endedAttempts) and the oldest queued task by index seeks. Today's figure keeps counting attempts whose
// tasks were purged after they were read, as a counter would; a new day (or a new reader) reads the day again.
//
// Thread contract: not thread-safe; use it on the thread of the store it reads, one store per reader.
class DashboardReader {
public:
    // Events whose time is older than this are taken as complete: a transaction on a server may commit an event
    // stamped a little earlier (a writer's cycle, a retry), never minutes earlier.
    static constexpr qint64 settleMs = 120'000;

    Result<DashboardFigures> read(TaskStore& store, qint64 nowMs, qint64 dayStartMs);

private:
    qint64 m_dayStart = -1;
    qint64 m_settledTo = 0; // today's attempts before this time are in m_settledEnded/m_settledFailed
    qint64 m_settledEnded = 0;
    qint64 m_settledFailed = 0;
};

} // namespace qd

Q_DECLARE_METATYPE(qd::DashboardFigures)
