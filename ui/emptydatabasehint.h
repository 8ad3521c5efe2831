#pragma once

#include <QKeySequence>
#include <QLabel>

class QAbstractItemView;

namespace qd::ui {

class TaskTableModel;

// Over the task table of a database without tasks: what to do next (Enqueue…, or `queuedesk-cli demo`), instead of
// an empty grid. Shown only when the count is known to be 0 with no filter set (a filter that matches nothing is
// not an empty database); a read-only window only says the database is empty.
//
// Thread contract: GUI thread only.
class EmptyDatabaseHint : public QLabel {
    Q_OBJECT
public:
    // `enqueueKeys`: the Enqueue action's shortcut, named in the hint.
    EmptyDatabaseHint(TaskTableModel* model, QAbstractItemView* view, const QString& databasePath, bool writable,
        const QKeySequence& enqueueKeys);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void update(qint64 count);
    void place();

    TaskTableModel* m_model;
    QAbstractItemView* m_view;
};

} // namespace qd::ui
