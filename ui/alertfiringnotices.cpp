#include "alertfiringnotices.h"

namespace qd::ui {

AlertFiringNotices::AlertFiringNotices(qint64 startedAt)
    : m_startedAt(startedAt)
{ }

QList<AlertHistoryRecord> AlertFiringNotices::take(const QList<AlertHistoryRecord>& history)
{
    QList<AlertHistoryRecord> fresh;
    QSet<qint64> kept;
    for (auto it = history.crbegin(); it != history.crend(); ++it) {
        if (it->kind != QLatin1String("fired"))
            continue;
        kept.insert(it->id);
        if (it->at >= m_startedAt && !m_notified.contains(it->id))
            fresh.append(*it);
    }
    // A row that left the history read (the newest rows only) never comes back: its id need not be kept.
    m_notified = std::move(kept);
    return fresh;
}

} // namespace qd::ui
