#include "bulkactions.h"

#include "core/queueengine.h"
#include "readerthread.h"
#include "taskformat.h"
#include "taskselectionkeeper.h"
#include "tasktablemodel.h"

#include <utility>

namespace qd::ui {

namespace {

QString verb(BulkJob::Op op, qint64 n)
{
    switch (op) {
    case BulkJob::Op::Retry:
        return BulkActions::tr("Retry %1 task(s)").arg(formatCount(n));
    case BulkJob::Op::Cancel:
        return BulkActions::tr("Cancel %1 task(s)").arg(formatCount(n));
    case BulkJob::Op::RunNow:
        return BulkActions::tr("Run %1 task(s) now").arg(formatCount(n));
    case BulkJob::Op::Delete:
        break;
    }
    return BulkActions::tr("Delete %1 task(s)").arg(formatCount(n));
}

// Said when a bulk action on the filter has nothing to change.
QString nothingToDo(BulkJob::Op op)
{
    switch (op) {
    case BulkJob::Op::Retry:
        return BulkActions::tr("Nothing to retry: no task matching the filter failed or was cancelled.");
    case BulkJob::Op::Cancel:
        return BulkActions::tr("Nothing to cancel: no task matching the filter is queued, scheduled or running.");
    case BulkJob::Op::RunNow:
        return BulkActions::tr("Nothing to run now: no task matching the filter is scheduled.");
    case BulkJob::Op::Delete:
        break;
    }
    return BulkActions::tr("Nothing to delete: every task matching the filter is running.");
}

} // namespace

BulkActions::BulkActions(std::weak_ptr<QueueEngine> engine, TaskTableModel* model, TaskSelectionKeeper* selection,
    ReaderThread* reader, Confirm confirm, QObject* parent)
    : QObject(parent)
    , m_engine(std::move(engine))
    , m_readOnly(m_engine.lock()->isReadOnly())
    , m_model(model)
    , m_selection(selection)
    , m_reader(reader)
    , m_confirm(std::move(confirm))
{
    connect(m_reader->reader(), &StoreReader::bulkCountFetched, this, &BulkActions::onPreviewCounted);
}

BulkActions::~BulkActions()
{
    stopAndWait();
}

void BulkActions::stopAndWait()
{
    delete m_job; // its destructor stops it and waits for the chunk in progress
    m_job = nullptr;
}

void BulkActions::runOnSelection(BulkJob::Op op)
{
    if (m_readOnly)
        return;
    if (!m_selection->idsReady()) {
        // Rows selected before they were loaded are being looked up: act once we know which tasks they are.
        Q_EMIT activityChanged(tr("Looking up the selected tasks\u2026"));
        m_selection->whenReady(this, [this, op] {
            Q_EMIT activityChanged({});
            runOnSelection(op);
        });
        return;
    }
    const QList<qint64> ids = m_selection->selectedIds();
    if (ids.isEmpty()) {
        Q_EMIT message(MessageBar::Kind::Error, tr("No task is selected."));
        return;
    }
    if ((op == BulkJob::Op::Delete || ids.size() > 1) && !m_confirm(tr("%1 selected?").arg(verb(op, ids.size()))))
        return;
    // Only tasks still shown under the current filter: one that left it since it was selected (cancelled while the
    // table shows scheduled tasks) is not acted on, even before the selection has caught up with the table.
    run(op, m_model->filter(), ids, ids.size());
}

void BulkActions::runOnFilter(BulkJob::Op op)
{
    if (m_readOnly || m_model->totalCount() <= 0)
        return;
    const TaskFilter filter = m_model->filter();
    std::optional<TaskFilter> changed = BulkJob::changeable(op, filter);
    if (!changed) {
        Q_EMIT message(MessageBar::Kind::Info, nothingToDo(op));
        return;
    }
    // The confirmation counts the tasks the action changes (a retry: the failed and cancelled ones, not every task
    // matching), read on the reader thread: a count over a million rows is not the GUI thread's to wait for.
    m_preview = {++m_previewRequest, op, m_model->generation(), {}, {}};
    Q_EMIT activityChanged(tr("Counting\u2026"));
    // Moved, not copied: its new list of states must not be freed here while the reader reads it (the two threads
    // would share it through Qt's reference count, an order ThreadSanitizer cannot see).
    m_reader->post(
        [request = m_preview.request, f = std::move(*changed)](StoreReader* r) { r->fetchBulkCount(request, f); });
}

void BulkActions::runOnTasks(BulkJob::Op op, const QList<qint64>& ids, const QString& scope)
{
    if (m_readOnly || ids.isEmpty())
        return;
    std::optional<TaskFilter> changed = BulkJob::changeable(op, TaskFilter::ofIds(ids));
    if (!changed) {
        Q_EMIT message(MessageBar::Kind::Info, nothingToDo(op));
        return;
    }
    m_preview = {++m_previewRequest, op, m_model->generation(), ids, scope};
    Q_EMIT activityChanged(tr("Counting\u2026"));
    m_reader->post(
        [request = m_preview.request, f = std::move(*changed)](StoreReader* r) { r->fetchBulkCount(request, f); });
}

void BulkActions::onPreviewCounted(quint64 request, qint64 count)
{
    if (request != m_preview.request)
        return; // asked again since
    const Preview preview = std::exchange(m_preview, {});
    Q_EMIT activityChanged({});
    if (preview.ids.isEmpty() && preview.generation != m_model->generation()) {
        Q_EMIT message(
            MessageBar::Kind::Info, tr("The filter changed while the tasks were counted: nothing was done."));
        return;
    }
    if (count < 0)
        return; // the reader reported why (readFailed)
    if (count == 0) {
        Q_EMIT message(MessageBar::Kind::Info, nothingToDo(preview.op));
        return;
    }
    const QString which = preview.op == BulkJob::Op::Retry ? tr(" that failed or was cancelled")
        : preview.op == BulkJob::Op::Cancel                ? tr(" that is queued, scheduled or running")
        : preview.op == BulkJob::Op::RunNow                ? tr(" that is scheduled")
                                                           : tr(" but running ones");
    if (!preview.ids.isEmpty()) {
        if (m_confirm(tr("%1 \u2014 every task %2%3?\nThis runs in the background.")
                          .arg(verb(preview.op, count), preview.scope, which)))
            run(preview.op, {}, preview.ids, count);
        return;
    }
    const TaskFilter filter = m_model->filter();
    const QString scope = filter.isEmpty() ? tr("EVERY task in the database") : tr("every task matching the filter");
    if (!m_confirm(tr("%1 \u2014 %2%3?\nThis runs in the background.").arg(verb(preview.op, count), scope, which)))
        return;
    run(preview.op, filter, {}, count);
}

void BulkActions::run(BulkJob::Op op, const TaskFilter& filter, const QList<qint64>& ids, qint64 count)
{
    if (m_job) {
        Q_EMIT message(
            MessageBar::Kind::Error, tr("Another bulk action is still running: wait for it or stop it (status bar)."));
        return;
    }
    std::shared_ptr<QueueEngine> engine = m_engine.lock();
    if (!engine)
        return; // the window is going
    const QString what = verb(op, count);
    m_job = new BulkJob(std::move(engine), op, filter, ids, this);
    connect(
        m_job, &BulkJob::finished, this, [this, what](bool ok, bool cancelled, qint64 affected, const QString& error) {
            m_job->deleteLater();
            m_job = nullptr;
            if (ok) {
                Q_EMIT message(
                    MessageBar::Kind::Info, tr("%1: done, %2 task(s) affected.").arg(what, formatCount(affected)));
            } else if (cancelled) {
                Q_EMIT message(MessageBar::Kind::Info,
                    tr("%1: stopped; %2 task(s) were affected before the stop.").arg(what, formatCount(affected)));
            } else {
                Q_EMIT message(MessageBar::Kind::Error,
                    tr("%1 failed after %2 task(s): %3").arg(what, formatCount(affected), error));
            }
            Q_EMIT finished();
        });
    Q_EMIT started(m_job, what);
    m_job->start();
}

} // namespace qd::ui
