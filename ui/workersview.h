#pragma once

#include <QTreeView>

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

private:
    // After a reset: process rows span the columns, and all are expanded.
    void showProcesses();
};

} // namespace qd::ui
