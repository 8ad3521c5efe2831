#pragma once

#include "accessroles.h"
#include "alertrecords.h"
#include "auditentry.h"
#include "crypto/keyring.h"
#include "crypto/tasksignature.h"
#include "databasesettings.h"
#include "failures/failurecluster.h"
#include "processrecord.h"
#include "result.h"
#include "source.h"
#include "sourcerunstate.h"
#include "storeoptions.h"
#include "task.h"

#include <QHash>
#include <QSqlDatabase>
#include <QVariant>

#include <atomic>
#include <functional>
#include <memory>
#include <unordered_map>
#include <utility>

class QSqlQuery;
struct sqlite3;

namespace qd {

class SqliteStatement;
class StoreStatement;
class WalCheckpointer;
struct SqlDialect;
struct DatabaseUrl;
namespace storeimpl {
class StoreEncryption;
}

// Encryption at rest as a database has it (schema 5; keys of one queue, schema 14; see core/crypto/ and
// store/storeencryption.h), for one scope: the database's own keys, or one queue's.
struct EncryptionStatus {
    QString queue; // the scope: empty for the database's own keys (every queue without keys of its own)
    QStringList encryptedQueues; // the queues with keys of their own, sorted
    QStringList keyIds; // every key of the scope, oldest first; empty: the scope is not encrypted
    QStringList retiredKeyIds; // no value is sealed with these any more
    QString sealingKeyId; // the key new values are sealed with
    bool keyLoaded = false; // this process holds the sealing key
    bool keyInKeyring = false; // ... and found it in the desktop keyring, not the key file
    QString keyFile; // the key file this process read
    QString keyringError; // why the desktop keyring could not be asked for a key the file lacks
    QHash<QString, qint64> payloadsByKey; // the scope's tasks (a queue's, or all) per key id that sealed the
                                          // payload; "" counts plain payloads
};

// How far a pass of TaskStore::resealTasks() got.
struct ResealProgress {
    qint64 lastId = 0; // the next pass goes on after this id
    qint64 resealed = 0; // rows written with the sealing key
    bool done = false; // no rows after lastId
};

// A transition recorded by a write, used to keep live counts exact without re-counting the table.
struct StateTransition {
    qint64 id = 0;
    QString queue;
    std::optional<TaskState> from; // unset: the task was created
    std::optional<TaskState> to; // unset: the task was deleted
};

// Aggregated task events since some event id: what the metrics sampler needs, cluster-wide.
struct EventActivity {
    qint64 lastEventId = 0;
    QHash<QString, qint64> enqueued, completed, failed; // per queue
    QHash<QString, QList<qint64>> waitTimesMs; // per queue, from "started" events
    QHash<QString, QList<qint64>> runTimesMs; // per queue, from "succeeded" and final "failed" events
    struct TypeActivity {
        qint64 completed = 0, failed = 0;
        QList<qint64> runTimesMs;
    };
    QHash<QString, TypeActivity> types; // per task type, only types with an attempt that ended
};

// How a queue was served over a time window, from its task events (the capacity forecast's measured inputs).
struct ServiceStats {
    qint64 enqueued = 0; // tasks enqueued in the window
    qint64 runs = 0; // attempts that ended in the window with a run time (succeeded, failed, cancelled while running)
    double meanRunMs = 0; // their mean run time
    qint64 starts = 0; // attempts started in the window
    double meanWaitMs = 0; // their mean wait, from enqueue (or becoming due) to start
    int workers = 0; // distinct workers that started tasks in the window
    qint64 attemptsEnded = 0; // attempts that succeeded or failed (retried or not) in the window
    qint64 attemptsFailed = 0; // of those, the failed ones
    qint64 lastEndAt = 0; // when an attempt last ended in the window (cancelled ones too); 0: none did
};

// Attempts that ended (TaskStore::endedAttempts), and of those the failed ones.
struct AttemptCounts {
    qint64 ended = 0;
    qint64 failed = 0;
};

// The SQL layer: every statement QueueDesk runs against its database. Thread contract: a TaskStore and its
// connection belong to the thread that opened it; open one per thread (WAL lets readers run beside the writer).
// Every write method is atomic. One of several statements runs them through atomically(): in a transaction of its
// own when none is open (SqlDialect::beginWrite), else in a savepoint, or without one as Undo::Transaction says. The
// others (ensureQueue, recordStart, setMetricsCursor; claim on PostgreSQL) are a single statement. Writes record
// their state transitions (see takeTransitions()).
class TaskStore {
public:
    static Result<std::unique_ptr<TaskStore>> open(const StoreOptions& options);
    ~TaskStore();
    TaskStore(const TaskStore&) = delete;
    TaskStore& operator=(const TaskStore&) = delete;

