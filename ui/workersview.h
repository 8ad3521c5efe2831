#pragma once

#include <QTreeView>

class QAction;

namespace qd::ui {

class WorkersModel;

// The Workers dock: a WorkersModel as a tree, every process expanded, a process's row one line across the whole
// width (its summary: host, pid, kind, workers, last seen or "lost since"), its workers in columns below it.
//
// Thread contract: GUI thread only.
class WorkersView : public QTreeView {
    Q_OBJECT
public:
    explicit WorkersView(WorkersModel* model, QWidget* parent = nullptr);

    // "Forget": on the current row when it is a lost process (context menu); off on a read-only window.
    QAction* forgetAction() const { return m_forget; }
    void setWritable(bool writable);

Q_SIGNALS:
    // Remove the lost process `id`'s heartbeat row, if it has not beaten since `lastSeen`.
    void forgetRequested(const QString& id, qint64 lastSeen);

private:
    // After a reset: process rows span the columns, and all are expanded.
    void showProcesses();
    void updateForget();

    QAction* m_forget;
    bool m_writable = true;
};

} // namespace qd::ui
