#pragma once

#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <functional>

class QItemSelection;
class QTableView;

namespace qd::ui {

class ReaderThread;
class TaskTableModel;

// Keeps the task table's selection by task id rather than by row. Live refreshes move tasks between rows (the
// newest-first table shifts down with every enqueue); after each refresh the rows of the selected ids are selected
// again and the current row follows its task. Rows selected while not loaded (a shift-click over a million rows)
// are resolved to ids in the background, by position in the query at the time of the click; until that answer
// comes, those rows keep their row selection and idsReady() is false.
//
// A filter or sort change resets the table and with it the selection (Qt clears it on reset): ids that are no longer
// shown are never acted on behind the admin's back. Tasks also leave the filter by themselves (a selected scheduled
// task is cancelled while the table shows scheduled ones): after the table changes, the selected ids are checked
// against the filter in the background (at most one check in flight, a few a second), and those that no longer
// match leave the selection. Actions on the selection are restricted to the filter as well (see MainWindow), so the
// moment before the check answers cannot act on a hidden task either.
//
// Thread contract: GUI thread only; the id resolution runs on the given reader thread.
class TaskSelectionKeeper : public QObject {
    Q_OBJECT
public:
    TaskSelectionKeeper(QTableView* view, TaskTableModel* model, ReaderThread* reader, QObject* parent = nullptr);

    // The selected task ids (sorted), including rows resolved in the background; see idsReady().
    QList<qint64> selectedIds() const;
    int selectedCount() const { return int(m_ids.size()); }
    qint64 currentId() const { return m_currentId; }
    // False while rows of the selection are still being resolved to ids.
    bool idsReady() const { return m_pending.isEmpty(); }
    // Runs fn once no resolution is pending (at once if none is), on the GUI thread, unless context is gone by then.
    void whenReady(QObject* context, std::function<void()> fn);

Q_SIGNALS:
    // The set of selected ids changed (by the admin, or by a background resolution finishing).
    void selectionIdsChanged(int count);

private:
    struct Pending {
        quint64 requestId = 0;
        bool add = true; // the rows were selected (true) or deselected (false)
    };

    void onSelectionChanged(const QItemSelection& selected, const QItemSelection& deselected);
    void onCurrentChanged();
    void scheduleRestore();
    void restore();
    void resolve(const QList<std::pair<int, int>>& runs, bool add);
    void onRowIds(quint64 requestId, const QList<qint64>& ids, bool complete);
    void notifyReady();
    void scheduleCheck();
    void checkStillMatching();
    void onMatchingIds(quint64 requestId, const QList<qint64>& matching, bool complete);

    QTableView* m_view;
    TaskTableModel* m_model;
    ReaderThread* m_reader;
    QSet<qint64> m_ids;
    qint64 m_currentId = 0;
    QList<Pending> m_pending;
    quint64 m_nextRequest = 0;
    QList<std::pair<QPointer<QObject>, std::function<void()>>> m_waiting;
    bool m_applying = false;
    QTimer m_restoreTimer;
    // The check that the selected ids still match the filter: the ids sent, and the request they went with (0: none
    // in flight; answers to older requests, sent before a reset, are dropped).
    QTimer m_checkTimer;
    quint64 m_checkRequest = 0;
    QSet<qint64> m_checkSent;
    bool m_checkQueued = false;
};

} // namespace qd::ui
