#pragma once

#include "core/task.h"

#include <QObject>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

namespace qd {
class QueueEngine;
}

namespace qd::ui {

// Retries, cancels, deletes or runs now (scheduled tasks made ready) many tasks in the background, with progress and
// a way to stop. The tasks are the given ids or, when none are given, every task matching the filter at the start
// that the operation changes (changeable(): a retry reads only the failed and cancelled ones, so its progress counts
// what it changes); their ids are read first on a connection of the job's own. The engine is then called in chunks
// of `chunkSize` ids, each chunk still restricted by the filter, so a task that stopped matching in the meantime is
// left alone. Each chunk is one transaction: a stop or an error leaves the chunks before it applied (the message
// says how many), and the writer thread is never held by one huge transaction while workers wait to report.
//
// Thread contract: create, start, cancel and destroy on the GUI thread; signals arrive there (queued). The
// destructor stops the job and waits for the chunk in progress.
class BulkJob : public QObject {
    Q_OBJECT
public:
    enum class Op { Retry, Cancel, Delete, RunNow };
    static constexpr int chunkSize = 1000;

    BulkJob(
        std::shared_ptr<QueueEngine> engine, Op op, TaskFilter filter, QList<qint64> ids, QObject* parent = nullptr);
    ~BulkJob() override;

    // `filter` narrowed to the tasks `op` changes (core's changedBy()); empty when the filter only shows tasks the
    // operation leaves alone. What a bulk action's confirmation counts, so it previews what it changes.
    static std::optional<TaskFilter> changeable(Op op, const TaskFilter& filter);

    Op op() const { return m_op; }
    void start();
    void cancel() { m_cancel->store(true); }
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    // done: tasks handled so far (chunks sent), of total; affected: how many the engine changed.
    void progressed(qint64 done, qint64 total, qint64 affected);
    void finished(bool ok, bool cancelled, qint64 affected, const QString& error);

private:
    std::shared_ptr<QueueEngine> m_engine;
    Op m_op;
    TaskFilter m_filter;
    QList<qint64> m_ids;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    bool m_running = false;
    std::thread m_thread;
};

} // namespace qd::ui
