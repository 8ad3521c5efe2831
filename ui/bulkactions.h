#pragma once

#include "bulkjob.h"
#include "messagebar.h"

#include <QObject>

#include <functional>
#include <memory>

namespace qd {
class QueueEngine;
}

namespace qd::ui {

class ReaderThread;
class TaskSelectionKeeper;
class TaskTableModel;

// Retry, cancel, delete and run now on the table's selection or on every task matching its filter: the preview
// (for the filter, the count of the tasks the action changes, BulkJob::changeable, read on the reader thread), the
// confirmation, and the BulkJob that runs it. One bulk job at a time. Outcomes are reported by signals for the
// window to show.
//
// The engine is held weakly: the window's reference must stay the last one (see MainWindow's destructor).
//
// Thread contract: GUI thread only.
class BulkActions : public QObject {
    Q_OBJECT
public:
    using Confirm = std::function<bool(const QString& question)>;

    BulkActions(std::weak_ptr<QueueEngine> engine, TaskTableModel* model, TaskSelectionKeeper* selection,
        ReaderThread* reader, Confirm confirm, QObject* parent = nullptr);
    ~BulkActions() override;

    // On the selected tasks (once the rows selected before they were loaded are resolved to ids), still restricted
    // to the table's filter.
    void runOnSelection(BulkJob::Op op);
    // On every task matching the table's filter that the action changes, after counting and confirming them.
    void runOnFilter(BulkJob::Op op);

    // On the tasks `ids` (a failure cluster's, described by `scope`: "of the 12 task(s) of …"), after counting the
    // ones the action changes and confirming them; the table's filter does not apply.
    void runOnTasks(BulkJob::Op op, const QList<qint64>& ids, const QString& scope);

    // The job running in the background, if any.
    BulkJob* job() const { return m_job; }
    // Stops the running job after its chunk in progress and waits for it (for the window's destructor).
    void stopAndWait();

Q_SIGNALS:
    // A job starts, once confirmed; `what` says what it does ("Retry 10 task(s)").
    void started(qd::ui::BulkJob* job, const QString& what);
    // The job ended (done, stopped or failed, as `message` said): the views should re-read.
    void finished();
    void message(qd::ui::MessageBar::Kind kind, const QString& text);
    // What the actions wait for in the background ("Counting…"); empty when nothing.
    void activityChanged(const QString& text);

private:
    void onPreviewCounted(quint64 request, qint64 count);
    void run(BulkJob::Op op, const TaskFilter& filter, const QList<qint64>& ids, qint64 count);

    std::weak_ptr<QueueEngine> m_engine;
    bool m_readOnly;
    TaskTableModel* m_model;
    TaskSelectionKeeper* m_selection;
    ReaderThread* m_reader;
    Confirm m_confirm;
    BulkJob* m_job = nullptr;
    // A bulk action on the filter waiting for the count of the tasks it would change (request 0: none).
    struct Preview {
        quint64 request = 0;
        BulkJob::Op op = BulkJob::Op::Retry;
        quint64 generation = 0; // of the table's query: a filter changed meanwhile makes the count meaningless
        QList<qint64> ids; // runOnTasks(): these tasks instead of the table's filter
        QString scope;
    };
    Preview m_preview;
    quint64 m_previewRequest = 0;
};

} // namespace qd::ui
