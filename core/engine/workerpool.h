#pragma once

#include "core/queueengine.h"
#include "core/worker.h"

#include <QSet>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace qd {

// The worker threads and what each one holds: the task its handler runs and the one claimed ahead for it. It
// publishes their statuses (workers(), QueueEngine::workersChanged) and the handler contexts of their tasks, so that
// another thread can ask a handler to stop.
// Thread contract: workers(), hasWorkers(), stopRunning() and stopAll() from any thread; everything else on the
// writer thread.
class WorkerPool {
public:
    // A task claimed ahead for a busy worker (prefetch): the results of several short tasks then share a commit
    // instead of costing one each, and the worker goes from one to the next without waiting for the writer. It
    // waits in the worker's inbox and starts the moment the run before it ends; the worker reports that start, and
    // the writer records it ("started" event and started_at, at the real start) in the transaction that records
    // the previous result. Taken back (TaskStore::giveBack) if it has
    // not started within aheadGiveBackMs, or when its queue is paused or over its concurrency, the worker retires,
    // workers stop, or an admin cancels it. In the database it is running (leased, its attempt counted, renewed
    // with the others) from the claim on.
    struct Ahead {
        Task task;
        std::shared_ptr<HandlerContext> context;
        qint64 claimedAt = 0;
        bool started = false; // a revoke failed: the worker has it, its start report is on the way
    };
    struct Slot {
        std::unique_ptr<Worker> worker;
        bool busy = false; // a handler runs (or is about to run) the current task
        bool retiring = false;
        Task task;
        std::shared_ptr<HandlerContext> context;
        qint64 deadline = 0; // 0: no timeout
        qint64 since = 0;
        std::deque<Ahead> ahead; // in the order the worker runs them
    };

    WorkerPool(QueueEngine& engine, const EngineOptions& options, QString owner, Worker::ReportFn report);

    // Any thread.
    QList<WorkerStatus> workers() const;
    bool hasWorkers() const; // a worker's status is still published
    // Asks the handlers of these tasks, if they run here, to stop; true if one of them is claimed ahead (the writer
    // takes those back instead).
    bool stopRunning(const QList<qint64>& taskIds, StopReason reason);
    void stopAll(StopReason reason);

    // Writer thread.
    const std::vector<Slot>& workerSlots() const { return m_slots; }
    bool holdsTasks() const; // a worker runs a task or holds one claimed ahead
    // Grows or shrinks to `desired` workers; returns the tasks claimed ahead that retiring workers gave back.
    std::vector<Task> adjust(int desired);
    // Takes back the slot's tasks claimed ahead that `which` selects, unless the worker has started them; the caller
    // returns them to the queue.
    std::vector<Task> revokeAheads(int index, const std::function<bool(const Ahead&)>& which);
    std::vector<Task> revokeAheads(int index)
    {
        return revokeAheads(index, [](const Ahead&) { return true; });
    }
    // The claimed task (or the ones ahead) goes to the slot's worker; the claim is committed.
    void assign(int index, const Task& task, bool ahead, qint64 now);
    // The worker's run ended and its result is committed; publish: show the worker idle.
    void freeSlot(const Completion& completion, qint64 now, bool publish);
    // The worker started its first task claimed ahead, and the start is committed.
    void promoteAhead(int index, const AheadStart& started);
    // Per-task timeouts: the handler sees isCancelled() and returns; the attempt then fails as timed out.
    void stopOverdue(qint64 now);
    void clear(); // joins every worker

private:
    std::shared_ptr<HandlerContext> makeContext(const Task& task);
    void publish(int index);
    void announceChanged(); // any thread: emits workersChanged unless one is pending

    QueueEngine& m_engine;
    const EngineOptions& m_options;
    const QString m_owner;
    const Worker::ReportFn m_report;

    // Published, under m_mutex.
    mutable std::mutex m_mutex;
    std::map<int, WorkerStatus> m_status;
    std::map<qint64, std::shared_ptr<HandlerContext>> m_running; // including the tasks claimed ahead
    QSet<qint64> m_aheadIds;
    // workersChanged was emitted and workers() not called since (see QueueEngine::workersChanged).
    mutable std::atomic<bool> m_changePending {false};

    std::vector<Slot> m_slots; // writer thread only
};

} // namespace qd
