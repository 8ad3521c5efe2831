#pragma once

#include "pgchangelistener.h"
#include "queueengine.h"
#include "taskstore.h"
#include "walcheckpointer.h"
#include "worker.h"

#include <QSet>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace qd {

// The machinery behind QueueEngine: one writer thread that owns the database connection and runs every write of
// this process, grouped into one transaction per cycle (group commit), plus the worker pool it dispatches to.
// Thread contract: the public methods are thread-safe; everything prefixed "writer" runs on the writer thread only.
class EngineCore {
public:
    EngineCore(QueueEngine& engine, const EngineOptions& options);
    ~EngineCore();

    // Starts the writer thread and opens the database on it; returns once it is open (or failed to open).
    Status start();
    void shutdown(qint64 graceMs);

    // How a command is kept apart from the others that share the writer's transaction.
    enum class Atomicity {
        Savepoint, // fn may make several writes: it runs in a savepoint of its own
        // fn is one TaskStore write method, atomic by TaskStore's contract: a savepoint around it would only add
        // two statements to every enqueue (callgrind, bench B1)
        ByItself,
    };
    // Runs fn inside the writer's next transaction and waits for the commit.
    Status execute(std::function<Status(TaskStore&)> fn, Atomicity atomicity = Atomicity::Savepoint);
    template <typename T>
    Result<T> call(std::function<Result<T>(TaskStore&)> fn, Atomicity atomicity = Atomicity::Savepoint)
    {
        std::optional<Result<T>> out;
        Status s = execute([&](TaskStore& store) -> Status {
            auto r = fn(store);
            if (!r)
                return r.error();
            out.emplace(std::move(r));
            return success();
        }, atomicity);
        if (!s)
            return s.error();
        return std::move(*out);
    }

    // Asks the handlers of these tasks, if they run in this process, to stop.
    void stopRunning(const QList<qint64>& taskIds, StopReason reason);
    void markQueueReady(const QString& queue);
    void reloadQueueConfigs();

    void setWorkerCount(int count);
    int workerCount() const;
    void stopWorkers(qint64 graceMs);

    QHash<QString, StateCounts> counts() const;
    QList<QueueConfig> queueConfigs() const;
    QList<WorkerStatus> workers() const;
    StatsSample lastSample() const;
    const QString& owner() const { return m_owner; }

private:
    // A caller's write and, once committed, its outcome. Shared by the caller and the writer. A mutex and a
    // condition variable rather than std::promise: libstdc++ waits for a future inside its uninstrumented shared
    // library, so ThreadSanitizer cannot see that the caller reads the outcome after the writer wrote it.
    struct Command {
        std::function<Status(TaskStore&)> run;
        Atomicity atomicity = Atomicity::Savepoint;
        std::mutex mutex;
        std::condition_variable finished;
        std::optional<Status> outcome;

        void finish(Status s);
        Status wait();
    };
    struct Slot {
        std::unique_ptr<Worker> worker;
        bool busy = false;
        bool retiring = false;
        Task task;
        std::shared_ptr<HandlerContext> context;
        qint64 deadline = 0; // 0: no timeout
        qint64 since = 0;
    };

    void writerMain(const std::shared_ptr<Command>& opened);
    void writerCycle();
    Status writerRecordCompletion(const Completion& completion);
    void writerFreeSlot(const Completion& completion, qint64 now);
    // Claims tasks for the idle slots and for `freed`, the slots whose results this transaction records; the
    // slots take them in writerAssign() once the transaction is committed.
    Status writerClaim(qint64 now, const QSet<int>& freed, QList<std::pair<int, Task>>& dispatch);
    void writerAssign(int index, Task task, qint64 now);
    bool writerSlotIsFree(int index, const QSet<int>& freed) const;
    int writerRunningIn(const QString& queue, const QSet<int>& freed) const;
    void writerAdjustWorkers();
    bool writerHasClaimableWork(const QSet<int>& freed) const;
    void writerReloadConfigs();
    void writerRecount();
    void writerSample(qint64 now);
    void writerPublishWorker(const Slot& slot, int index);
    qint64 writerNextWake(qint64 now) const;
    void writerGatherCommands(std::unique_lock<std::mutex>& lock, std::deque<std::shared_ptr<Command>>& commands);
    void reportError(const Error& error);
    void onCompletion(Completion completion);

    QueueEngine& m_engine;
    const EngineOptions& m_options;
    QString m_owner;
    std::thread m_writer; // std::thread: its join is visible to ThreadSanitizer
    std::thread::id m_writerId;

    // Shared between threads, under m_mutex.
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::shared_ptr<Command>> m_commands;
    std::deque<Completion> m_completions;
    bool m_stopping = false;
    bool m_claiming = true;
    bool m_configsDirty = false;
    bool m_foreignCommit = false; // PgChangeListener saw another connection commit
    int m_desiredWorkers = 0;
    int m_busyWorkers = 0;
    QSet<QString> m_readyHints;

    // Published state, under m_stateMutex.
    mutable std::mutex m_stateMutex;
    QHash<QString, StateCounts> m_counts;
    QList<QueueConfig> m_publishedConfigs;
    std::map<int, WorkerStatus> m_workerStatus;
    StatsSample m_lastSample;
    std::map<qint64, std::shared_ptr<HandlerContext>> m_running;

    // Writer thread only.
    std::unique_ptr<WalCheckpointer> m_checkpointer; // declared before m_store: outlives the hook that calls it
    std::unique_ptr<TaskStore> m_store;
    std::unique_ptr<PgChangeListener> m_listener; // PostgreSQL only
    std::vector<Slot> m_slots;
    QHash<QString, QueueConfig> m_configs;
    QHash<QString, int> m_runningPerQueue;
    QSet<QString> m_maybeReady;
    QStringList m_queueOrder;
    int m_claimRotation = 0;
    qint64 m_dataVersion = -1;
    qint64 m_lastEventId = 0;
    qint64 m_nextPoll = 0;
    qint64 m_nextMaintenance = 0;
    qint64 m_nextHeartbeat = 0;
    qint64 m_nextSample = 0;
    qint64 m_nextScheduled = 0;
    qint64 m_lastSampleMinute = 0;
    qint64 m_completionRetryAt = 0;
    qint64 m_claimRetryAt = 0; // after a claim the database refused
    int m_lastClaimErrorCode = -1;
    bool m_countsDirty = true;
    int m_lastErrorCode = -1;
    std::chrono::steady_clock::duration m_lastCommitDuration {}; // writer thread only
    std::size_t m_activeProducers = 0; // under m_mutex: see writerGatherCommands()
};

} // namespace qd
