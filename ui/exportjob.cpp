#include "exportjob.h"

#include "core/taskstore.h"

#include <QElapsedTimer>
#include <QPointer>

namespace qd::ui {

namespace {

Result<qint64> runExport(const StoreOptions& options, const ExportRequest& r, const ExportControl& control)
{
    StoreOptions readOptions = options;
    readOptions.createIfMissing = false;
    auto store = TaskStore::open(readOptions);
    if (!store)
        return store.error();
    switch (r.kind) {
    case ExportRequest::Kind::Tasks:
        return HistoryExporter::exportTasks(**store, r.filter, r.format, r.path, control);
    case ExportRequest::Kind::Events:
        return HistoryExporter::exportEvents(**store, r.from, r.to, r.queues, r.format, r.path, control);
    case ExportRequest::Kind::Metrics:
        return HistoryExporter::exportSamples(
            **store, r.queues, r.resolutionSeconds, r.from, r.to, r.format, r.path, control);
    }
    return Error {ErrorCode::Internal, QStringLiteral("unknown export kind")};
}

} // namespace

ExportJob::ExportJob(StoreOptions store, ExportRequest request, QObject* parent)
    : QObject(parent)
    , m_store(std::move(store))
    , m_request(std::move(request))
    , m_cancel(std::make_shared<std::atomic<bool>>(false))
{ }

ExportJob::~ExportJob()
{
    m_cancel->store(true);
    if (m_thread.joinable())
        m_thread.join();
}

void ExportJob::start()
{
    if (m_running || m_thread.joinable())
        return; // one export per job
    m_running = true;
    // The thread reports through queued calls on `self`: the destructor joins the thread before the object goes,
    // and a call that arrives after that is dropped by the QPointer check on the GUI thread.
    QPointer<ExportJob> self(this);
    m_thread = std::thread([self, store = m_store, request = m_request, cancel = m_cancel, hook = m_hook,
                               every = m_checkEveryRows, job = this] {
        ExportControl control;
        control.cancelFlag = cancel.get();
        control.checkEveryRows = every;
        // The GUI hears of progress at most 10 times a second (and of the first and last report): one report per
        // checkEveryRows rows repainted the dialog hundreds of times a second, on a core the export could use.
        QElapsedTimer sincePost;
        qint64 posted = -1;
        control.progress = [&](qint64 rows, qint64 total) {
            const bool post = rows != posted
                && (!sincePost.isValid() || sincePost.elapsed() >= progressIntervalMs || rows == total);
            if (post) {
                sincePost.start();
                posted = rows;
                QMetaObject::invokeMethod(
                    job,
                    [self, rows, total] {
                        if (self && self->m_running)
                            Q_EMIT self->progressed(rows, total);
                    },
                    Qt::QueuedConnection);
            }
            if (hook)
                hook(rows);
        };
        Result<qint64> result = Error {ErrorCode::Internal, QStringLiteral("the export did not run")};
        try {
            result = runExport(store, request, control);
        } catch (const std::exception& e) {
            // Nothing may escape the thread: report it as the export's failure.
            result = Error {ErrorCode::Internal, QString::fromLocal8Bit(e.what())};
        }
        const bool ok = result.ok();
        const bool cancelled = !ok && result.error().code == ErrorCode::Cancelled;
        const qint64 rows = ok ? *result : 0;
        const QString error = ok ? QString() : result.errorString();
        QMetaObject::invokeMethod(
            job,
            [self, ok, cancelled, rows, error] {
                if (!self)
                    return;
                self->m_running = false;
                if (self->m_thread.joinable())
                    self->m_thread.join(); // it has nothing left to do but return
                Q_EMIT self->finished(ok, cancelled, rows, error);
            },
            Qt::QueuedConnection);
    });
}

void ExportJob::cancel()
{
    m_cancel->store(true);
}

} // namespace qd::ui
