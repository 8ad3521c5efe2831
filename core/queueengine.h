#pragma once

#include "accessroles.h"
#include "auditentry.h"
#include "databasesettings.h"
#include "handlerregistry.h"
#include "result.h"
#include "storeoptions.h"
#include "task.h"
#include "taskvalidation.h"

#include <QHash>
#include <QObject>

#include <memory>
#include <mutex>

namespace qd {

class EngineCore;
class HandlerPolicy;

struct EngineOptions {
    StoreOptions store;
    int workerCount = 0; // worker threads in this process; 0: none (enqueue and administer only)
    QString ownerName; // who holds leases, shown as "which host ran what"; default "host:pid"
    qint64 leaseMs = 30'000; // a crashed process's tasks return to the queue after this
    qint64 pollIntervalMs = 250; // how often to look for work other processes wrote
    qint64 maintenanceIntervalMs = 1000; // staging of due tasks and lease recovery
    qint64 sampleIntervalMs = 1000; // live metrics; 0 turns sampling off
    bool persistMetrics = true; // keep a metrics history in the database
    // SQLite: how often the payload search index takes in new tasks while the writer is busy (see SearchIndexer);
    // 0: this engine never indexes.
    qint64 searchIndexIntervalMs = 1000;
    qint64 shutdownGraceMs = 10'000; // how long running tasks may finish on shutdown before being asked to stop
    // A worker whose queue's recent runs were short (under 5 ms) gets its next task claimed ahead, so that one
    // commit records several results; such a task goes back to the queue if it has not started after this long.
    // 0: never claim ahead.
    qint64 aheadGiveBackMs = 200;
    // Announces the process in the `processes` table ("gui", "cli"; see processrecord.h) and beats every
    // heartbeatIntervalMs while the engine runs; empty: not announced (tools, benchmarks). Never on a read-only store.
    QString processKind;
    qint64 heartbeatIntervalMs = 5000;
    std::shared_ptr<const HandlerRegistry> handlers; // default: HandlerRegistry::createDefault()
};

// The queue as one object: the public API that the GUI, the command line and the benchmarks all use.
//
// Thread contract: every method may be called from any thread. Write methods block until their change is
// committed by the engine's writer thread, which batches the commands of all threads into one transaction (group
// commit); do not call them from the GUI thread (run them from a worker, e.g. QtConcurrent::run). counts() and
// workers() answer from memory. Signals are emitted from the writer thread: connect with a context object and
// they arrive queued.
class QueueEngine : public QObject {
    Q_OBJECT
public:
    static Result<std::unique_ptr<QueueEngine>> open(EngineOptions options);
    ~QueueEngine() override; // graceful shutdown: stops claiming, lets running tasks finish, closes the database

    const EngineOptions& options() const { return m_options; }
    const HandlerRegistry& handlers() const { return *m_options.handlers; }
    // A read-only store, or a viewer's login on a server (see accessLevel()): no writes, no workers.
    bool isReadOnly() const { return m_options.store.readOnly; }
    // What this engine's login may do (TaskStore::accessLevel()), found when open() connected.
    AccessLevel accessLevel() const { return m_access; }