    const QString& path() const { return m_options.path; } // the file path or database URL it was opened with
    bool isReadOnly() const { return m_options.readOnly; }
    bool isPostgres() const;
    bool isMariaDb() const;
    // A server only: where it is; PostgreSQL only: the channel its commits notify, and its connection's server
    // process.
    const DatabaseUrl* databaseUrl() const { return m_url.get(); }
    QString changeChannel() const;
    int serverProcessId() const;
    // MariaDB: the change counter's value after this connection's last commit (see TaskStore::commit()), shared with
    // the MariaDbChangeWatcher that must not wake its own writer for it. Null on other engines.
    std::shared_ptr<std::atomic<qint64>> ownChangeVersion() const { return m_ownChangeVersion; }
    static int schemaVersion();
    // The schema the database has: schemaVersion(), unless a read-only store opened one an older QueueDesk left (it
    // cannot migrate it). Reads leave out what that schema lacks (see the *SchemaVersion constants of sqldialect.h).
    int databaseSchemaVersion() const { return m_databaseVersion; }

    // --- transactions (the engine's writer groups many commands into one) ---
    Status begin();
    Status commit();
    void rollback();
    bool inTransaction() const { return m_txDepth > 0; }
    // How atomically() undoes fn when fn fails inside an open transaction.
    enum class Undo {
        // A savepoint: the rest of the transaction stands.
        Savepoint,
        // On SQLite, no savepoint: a failure before fn's first write leaves the transaction as it was; a failure
        // after it rolls back the whole transaction (inTransaction() turns false), as SQLite does by itself for
        // most such errors. For writes whose later statements fail only when the database does (full, I/O error,
        // corrupt): a savepoint copies every page the write touches into a sub-journal, a large part of the cost of
        // an enqueue or a completion. On a server (two round trips saved per write), a failure that is not NotFound
        // rolls back the whole transaction: fn must report NotFound only before its first write (a fence).
        Transaction,
    };
    // Runs fn atomically: inside a transaction as `undo` says, else in a transaction of its own.
    Status atomically(Undo undo, const std::function<Status()>& fn);
    Status atomically(const std::function<Status()>& fn) { return atomically(Undo::Savepoint, fn); }

    // --- tasks (writes) ---
    // Tasks must already be validated (see validateNewTask). Existing idempotency keys return the stored task.
    // Signatures are checked first (signatureRefusals): a refused task is never written; RefuseBatch fails the whole
    // batch with its reason, Skip stores the others and gives it an EnqueueResult with `refused` set.
    // EnqueueAudit::Record: an admin's enqueue, one audit row for the call (count: the tasks it created).
    Result<QList<EnqueueResult>> enqueue(const QList<NewTask>& tasks, qint64 now,
        RefusedTasks refusedTasks = RefusedTasks::RefuseBatch, EnqueueAudit audit = EnqueueAudit::Skip);
    Result<QList<EnqueueResult>> enqueue(const QList<NewTask>& tasks, qint64 now, EnqueueAudit audit)
    {
        return enqueue(tasks, now, RefusedTasks::RefuseBatch, audit);
    }
    // Claims up to `limit` ready tasks of `queue` for `owner`, counting an attempt each; ordered for dispatch.
    // `ahead`: claimed for a worker that is still busy (EngineCore's prefetch). Such a claim records its transition
    // to running at once but neither a "started" event nor started_at: recordAheadStart() writes them when the
    // handler starts, and giveBack() undoes the claim if it never does.
    Result<QList<Task>> claim(
        const QString& queue, int limit, const QString& owner, qint64 leaseMs, qint64 now, bool ahead = false);
    // Records the "started" event of a claimed task with the worker that runs it.
    Status recordStart(const Task& task, const QString& worker, qint64 now);
    // A task claimed ahead began to run at `at`: sets started_at and writes its "started" event (fenced like
    // complete(); NotFound when the lease was lost).
    Status recordAheadStart(const Task& task, const QString& owner, const QString& worker, qint64 at);
    // A task claimed ahead whose handler never started goes back: queued with its attempt refunded, its place in
    // the queue (run_at) and its history unchanged, as if it had never been claimed; or cancelled, when an admin
    // asked to cancel it meanwhile. Returns the new state (fenced like complete()).
    Result<TaskState> giveBack(qint64 id, int attempt, const QString& owner, qint64 now);
    // A running task's queue and started_at, as its row holds them.
    struct LeasedTask {
        QString queue;
        qint64 startedAt = 0;
    };
    // The start of a task claimed ahead, recorded by complete() with its result when both are written at once.
    struct AheadStartRecord {
        qint64 at = 0;
        qint64 waitMs = 0; // from run_at to the start
    };
    // The fencing token is (attempt, owner): a stale worker whose task was re-delivered changes nothing and gets
    // NotFound. `known`: the caller's copy of the row's queue and started_at, so that SQLite need not read them.
    // `start`: one UPDATE also writes started_at, and the "started" event goes before the "succeeded" one (what
    // recordAheadStart() would have written, one statement fewer).
    Status complete(qint64 id, int attempt, const QString& owner, const QString& worker, const QByteArray& result,
        qint64 now, const LeasedTask* known = nullptr, const AheadStartRecord* start = nullptr);
    // Transient failures are retried with backoff while attempts remain. Returns the task's new state.
    Result<TaskState> fail(qint64 id, int attempt, const QString& owner, const QString& worker, const QString& error,
        bool permanent, std::optional<qint64> retryAfterMs, qint64 now);
    // A running task whose handler stopped because an admin cancelled it.
    Status finishCancelled(qint64 id, int attempt, const QString& owner, const QString& worker, qint64 now);
    // A running task given back unfinished (graceful shutdown): queued again, its attempt refunded.
    Status release(qint64 id, int attempt, const QString& owner, const QString& worker, qint64 now);

