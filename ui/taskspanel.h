#pragma once

#include <QWidget>

class QHBoxLayout;
class QTableView;

namespace qd {
class QueueEngine;
}

namespace qd::ui {

class FilterBar;
class MessageBar;
class ReaderThread;
class TaskSelectionKeeper;
class TaskTableModel;

// The window's central panel: the message strip, the filter bar and the task table (objectName "taskView"). The
// filter bar drives the table's query; the selection is kept by task id (TaskSelectionKeeper) across live refreshes.
// The table reads on a reader thread of its own; the selection keeper resolves ids on `reader`.
//
// Thread contract: GUI thread only.
class TasksPanel : public QWidget {
    Q_OBJECT
public:
    TasksPanel(QueueEngine* engine, ReaderThread* reader, QWidget* parent = nullptr);

    TaskTableModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    FilterBar* filterBar() const { return m_filterBar; }
    MessageBar* messageBar() const { return m_messageBar; }
    TaskSelectionKeeper* selection() const { return m_selection; }
    // Puts `widget` at the start of the message strip's row, whose height is fixed (the alert banner): whatever it
    // shows, the table does not move.
    void addToMessageRow(QWidget* widget);

    // The Wait and Run time columns grow with the clock, not with the database: repaints those two columns of the
    // rows on screen (the model computes them from the rows it holds, no read). Called once a second.
    void tickAges();

Q_SIGNALS:
    // The current row shows another task (or the same task moved to another row by a refresh).
    void currentTaskChanged(qint64 id);
    void selectedCountChanged(int count);
    // The selection, the filter or the number of matching tasks changed: which actions apply may have changed.
    void applicableActionsChanged();

private:
    void setUpView();
    void keepSortIndicatorOnSortableColumns(int column);

    TaskTableModel* m_model;
    FilterBar* m_filterBar; // before the message bar: the focus chain follows creation
    MessageBar* m_messageBar;
    QTableView* m_view;
    TaskSelectionKeeper* m_selection;
    QHBoxLayout* m_messageRow;
};

} // namespace qd::ui