    // --- writes ---
    Result<EnqueueResult> enqueue(const NewTask& task);
    // One transaction for the whole batch: all are stored or none. Signatures are checked in the writer before it
    // writes (TaskStore::enqueue): with RefusedTasks::Skip a task they refuse is left out and its result says why.
    // EnqueueAudit::Record: an admin's enqueue (the window's), one audit row; programs, bridges and spools leave none.
    Result<QList<EnqueueResult>> enqueueBatch(const QList<NewTask>& tasks,
        RefusedTasks refusedTasks = RefusedTasks::RefuseBatch, EnqueueAudit audit = EnqueueAudit::Skip);
    Result<QList<EnqueueResult>> enqueueBatch(const QList<NewTask>& tasks, EnqueueAudit audit)
    {
        return enqueueBatch(tasks, RefusedTasks::RefuseBatch, audit);
    }
    // enqueueBatch for tasks the caller has checked with validateNewTask (the RabbitMQ bridge's mapper does), so
    // their payloads are not parsed again.
    Result<QList<EnqueueResult>> enqueueValidatedBatch(const QList<NewTask>& tasks,
        RefusedTasks refusedTasks = RefusedTasks::RefuseBatch, EnqueueAudit audit = EnqueueAudit::Skip);
    // For each task, why its signature check would refuse it now (TaskStore::signatureRefusals), read by the writer:
    // a spool sets aside a file whose tasks would be refused before it stores the others.
    Result<QList<std::optional<Error>>> signatureRefusals(const QList<NewTask>& tasks);
    // Each leaves one audit row; a caller that does one action in several calls (chunks of ids) passes the same
    // span to each, so they share one row (see AuditSpan).
    Result<qint64> retry(const TaskFilter& filter, AuditSpan* span = nullptr);
    Result<qint64> runNow(const TaskFilter& filter, AuditSpan* span = nullptr); // scheduled -> queued at once
    Result<qint64> cancel(const TaskFilter& filter, AuditSpan* span = nullptr);
    // In batches of its own, all of them one audit row (in `span`'s, when given).
    Result<qint64> purge(const TaskFilter& filter, AuditSpan* span = nullptr);
    // An empty queue name pauses or resumes every queue.
    Status setPaused(const QString& queue, bool paused);
    Status setConcurrency(const QString& queue, int concurrency);
    Status setQueueConfig(const QueueConfig& config);
    // Sets a database setting, or removes it (value unset) so that it reads as its default, through
    // TaskStore::setSetting; applied by this engine at once, by other processes when they see the change.
    Status setSetting(const QString& key, const std::optional<QJsonValue>& value);
    // Runs fn on the writer thread inside a write transaction (for tools and tests that need raw access).
    Status runInWriter(const std::function<Status(class TaskStore&)>& fn);

    // --- reads from memory ---
    // Counted by the writer just after open() returns (empty until then), then kept up to date.
    QHash<QString, StateCounts> counts() const;
    QList<QueueConfig> queueConfigs() const;
    QList<WorkerStatus> workers() const;
    StatsSample lastSample() const;
    // The database's settings as this engine last read them: at open, after its own setSetting(), and within a poll
    // interval of another process's change. The command and notify handlers of handlers() follow them (unless the
    // program built them with settings of its own), and the writer's retention does.
    DatabaseSettings databaseSettings() const;
    // The name this process's leases carry ("host:pid:tag"), also its row's id in `processes`.
    QString ownerName() const;

    // --- workers ---
    // Changes the number of worker threads while running; surplus workers exit after their current task.
    void setWorkerCount(int count);
    int workerCount() const;
    // Stop claiming, wait up to graceMs for running tasks, then ask them to stop and give them back.
    void stopWorkers(qint64 graceMs);

Q_SIGNALS:
    void tasksChanged(const QList<qd::TaskChange>& changes);
    void statsSampled(const qd::StatsSample& sample);
    // A worker started, finished, came or went: workers() has the new statuses. Emitted once, then not again until
    // workers() was called, so a view that reads the statuses when it repaints gets one queued event per repaint,
    // not one per task start and finish (which, with fast tasks, would flood the GUI thread with queued events).
    void workersChanged();
    void taskProgress(qint64 taskId, double fraction, const QString& message);
    // databaseSettings() changed (emitted from the writer thread, or from the thread that called setSetting()).
    void databaseSettingsChanged();
    // A failure in the background (a disk that filled up while workers ran, a lost database...).
    void errorOccurred(const qd::Error& error);

private:
    explicit QueueEngine(EngineOptions options);
    // Any thread: takes `settings` as the database's, hands them to the handlers' policy; emits
    // databaseSettingsChanged() when they differ from the last ones.
    void applyDatabaseSettings(const DatabaseSettings& settings);

    EngineOptions m_options;
    AccessLevel m_access = AccessLevel::Admin; // set by the writer before open() returns
    std::shared_ptr<HandlerPolicy> m_policy;
    mutable std::mutex m_settingsMutex;
    DatabaseSettings m_settings; // under m_settingsMutex
    std::unique_ptr<EngineCore> m_core;
    friend class EngineCore;
};

} // namespace qd

Q_DECLARE_METATYPE(qd::Error)