    // The admin actions on tasks below each write one audit row in their transaction (with the filter and how many
    // tasks they changed), or add their count to `span`'s row when it has one (an action done in parts).
    // Failed or cancelled tasks back to queued with a fresh attempt budget. Returns how many.
    Result<qint64> retry(const TaskFilter& filter, qint64 now, AuditSpan* span = nullptr);
    // Scheduled tasks (delayed, or waiting for a retry) made ready at once, their attempts as they are. Returns how
    // many.
    Result<qint64> runNow(const TaskFilter& filter, qint64 now, AuditSpan* span = nullptr);
    // Queued and scheduled tasks are cancelled at once; running ones get a cancellation request.
    // Returns how many were cancelled or flagged; `flaggedRunning` receives the ids of running ones.
    Result<qint64> cancel(
        const TaskFilter& filter, qint64 now, QList<qint64>* flaggedRunning = nullptr, AuditSpan* span = nullptr);
    // Deletes tasks (and their history), at most `limit` of them (lowest ids first) when it is positive. Running
    // tasks are never purged, nor is the audit log. Returns how many.
    Result<qint64> purge(const TaskFilter& filter, qint64 limit = 0, AuditSpan* span = nullptr);
    // SQLite: adds the payloads of up to `limit` tasks after the search index's cursor to the index, in a
    // transaction of its own (or the caller's), and moves the cursor past them. Returns how many tasks it passed
    // (0: the index is complete; always 0 where there is no index). Searches read the tasks after the cursor by LIKE.
    Result<qint64> indexSearchBatch(int limit);
    // Whether searches use the payload index (SQLite at schema 9 and StoreOptions::useSearchIndex).
    bool hasSearchIndex() const { return m_searchIndexed; }

    // Scheduled tasks whose time has come become queued.
    Result<qint64> stageDueTasks(qint64 now);
    // Running tasks whose lease expired (their process died) go back to the queue, or fail when out of attempts.
    Result<qint64> recoverExpiredLeases(qint64 now);
    // Extends the leases of every task `owner` runs; returns the ids among them an admin asked to cancel.
    Result<QList<qint64>> renewLeases(const QString& owner, qint64 leaseMs, qint64 now);
    qint64 nextScheduledRunAt(); // 0 when none

    // --- queues (setQueueConfig, setPaused and setConcurrency each write an audit row) ---
    Result<QList<QueueConfig>> queues();
    Status ensureQueue(const QString& name, qint64 now);
    Status setQueueConfig(const QueueConfig& config, qint64 now);
    // An empty name pauses or resumes every queue.
    Status setPaused(const QString& queue, bool paused, qint64 now);
    Status setConcurrency(const QString& queue, int concurrency, qint64 now);

    // --- reads ---
    // The counts kept in task_counts (see writeCountDeltas()): a read of a few rows whatever the number of tasks.
    // A read-only store of a database older than those counts counts the tasks instead.
    Result<QHash<QString, StateCounts>> countByQueueAndState();
    // The same by counting every task (a GROUP BY over all of them): slow on a large database; the check of the kept
    // counts.
    Result<QHash<QString, StateCounts>> recountByQueueAndState();
    // The tasks a filter matches; from the kept counts when it filters on queues and states alone.
    Result<qint64> countTasks(const TaskFilter& filter);
    Result<QList<Task>> listTasks(const TaskQuery& query);
    Result<Task> task(qint64 id);
    Result<TaskWithEvents> taskWithEvents(qint64 id);
    // Streams rows to fn in id order without loading them all; fn returns false to stop early.
    Status forEachTask(const TaskFilter& filter, const std::function<bool(const Task&)>& fn);
    Status forEachEvent(
        qint64 from, qint64 to, const QStringList& queues, const std::function<bool(const TaskEvent&)>& fn);
    // How many events forEachEvent would read (an export's total).
    Result<qint64> countEvents(qint64 from, qint64 to, const QStringList& queues);
    Result<QStringList> distinctTypes();
    Result<EventActivity> eventActivitySince(qint64 afterEventId);
    Result<qint64> lastEventId();
    // Failed attempts grouped by error signature, newest cluster (last seen) first; sealed errors are opened with
    // this process's key, or grouped as "encrypted" (see core/failures/failurecluster.h and store/failureclusters.cpp).
    Result<QList<FailureCluster>> failureClusters(const FailureClusterQuery& query);
    // Changes when another connection commits (SQLite: PRAGMA data_version; PostgreSQL: the notifications that
    // other connections' commits send, read without waiting).
    Result<qint64> dataVersion();

