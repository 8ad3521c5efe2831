#pragma once

#include "core/alertrecords.h"

#include <QList>
#include <QSet>

namespace qd::ui {

// Which firings of the alert history a window has yet to tell the desktop about, whichever process recorded them:
// each "fired" row once, none recorded before the window started, so a refresh or another process's evaluation
// never repeats one and opening a window does not replay old ones.
//
// Thread contract: a value of the GUI thread.
class AlertFiringNotices {
public:
    explicit AlertFiringNotices(qint64 startedAt);

    // The firings of `history` (newest first, as read) not returned before, oldest first.
    QList<AlertHistoryRecord> take(const QList<AlertHistoryRecord>& history);

private:
    qint64 m_startedAt;
    QSet<qint64> m_notified; // history ids, only of rows still in the last history read
};

} // namespace qd::ui
