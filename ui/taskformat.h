#pragma once

#include "core/taskstate.h"

#include <QColor>
#include <QString>

namespace qd::ui {

// How tasks look everywhere in the window, so the table, the inspector and the queue list agree.
QString formatDuration(qint64 ms); // "350 ms", "4.2 s", "3m 12s", "2h 05m", "3d 4h"; "" for negative
QString formatTimestamp(qint64 msSinceEpoch); // local time "yyyy-MM-dd HH:mm:ss"; "" for 0
QString formatCount(qint64 n); // with the locale's group separators
QColor stateColor(TaskState state);

} // namespace qd::ui
