#pragma once

#include "core/monitoring/dashboardreader.h"

#include <QTimer>
#include <QWidget>

class QLabel;

namespace qd {
class QueueEngine;
}

namespace qd::ui {

class ReaderThread;

// A strip of the figures an admin looks at first, as Sidekiq's dashboard shows them: processed and failed today and
// in the last hour, the backlog now and how long its oldest task has waited, and the throughput now against an hour
// ago. The backlog comes from the engine's memory (once a second); the rest is read on the reader thread every
// refreshMs (one request in flight at most).
//
// Thread contract: GUI thread only.
class DashboardStrip : public QWidget {
    Q_OBJECT
public:
    DashboardStrip(QueueEngine* engine, ReaderThread* reader, QWidget* parent = nullptr);

    static constexpr int refreshMs = 5000;

    // Reads again now (also done by the timer).
    void refresh();
    // The figures last read; nothing until the first read answers.
    std::optional<DashboardFigures> figures() const { return m_figures; }

Q_SIGNALS:
    void updated();

private:
    void applyFigures(quint64 requestId, const DashboardFigures& figures);
    void showBacklog();
    QLabel* addFigure(const QString& objectName, const QString& toolTip);

    QueueEngine* m_engine;
    ReaderThread* m_reader;
    QLabel* m_today;
    QLabel* m_lastHour;
    QLabel* m_backlog;
    QLabel* m_throughput;
    QTimer m_timer;
    QTimer m_backlogTimer;
    quint64 m_requestId = 0;
    bool m_inFlight = false;
    std::optional<DashboardFigures> m_figures;
};

} // namespace qd::ui
