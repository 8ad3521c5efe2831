#include "bulkjob.h"

#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QPointer>

namespace qd::ui {

namespace {

struct Outcome {
    bool ok = true;
    bool cancelled = false;
    qint64 affected = 0;
    QString error;
};

} // namespace

std::optional<TaskFilter> BulkJob::changeable(Op op, const TaskFilter& filter)
{
    switch (op) {
    case Op::Retry:
        return changedBy(AdminAction::Retry, filter);
    case Op::Cancel:
        return changedBy(AdminAction::Cancel, filter);
    case Op::RunNow:
        return changedBy(AdminAction::RunNow, filter);
    case Op::Delete:
        break;
    }
    return changedBy(AdminAction::Purge, filter);
}

BulkJob::BulkJob(std::shared_ptr<QueueEngine> engine, Op op, TaskFilter filter, QList<qint64> ids, QObject* parent)
    : QObject(parent)
    , m_engine(std::move(engine))
    , m_op(op)
    , m_filter(std::move(filter))
    , m_ids(std::move(ids))
    , m_cancel(std::make_shared<std::atomic<bool>>(false))
{ }

BulkJob::~BulkJob()
{
    m_cancel->store(true);
    if (m_thread.joinable())
        m_thread.join();
}

void BulkJob::start()
{
    if (m_running || m_thread.joinable())
        return;
    m_running = true;
    QPointer<BulkJob> self(this);
    auto report = [self, job = this](auto fn) {
        // The destructor joins this thread before the object goes, so `job` is alive when the call is posted; the
        // QPointer drops a call that reaches the GUI thread after the object was destroyed.
        QMetaObject::invokeMethod(
            job,
            [self, fn] {
                if (self)
                    fn(self.data());
            },
            Qt::QueuedConnection);
    };
    // Only the tasks the operation changes: no ids to read, and no chunk to send, for the others.
    const std::optional<TaskFilter> narrowed = changeable(m_op, m_filter);
    m_thread = std::thread([engine = m_engine, op = m_op, filter = narrowed.value_or(m_filter), nothing = !narrowed,
                               ids = m_ids, cancel = m_cancel, report] {
        Outcome outcome;
        QList<qint64> targets = nothing ? QList<qint64>() : ids;
        // The chunks are one action: one audit row, with the filter the admin chose rather than a chunk's ids.
        AuditSpan audit;
        audit.filter = ids.isEmpty() ? filter : TaskFilter::ofIds(ids);
        try {
            if (targets.isEmpty() && !nothing) {
                // The tasks matching now, read on a connection of our own (the writer stays free meanwhile).
                StoreOptions options = engine->options().store;
                options.createIfMissing = false;
                auto store = TaskStore::open(options);
                if (!store) {
                    outcome = {false, false, 0, store.errorString()};
                } else {
                    const Status read = (*store)->forEachTask(filter, [&](const Task& t) {
                        targets.append(t.id);
                        return !cancel->load(std::memory_order_relaxed);
                    });
                    if (!read)
                        outcome = {false, false, 0, read.errorString()};
                }
            }
            const qint64 total = targets.size();
            for (qint64 start = 0; outcome.ok && start < total; start += chunkSize) {
                if (cancel->load()) {
                    outcome.cancelled = true;
                    break;
                }
                TaskFilter chunk = filter;
                chunk.ids = targets.mid(start, chunkSize);
                const Result<qint64> done = op == Op::Retry ? engine->retry(chunk, &audit)
                    : op == Op::Cancel                      ? engine->cancel(chunk, &audit)
                    : op == Op::RunNow                      ? engine->runNow(chunk, &audit)
                                                            : engine->purge(chunk, &audit);
                if (!done) {
                    outcome.ok = false;
                    outcome.error = done.errorString();
                    break;
                }
                outcome.affected += *done;
                const qint64 handled = std::min<qint64>(total, start + chunkSize);
                const qint64 affected = outcome.affected;
                report([handled, total, affected](BulkJob* j) { Q_EMIT j->progressed(handled, total, affected); });
            }
        } catch (const std::exception& e) {
            // Nothing may escape the thread.
            outcome.ok = false;
            outcome.error = QString::fromLocal8Bit(e.what());
        }
        report([outcome](BulkJob* j) {
            j->m_running = false;
            if (j->m_thread.joinable())
                j->m_thread.join(); // it only has to return
            Q_EMIT j->finished(outcome.ok && !outcome.cancelled, outcome.cancelled, outcome.affected, outcome.error);
        });
    });
}

} // namespace qd::ui