    // --- metrics history ---
    // The id of the last task event counted into the history, one for every process that samples this database:
    // each adds what happened since and moves it on, in one transaction, so no event is missed or counted twice.
    // On PostgreSQL the row stays locked until the transaction ends: read it inside one.
    Result<qint64> metricsCursor();
    Status setMetricsCursor(qint64 lastEventId);
    // Upserts: a row of the same second and queue gets the new counts and the rates added.
    Status insertSamples(const QList<QueueSample>& samples);
    // Folds per-second rows of [from, to) into per-minute rows and prunes rows past their retention: an hour for
    // per-second rows, minuteRetentionMs for per-minute ones (0: kept forever; see retention.metricsDays).
    Status downsampleAndPrune(qint64 minuteStart, qint64 now, qint64 minuteRetentionMs = 30LL * 24 * 3600'000);
    Result<QList<QueueSample>> samples(const QString& queue, int resolutionSeconds, qint64 from, qint64 to);
    // Per queue over [from, to), read from the task events by time; the entry of the empty name is every queue
    // together (a worker serving two queues counts once there).
    Result<QHash<QString, ServiceStats>> serviceStats(qint64 from, qint64 to);
    // The p-th percentile (0..1) of the waits of the last 20,000 starts in [from, to) of `queue` (empty: every
    // queue), in ms; nothing when none started.
    Result<std::optional<qint64>> waitPercentile(const QString& queue, qint64 from, qint64 to, double p);
    // Per queue, when its oldest queued task became due (run_at); the empty name: of every queue. A few index seeks
    // per queue (one per priority present).
    Result<QHash<QString, qint64>> oldestQueuedRunAt();
    // The attempts that ended (succeeded, or failed whether retried or not) in each [from, to) of `windows`, and how
    // many of them failed: one pass over the events of the windows' whole span.
    Result<QList<AttemptCounts>> endedAttempts(const QList<std::pair<qint64, qint64>>& windows);

    // Transitions recorded since the last call, dropped when a transaction or savepoint rolls back.
    QList<StateTransition> takeTransitions();
    // Turns SQLite's automatic checkpoints off for this connection and hands them to `checkpointer`, which must
    // outlive this store. A commit that leaves walFrames frames or more in the WAL asks for a pass; at four times
    // that it finishes the checkpoint itself (the WAL starts over only once a checkpoint has copied all of it between
    // two commits, which a thread of its own rarely manages while commits keep coming).
    // How often passes run depends on the durability, because of where their two flushes (the WAL, then the
    // database file) land:
    // - Normal: a commit does not flush, so the passes' flushes cost the writer nothing. A pass after every commit
    //   keeps the copying close behind the writer, and what is left for the writer to copy at four times walFrames
    //   is short. (Finishing at each idle moment, as below, would put two flushes on the commit path.)
    // - Full: every commit waits for a flush of the WAL, and a pass per commit would double the flushes the disk has
    //   to make. One pass per walFrames of growth, and the writer copies the rest at its next idle moment
    //   (checkpointDue, finishCheckpoint).
    // False if the database is not SQLite.
    bool handOverCheckpoints(int walFrames, WalCheckpointer& checkpointer);
    // True when the checkpointer's pass has copied most of a long WAL: finishCheckpoint() would copy the rest, and
    // the WAL would start over at the next commit.
    bool checkpointDue() const;
    // The writer's part of a checkpoint: copies what the checkpointer's pass left, on this connection.
    void finishCheckpoint();
    // Makes the next finishCheckpoint() (at the writer's next idle moment) copy the whole WAL and cut it back to
    // nothing, giving its disk space back (after a purge). SQLite with a checkpointer only.
    void requestWalTruncation();
    // The same, without taking them: what the open transaction has changed so far.
    const QList<StateTransition>& pendingTransitions() const { return m_transitions; }

    // --- sources (schema 3; see source.h; adds, pauses, resumes and removals are audited) ---
    // Every source, or those of one kind, by name.
    Result<QList<SourceRecord>> sources(const QString& kind = {});
    // InvalidArgument when the name is taken.
    Status addSource(const SourceRecord& source, qint64 now);
    // NotFound when there is no such source.
    Status removeSource(const QString& name);
    Status setSourcePaused(const QString& name, bool paused);
    // The tasks whose idempotency key starts with `keyPrefix` (a source's, see sourcekeys.h), as of `nowMs`. On
    // SQLite the prefix is a range of the idempotency index, so the cost grows with that source's tasks in the table.
    Result<SourceTaskStats> sourceTaskStats(const QString& keyPrefix, qint64 nowMs);
    // How many of those tasks were created in each `bucketMs` of [fromMs, toMs): (bucket start, count), ascending,
    // buckets without a task left out. For the panel's chart of a source's ingest rate.
    Result<QList<std::pair<qint64, qint64>>> sourceTasksCreated(
        const QString& keyPrefix, qint64 fromMs, qint64 toMs, qint64 bucketMs);
    // --- events out (schema 7; see outboxstore.cpp) ---
    // The ended tasks' events after `afterEventId`, reading at most `limit` events of any kind, in id order; stops
    // at an id that may still commit (EventIdWalk).
    Result<TerminalEventBatch> terminalEventsSince(qint64 afterEventId, int limit);
    // How many ended tasks' events follow `afterEventId` (what a relay at that cursor has still to publish), counted
    // up to `cap`: a result of `cap` means at least that many.
    Result<qint64> terminalEventCountAfter(qint64 afterEventId, qint64 cap);
    // A source's cursor in task_events; nothing when it has none.
    Result<std::optional<qint64>> sourceCursor(const QString& source);
    // Sets it, or moves it forward only (forwardOnly: another relay process may have moved it further).
    Status setSourceCursor(const QString& source, qint64 lastEventId, bool forwardOnly);
    // When an event was recorded (its `at`); nothing when there is no such event (never written, or purged).
    Result<std::optional<qint64>> eventTime(qint64 eventId);
    // The tasks holding these idempotency keys (those that exist), in no particular order.
    Result<QList<Task>> tasksWithIdempotencyKeys(const QStringList& keys);

    // --- alert rules (schema 4; see alertrecords.h and core/monitoring; adds, changes and removals are audited) ---
    Result<QList<AlertRuleRecord>> alertRules();
    // The new rule's id.
    Result<qint64> addAlertRule(const QByteArray& definition, qint64 now);
    // NotFound when there is no such rule.
    Status updateAlertRule(qint64 id, const QByteArray& definition, qint64 now);
    Status removeAlertRule(qint64 id);
    // The monitor's lease: one process at a time evaluates the rules, across processes and hosts. Takes or renews
    // the lease for `owner` until now + leaseMs when it is free, expired or already `owner`'s, and returns the rule
    // states the last holder saved; nothing when another process holds it.
    Result<std::optional<QByteArray>> takeAlertMonitor(const QString& owner, qint64 now, qint64 leaseMs);
    // Saves the rule states and appends the firings and resolutions of one evaluation, in one transaction, only
    // while `owner` holds the lease (WrongState otherwise: another process took over, and nothing is written).
    Status saveAlertEvaluation(
        const QString& owner, const QByteArray& states, const QList<AlertHistoryRecord>& changes);
    // Appends history rows without the lease: what became of alert commands that ended after their evaluation
    // (their outcome belongs to the history whichever process evaluates now).
    Status recordAlertHistory(const QList<AlertHistoryRecord>& records);
    // Gives the lease up (a monitor that stops cleanly), so another process takes over at once.
    Status releaseAlertMonitor(const QString& owner);
    // Firings, resolutions and command outcomes with at >= from, newest first, at most `limit`.
    Result<QList<AlertHistoryRecord>> alertHistory(qint64 from, int limit);
    // The monitor's row as it stands, without taking the lease: for a window that shows the rule states whichever
    // process evaluates them.
    Result<AlertMonitorRecord> alertMonitorRecord();

    // --- processes (schema 6; see processrecord.h) ---
    // Records that `process` is alive at `now` (its row created, or last_seen, beat_ms, workers and queues updated),
    // and prunes the rows last seen before pruneBefore.
    Status beatProcess(const ProcessRecord& process, qint64 now, qint64 pruneBefore);
    // A clean stop: the process's row goes.
    Status removeProcess(const QString& id);
    // An admin forgets a lost process: its row goes only if it has not beaten since `lastSeen` (the beat the admin
    // saw); false when it beat again (it is alive) or is already gone. Its running tasks are left to lease recovery.
    // A forgotten process is audited; one kept is not.
    Result<bool> forgetProcess(const QString& id, qint64 lastSeen);
    // Every heartbeat row, each with the running tasks whose lease it holds, then a row (announced false) for each
    // other lease owner of running tasks.
    Result<QList<ProcessRecord>> processes();

    // --- source states (schema 10; see sourcerunstate.h) ---
    // Records what a process's source is doing (the row of that source and process, created or replaced).
    Status setSourceRunState(const SourceRunState& state);
    // Every row, each with its process's heartbeat (last seen, beat interval; 0 without a heartbeat row). Rows go
    // with their process's row (removeProcess) and are pruned by beatProcess once their process has none.
    Result<QList<SourceRunState>> sourceRunStates();

    // --- the database's settings (schema 11; see databasesettings.h and store/settingsstore.cpp) ---
    // The table's rows as they are, (name, JSON text) by name; none on a read-only store of an older database.
    Result<QList<std::pair<QString, QString>>> settingRows();
    // The rows resolved (unknown keys and bad values read as defaults).
    Result<DatabaseSettings> databaseSettings();
    // Sets `key` to `value` (checked by checkedSettingValue, stored in its checked form), or removes its row when
    // `value` is unset, so that it reads as its default. InvalidArgument for an unknown key or a bad value,
    // ReadOnly on a read-only store; nothing is written then.
    Status setSetting(const QString& key, const std::optional<QJsonValue>& value, qint64 now);
    // Ended tasks (succeeded, failed, cancelled) of `state` after id `afterId`: reads at most `scanLimit` of them in
    // id order and deletes, with their history, those that ended before `finishedBefore` (see RetentionSweeper).
    struct RetentionBatch {
        qint64 lastId = 0; // the next batch goes on after this id
        qint64 purged = 0;
        bool reachedEnd = false; // fewer than scanLimit tasks were left after afterId
    };
    Result<RetentionBatch> purgeEndedBatch(TaskState state, qint64 afterId, int scanLimit, qint64 finishedBefore);

    // --- signed tasks (schema 12; see core/crypto/tasksignature.h and store/producerkeys.cpp) ---
    // InvalidArgument when a key of that id is there already (revoked or not).
    Status addProducerKey(const crypto::ProducerKey& key, qint64 now);
    // Every producer key, in the order they were added.
    Result<QList<crypto::ProducerKey>> producerKeys();
    // NotFound when there is no such key; a key revoked already keeps its first revocation time.
    Status revokeProducerKey(const QString& keyId, qint64 now);
    // Creates the queue when missing.
    Status setRequireSigned(const QString& queue, bool required, qint64 now);
    // The producer key that verified the task; nothing when it was stored unsigned (or there is no such task).
    Result<std::optional<crypto::ProducerKey>> taskSigner(qint64 taskId);
    // For each task, why its signature check refuses it (crypto::signatureRefusal), or nothing: each queue's flag and
    // each named key are read once.
    Result<QList<std::optional<Error>>> signatureRefusals(const QList<NewTask>& tasks);

    // --- encryption at rest (schema 5; addEncryptionKey and retireOtherKeys are audited) ---
    // True when the database is encrypted: payload, result and error are sealed on write and opened on read here;
    // without the key they read as "encrypted" (Task::sealed) and writes of them fail, writing nothing.
    bool isEncrypted() const { return m_encryption != nullptr; }
    Result<EncryptionStatus> encryptionStatus(const QString& queue = {});
    // Names `key` in the database, its check value with it, as the key new values are sealed with (turning
    // encryption on for a database without keys). The key must be in the key file first, for other processes.
    // `queue`: the key seals only that queue's tasks (and the database's key, if any, no longer does).
    Status addEncryptionKey(const crypto::DataKey& key, qint64 now, const QString& queue = {});
    // One short transaction: up to `limit` tasks after `afterId` whose payload, result or error is plain or sealed
    // by another key are sealed with the sealing key, history details included. Workers may run meanwhile.
    // `queue`: only that queue's tasks, with its own key; empty: every queue without a key of its own.
    Result<ResealProgress> resealTasks(qint64 afterId, int limit, const QString& queue = {});
    // SQLite: copies the WAL into the database and cuts it to nothing, so the plain text that re-sealing replaced
    // is in no file (another reader may hold it back: then it is cut at a later checkpoint). PostgreSQL: nothing
    // (old row versions stay until VACUUM, and in its WAL).
    Status scrubLog();
    // Marks every key but the sealing key retired; InvalidArgument when a value sealed with one of them is left.
    Status retireOtherKeys(qint64 now, const QString& queue = {});

    // --- audit log (see auditentry.h) ---
    // Who this store records admin actions as: StoreOptions::actor, completed at open.
    const AuditActor& auditActor() const { return m_actor; }
    // Appends `entry` (one INSERT) and sets its id; an empty actor, host or client is the store's, at 0 is now, and
    // the database role is the session's. Call it inside the transaction of the action it records (a write method's
    // atomically(), or a caller's begin() ... commit()), so that both commit or neither; outside one it commits by
    // itself. For admin writes made outside this class's own (the database settings' setter).
    Status recordAudit(AuditEntry& entry);
    // Rows matching `query`, newest first.
    Result<QList<AuditEntry>> auditEntries(const AuditQuery& query);
    // Every row matching `query` in id order, streamed (query.limit is not used); fn returns false to stop.
    Status forEachAuditEntry(const AuditQuery& query, const std::function<bool(const AuditEntry&)>& fn);
    Result<qint64> countAuditEntries(const AuditQuery& query);

    // --- access by role (see accessroles.h, store/accesslevel.cpp and store/rolesstore.cpp) ---
    // What this connection may do, found once at connect; a read-only store is at most a viewer. A viewer's store
    // is read-only (isReadOnly()) even when opened to write.
    AccessLevel accessLevel() const;
    // The statements that create the three roles and grant them on this database's tables, and those that make a
    // login hold one of them (revoking the others). InvalidArgument on SQLite.
    Result<QStringList> roleInstallSql();
    Result<QStringList> roleGrantSql(const QString& login, AccessLevel level);
    // Runs statements of the two above: in one transaction on PostgreSQL, one by one on MariaDB (they may run again).
    Status runRoleStatements(const QStringList& statements);
    // The logins that hold a QueueDesk role.
    Result<QList<RoleMember>> roleMembers();

    // The raw connection for tests and benchmarks that need to look underneath.
    QSqlDatabase database() const { return m_db; }

private:
    explicit TaskStore(StoreOptions options, QString connectionName, const SqlDialect& dialect);
    static Result<std::unique_ptr<TaskStore>> openSqlite(const StoreOptions& options);
    static Result<std::unique_ptr<TaskStore>> openPostgres(const StoreOptions& options, const DatabaseUrl& url);
    Status initialise();
    Status connectPostgres();
    Status initialisePostgres();
    Status runMigrations(int fromVersion);
    // Reads the database's keys and, when it is encrypted, the key file (see StoreOptions::keyFile).
    Status loadEncryption();
    // The error of a key operation on a scope (the database, or `queue`) that has no key.
    Error notEncrypted(const QString& queue) const;
    // The queue whose key seals task `id`'s values: read only when some queue has a key of its own (`known`, the
    // caller's copy, spares the read); empty when only the database's key seals.
    Result<QString> queueToSeal(qint64 id, const LeasedTask* known);
    Status detectSearchIndex(); // sets m_searchIndexed
    Status clampSearchCursor(); // after a purge: ids above the highest left will be given again
    // An encrypted database's current sealing key, read at the start of each write transaction (keys rotate).
    Status refreshSealingKey();
    // A row of taskColumns() or eventColumns(), its sealed fields opened (see StoreEncryption::open).
    Task readTask(const StoreStatement& row) const;
    TaskEvent readEvent(const StoreStatement& row) const;
    struct SchemaState {
        int version = 0; // PRAGMA user_version
        int objects = 0; // tables, indexes... of any program
    };
    Result<SchemaState> readSchemaState();
    // A server database's schema that this version may not use: another program's tables, or a newer QueueDesk's.
    Status checkServerSchemaState(const SchemaState& state) const;
    Status enableWal();
    Result<SchemaState> readPostgresSchemaState(); // objects: tables of another program that ours would clash with
    static Result<std::unique_ptr<TaskStore>> openMariaDb(const StoreOptions& options, const DatabaseUrl& url);
    Status connectMariaDb();
    Status activateMariaDbRole(); // see store/accesslevel.cpp
    Status detectAccessLevel(); // sets m_access, at connect
    Status initialiseMariaDb();
    Result<SchemaState> readMariaDbSchemaState();
    Result<qint64> mariaDbDataVersion();
    Status bumpChangeCounter(); // MariaDB: see commit()
    // Notes a failure that means the connection is gone (MariaDB), so that reconnectIfLost() connects again.
    void noteFailure(const Error& error);
    // MariaDB: whether the client library has closed this connection after a statement found it broken (server gone
    // away, connection lost), whichever statement it was: asked of the handle, no round trip.
    bool mariaDbConnectionDropped() const;
    // An UPDATE or DELETE ... RETURNING's rows (see SqlDialect::updateReturning); `skipLocked`: rows another writer
    // holds are left for later instead of waited for (maintenance); `cached`: a statement that runs again and again
    // (not one built for a filter). Positional values first, then named ones.
    Result<QList<QVariantList>> updateReturning(const QString& sql, const QList<QVariant>& values,
        const QList<std::pair<const char*, QVariant>>& named, bool skipLocked, bool cached);
    Result<qint64> postgresDataVersion();
    void reconnectIfLost();
    // A statement prepared once per connection, on the SQLite C API or QSqlQuery (see storestatement.h).
    StoreStatement statement(const QString& sql);
    // The first column of the statement's first row, 0 when it has none.
    Result<qint64> singleInteger(const QString& sql, const char* context);
    QSqlQuery& prepared(const QString& sql);
    Status exec(const QString& sql);
    Status execPrepared(const QString& sql);
    Status execControl(const QString& sql); // BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE
    SqliteStatement& sqliteStatement(const QString& sql);
    // What an enqueue reads of a task's queue, once per queue and enqueue call (its transaction holds it still).
    struct EnqueueQueueRow {
        bool requireSigned = false;
        qint64 maxAttempts = 0;
        qint64 timeoutMs = 0;
    };
    using EnqueueQueueRows = QHash<QString, EnqueueQueueRow>;
    // The queue's row from `rows`, else read into it; nullptr when the queue does not exist (yet: not remembered).
    Result<const EnqueueQueueRow*> enqueueQueueRow(const QString& queue, EnqueueQueueRows& rows);
    // signatureRefusals() reading the queues' flags into `rows`, which the enqueue then uses for their defaults.
    Result<QList<std::optional<Error>>> signatureRefusals(const QList<NewTask>& tasks, EnqueueQueueRows& rows);
    // enqueue() of tasks whose signatures were checked: a signed one records its key.
    Result<QList<EnqueueResult>> enqueueChecked(
        const QList<NewTask>& tasks, qint64 now, EnqueueAudit audit, EnqueueQueueRows& rows);
    // The new task's id, or 0 when its queue does not exist yet.
    Result<qint64> insertTask(const NewTask& task, TaskState state, qint64 runAt, qint64 now, EnqueueQueueRows& rows);
    Status addEnqueuedEvents(const QList<EnqueueResult>& results);
    // Runs `update`, a single-row UPDATE of task `id` fenced by its lease (see SqlDialect::completeTask): the task's
    // queue and started_at when the fence held (SQLite: `known`, else read after it, or left empty unless `wanted`),
    // nothing when it did not. `action` names it in an error ("complete").
    Result<std::optional<LeasedTask>> fencedUpdate(
        StoreStatement& update, qint64 id, bool wanted, const char* action, const LeasedTask* known = nullptr);
    // fencedUpdate() of a statement binding (at, id, attempt, owner).
    Result<std::optional<LeasedTask>> fencedWrite(
        const QString& sql, qint64 at, qint64 id, int attempt, const QString& owner, bool wanted, const char* action);
    bool transactionEndedWithin() const;
    Status transactionEnded(const Status& s);
    // countTransition false: the state change was already recorded (a task claimed ahead is running from its claim).
    Status addEvent(qint64 taskId, const QString& queue, qint64 at, const QString& kind, std::optional<TaskState> from,
        TaskState to, int attempt, const QString& worker, const QString& detail, qint64 durationMs,
        bool countTransition = true);
    // The audit row of an action on the tasks of `filter`, or `count` added to span's row (see AuditSpan).
    Status recordTaskAction(const QString& action, const TaskFilter& filter, qint64 count, qint64 now, AuditSpan* span);
    // The audit row of an alert rule's change: its id, and its definition (JSON) as detail.
    Status recordRuleAudit(const QString& action, qint64 ruleId, qint64 now, const QByteArray& definition);
    // The audit row of an action on the source `name` (its kind and settings, passwords left out); NotFound when there
    // is no such source.
    Status recordSourceAudit(const QString& action, const QString& name, qint64 now);
    Result<qint64> transitionMatching(const TaskFilter& filter, TaskState from, const QString& setSql,
        const QList<QVariant>& setValues, TaskState to, const QString& eventKind, const QString& detail, qint64 now);

    StoreOptions m_options;
    AuditActor m_actor; // see auditActor()
    QString m_connectionName;
    QString m_fileKey; // this file's entry in the registry of files open in this process
    const SqlDialect& m_dialect;
    std::unique_ptr<DatabaseUrl> m_url; // a server's only
    bool m_connectionLost = false; // MariaDB: see noteFailure()
    bool m_reconnectFailed = false; // the last reconnection failed: an outage, reported once (reconnectIfLost())
    qint64 m_ownChanges = 0; // MariaDB: this connection's committed bumps of the change counter (see dataVersion())
    std::shared_ptr<std::atomic<qint64>> m_ownChangeVersion; // MariaDB: see ownChangeVersion()
    qint64 m_foreignCommits = 0; // PostgreSQL: see dataVersion()
    QString m_notifyChanges; // PostgreSQL: what commit() sends, built once at connect
    QSqlDatabase m_db;
    std::unordered_map<QString, std::unique_ptr<QSqlQuery>> m_prepared;
    std::unordered_map<const QChar*, QSqlQuery*> m_preparedLiterals; // see prepared()
    std::unique_ptr<QSqlQuery> m_control; // PostgreSQL: see execControl()
    sqlite3* m_sqlite = nullptr; // SQLite: the connection Qt opened, for sqliteStatement()
    std::unordered_map<QString, std::unique_ptr<SqliteStatement>> m_sqliteStatements;
    std::unordered_map<const QChar*, SqliteStatement*> m_sqliteLiterals; // see sqliteStatement()
    // See handOverCheckpoints().
    WalCheckpointer* m_checkpointer = nullptr;
    int m_checkpointFrames = 0;
    bool m_searchIndexed = false; // see hasSearchIndex()
    bool m_spacedCheckpoints = false; // Durability::Full
    bool m_truncateWal = false; // see requestWalTruncation()
    int m_walFrames = 0; // after the last commit
    int m_passAskedAt = 0; // WAL frames when the checkpointer was last asked for a pass, 0 once the WAL starts over
    quint64 m_pass = 0; // the pass asked for; 0 once the writer has finished it
    int m_txDepth = 0;
    AccessLevel m_access = AccessLevel::Admin; // see accessLevel()
    // Server only: until then (steady clock, ms) Undo::Transaction writes take a savepoint after all, so that a write
    // that keeps failing (a value the server refuses) fails alone instead of every transaction it is part of.
    qint64 m_savepointsUntilMs = 0;
    QList<StateTransition> m_transitions;
    // Before a commit: the transaction's transitions summed per queue and state, added to this store's rows of
    // task_counts (one upsert per queue and state touched).
    Status writeCountDeltas();
    // Whether countTasks(filter) can sum kept counts instead of counting tasks, and that sum.
    bool keptCountsAnswer(const TaskFilter& filter) const;
    Result<qint64> keptTaskCount(const TaskFilter& filter);
    // Where this transaction's transitions start in m_transitions (a caller may leave earlier ones untaken).
    qsizetype m_transitionsBefore = 0;
    // See databaseSchemaVersion(); a read-only open of an older database lowers it.
    int m_databaseVersion = schemaVersion();
    // The database has what schema `version` added (false only for a read-only store of an older database).
    bool schemaHas(int version) const { return m_databaseVersion >= version; }
    // This store's rows of task_counts: 0 on SQLite (one writer at a time); on a server a number per connection, so
    // processes committing at once seldom wait for one another's row.
    int m_countSlot = 0;
    QList<qsizetype> m_savepointMarks;
    std::unique_ptr<storeimpl::StoreEncryption> m_encryption; // null: the database is not encrypted
};

} // namespace qd
