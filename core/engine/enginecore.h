#pragma once

#include "commandqueue.h"
#include "dispatcher.h"
#include "heartbeat.h"
#include "livecounts.h"
#include "metricssampler.h"
#include "retentionsweeper.h"
#include "searchindexer.h"
#include "workerpool.h"

#include "core/commitbell.h"
#include "core/mariadbchangewatcher.h"
#include "core/pgchangelistener.h"
#include "core/queueengine.h"
#include "core/taskstore.h"
#include "core/walcheckpointer.h"

#include <QSet>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace qd {

// The machinery behind QueueEngine: one writer thread that owns the database connection and runs every write of
// this process, grouped into one transaction per cycle (group commit), plus the worker pool it dispatches to.
// Thread contract: the public methods are thread-safe; everything prefixed "writer" runs on the writer thread only.
// Its parts, each with its own thread contract: CommandQueue (other threads' writes on their way to the writer),
// WorkerPool, Dispatcher (which task goes to which worker), LiveCounts, MetricsSampler. enginecontrol.cpp holds its
// start, stop and any-thread calls; enginecore.cpp the cycle.
class EngineCore {
public:
    using Atomicity = CommandQueue::Atomicity;

    EngineCore(QueueEngine& engine, const EngineOptions& options);
    ~EngineCore();

    // Starts the writer thread and opens the database on it; returns once it is open (or failed to open).
    Status start();
    void shutdown(qint64 graceMs);

