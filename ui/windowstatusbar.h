#pragma once

#include <QPointer>
#include <QStatusBar>

#include "core/task.h"

class QLabel;
class QProgressBar;
class QSpinBox;
class QToolButton;

namespace qd {
class QueueEngine;
}

namespace qd::ui {

class BulkJob;

// The window's status bar: where we are (the database) and, on a server, the login's role, how many tasks are selected,
// the bulk action in progress (progress and Stop), what runs in the background, totals by state and throughput, and the
// workers this window runs (a control: 0 watches only; remembered per database). Reads engine memory only.
//
// Thread contract: GUI thread only.
class WindowStatusBar : public QStatusBar {
    Q_OBJECT
public:
    explicit WindowStatusBar(QueueEngine* engine, QWidget* parent = nullptr);

    // BackgroundWriter::busyChanged: an indicator without progress while an engine write runs.
    void setWriteBusy(bool busy, const QString& what);
    // What the window waits for in the background ("Counting…"); empty clears it.
    void setActivity(const QString& text);
    void setSelectionCount(int count);
    // Shows the job's progress until it finishes; Stop asks it to stop after the chunk in progress.
    void trackBulkJob(BulkJob* job, const QString& what);
    // Totals by state and throughput: the queue list's (QueueListModel), so the two panels always agree.
    // The workers control's value: the engine runs that many and the database remembers it (as if set by hand).
    void setWorkerCount(int count);
    void setTotals(const StateCounts& totals, double donePerSecond, double failedPerSecond);

private:
    void setBulkVisible(bool visible);

    QueueEngine* m_engine;
    QLabel* m_pathLabel;
    QLabel* m_roleLabel; // a server's: what the login's role allows (core/accessroles.h)
    QLabel* m_selectionLabel;
    QLabel* m_bulkLabel;
    QProgressBar* m_bulkBar;
    QToolButton* m_bulkStop;
    QLabel* m_busyLabel;
    QProgressBar* m_busyBar;
    QLabel* m_totalsLabel;
    QLabel* m_throughputLabel;
    QSpinBox* m_workers;
    QPointer<BulkJob> m_bulkJob;
};

} // namespace qd::ui