    // Runs fn inside the writer's next transaction and waits for the commit.
    Status execute(std::function<Status(TaskStore&)> fn, Atomicity atomicity = Atomicity::Savepoint);
    template <typename T>
    Result<T> call(std::function<Result<T>(TaskStore&)> fn, Atomicity atomicity = Atomicity::Savepoint)
    {
        std::optional<Result<T>> out;
        Status s = execute(
            [&](TaskStore& store) -> Status {
                auto r = fn(store);
                if (!r)
                    return r.error();
                out.emplace(std::move(r));
                return success();
            },
            atomicity);
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

    QHash<QString, StateCounts> counts() const { return m_counts.counts(); }
    QList<QueueConfig> queueConfigs() const { return m_dispatcher.queueConfigs(); }
    QList<WorkerStatus> workers() const { return m_pool.workers(); }
    StatsSample lastSample() const { return m_sampler.lastSample(); }
    const QString& owner() const { return m_owner; }

private:
    // What one cycle took, found due and did: on the writer's stack for one writerCycle().
    struct Cycle {
        qint64 now = 0;
        CommandQueue::Batch commands;
        std::deque<Completion> completions; // worker reports: results and starts of tasks claimed ahead
        std::size_t producersWaiting = 0; // callers this cycle's commit answers
        bool claiming = false;
        // Due (writerFindDue).
        bool readOnly = false;
        bool maintenanceDue = false;
        bool heartbeatDue = false;
        bool processBeatDue = false; // this process's row in `processes` (Heartbeat)
        bool claimAllowed = false;
        bool claimDue = false;
        bool givingBackDue = false;
        // Done inside the transaction.
        QList<Status> results; // of commands, in order
        std::vector<bool> recorded; // completions[i] is recorded
        std::size_t givenBack = 0; // of the dispatcher's tasks taken back, from the front
        QList<qint64> cancelRequested; // by other processes, found by the lease renewal
        QList<Dispatcher::Dispatch> dispatch;
        bool committed = false;
        bool claimEndedTransaction = false;
        Error failure;

        bool hasWrites() const
        {
            return !commands.empty() || !completions.empty() || maintenanceDue || heartbeatDue || processBeatDue
                || claimDue || givingBackDue;
        }
        bool hasOutcome() const
        {
            return !commands.empty() || !completions.empty() || !dispatch.isEmpty() || maintenanceDue || heartbeatDue
                || processBeatDue || givingBackDue || claimEndedTransaction;
        }
    };

    // Thread body: opens the database, runs cycles until shutdown, closes it.
    void writerMain(const std::shared_ptr<CommandQueue::Command>& opened);
    Status writerOpen();
    bool writerShouldStop(qint64& stoppingSince);
    void writerClose();

    // One cycle: a transaction for everything due, then what follows the commit. Its steps, in order:
    void writerCycle();
    // Waits until there is work or a deadline, then takes the commands, reports and hints queued for the writer;
    // holds the command queue's lock (released to finish a checkpoint or reload configurations).
    void writerTakeWork(Cycle& cycle);
    // Grows or shrinks the pool to the desired worker count; tasks ahead of retiring workers go back.
    void writerAdjustWorkers();
    // Takes back the tasks claimed ahead that must not wait longer (see Dispatcher::revokeAheads).
    void writerRevokeAheads(const Cycle& cycle);
    // Every pollIntervalMs: if another process wrote, reloads configurations, marks counts stale, wakes claims.
    void writerPollForeignWrites(qint64 now);
    // Reads the database's settings and applies them: the handlers' policy, retention of ended tasks and metrics.
    void writerLoadSettings();
    // Decides which writes are due this cycle (maintenance, lease renewal, claims, give-backs).
    void writerFindDue(Cycle& cycle);
    // Opens the cycle's transaction (refused on a read-only database).
    bool writerBegin(Cycle& cycle);
    // Inside the cycle's transaction: each command in its savepoint (or by itself), its outcome kept for its caller.
    void writerRunCommands(Cycle& cycle);
    // Inside the cycle's transaction: workers' results and starts; one that must wait keeps its worker's later ones.
    void writerRecordReports(Cycle& cycle);
    // Inside the cycle's transaction: returns revoked tasks claimed ahead to their queues.
    void writerGiveBack(Cycle& cycle);
    // Inside the cycle's transaction: stages due scheduled tasks, recovers expired leases, deletes a batch of ended
    // tasks past their retention.
    void writerMaintain(Cycle& cycle);
    // Inside the cycle's transaction: renews our leases; collects cancel requests made by other processes.
    void writerRenewLeases(Cycle& cycle);
    // Inside the cycle's transaction: this process's heartbeat row, when due (see Heartbeat).
    void writerBeat(Cycle& cycle);
    // Inside the cycle's transaction: claims for the workers free once it commits, and ahead for short runs.
    void writerClaim(Cycle& cycle);
    // Commits the cycle's transaction; tells the command queue how long that took (its group commit wait).
    void writerCommit(Cycle& cycle);
    // After a cycle with writes: sets or clears the back-off of m_writeRetryAt.
    void writerNoteCommitOutcome(const Cycle& cycle);
    // After a commit: applies the transitions to the live counts and announces them (tasksChanged); learns the
    // configuration of a queue the cycle created and the next scheduled run time.
    void writerPublish(const Cycle& cycle);
    // After a failed cycle: nothing of it counts; claims are dropped, reports wait to be recorded again, the error
    // is reported once.
    void writerKeepForRetry(Cycle& cycle);
    // Answers every command's caller: its outcome if committed, else the cycle's failure.
    void writerAnswerCallers(Cycle& cycle);
    // After the commit: forgets the tasks given back, frees finished workers, promotes started tasks ahead.
    void writerSettleReports(Cycle& cycle);
    // After the commit: the claimed tasks go to their workers; cancel requests reach their handlers.
    void writerHandOut(const Cycle& cycle);
    // Asks handlers past their task's timeout to stop; recounts if stale; samples metrics if due.
    void writerFinishCycle(qint64 now, bool idle); // idle: the cycle wrote nothing

    // Inside the cycle's transaction: one worker report (a result, the start of a task claimed ahead, or both);
    // aheadPosition: which of the worker's tasks ahead it started (how many of its starts this cycle recorded before);
    // resultOfStart: the later report of this cycle with that task's success, which then writes the start.
    Status writerRecordReport(const Completion& report, std::size_t aheadPosition, Completion* resultOfStart);
    Status writerRecordCompletion(const Completion& completion);
    qint64 writerNextWake(qint64 now) const;
    void reportError(const Error& error);
    void onCompletion(Completion completion); // worker threads

    QueueEngine& m_engine;
    const EngineOptions& m_options;
    const QString m_owner;
    std::thread m_writer; // std::thread: its join is visible to ThreadSanitizer
    std::thread::id m_writerId;

    CommandQueue m_queue;
    WorkerPool m_pool;
    Dispatcher m_dispatcher;
    LiveCounts m_counts;
    MetricsSampler m_sampler;
    SearchIndexer m_indexer; // writer thread only
    Heartbeat m_beat; // writer thread only
    RetentionSweeper m_retention; // writer thread only

    // Shared between threads, under m_queue's lock.
    std::deque<Completion> m_completions;
    bool m_claiming = true;
    bool m_configsDirty = false;
    bool m_foreignCommit = false; // PgChangeListener or CommitBell saw another connection commit
    bool m_revokeAheads = false; // a task claimed ahead may have to go back (cancelled, workers stopping)
    int m_desiredWorkers = 0;
    int m_busyWorkers = 0; // tasks claimed by this process whose results (or return) are not yet committed
    int m_givingBackCount = 0; // of which revoked before they started (the dispatcher gives them back)
    QSet<QString> m_readyHints;

    // Writer thread only.
    std::unique_ptr<WalCheckpointer> m_checkpointer; // declared before m_store: outlives the hook that calls it
    std::unique_ptr<TaskStore> m_store;
    std::unique_ptr<PgChangeListener> m_listener; // PostgreSQL only
    std::unique_ptr<MariaDbChangeWatcher> m_watcher; // MariaDB only
    std::unique_ptr<CommitBell> m_bell; // SQLite only: wakes and is woken by other processes' commits
    qint64 m_dataVersion = -1;
    qint64 m_nextPoll = 0;
    qint64 m_nextMaintenance = 0;
    qint64 m_nextHeartbeat = 0;
    qint64 m_nextScheduled = 0;
    qint64 m_completionRetryAt = 0;
    qint64 m_claimRetryAt = 0; // after a claim the database refused
    // After a cycle whose transaction did not commit (server down, disk full): no write of the writer's own is due
    // before then, so that a database that refuses every write is not retried in a loop. Doubles up to 2 s.
    qint64 m_writeRetryAt = 0;
    qint64 m_writeRetryDelayMs = 0;
    int m_lastClaimErrorCode = -1;
    int m_lastErrorCode = -1;
};

} // namespace qd
