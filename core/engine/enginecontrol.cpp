// EngineCore's life and controls: the writer thread's start, open, stop and close, and what other threads call.
#include "enginecore.h"

#include "enginelog.h"

#include "core/startuptrace.h"

#include <QCoreApplication>
#include <QHostInfo>
#include <QRandomGenerator>
#include <QThread>

namespace qd {

namespace {

QString ownerName(const EngineOptions& options)
{
    if (!options.ownerName.isEmpty())
        return options.ownerName;
    return QStringLiteral("%1:%2:%3")
        .arg(QHostInfo::localHostName())
        .arg(QCoreApplication::applicationPid())
        .arg(QRandomGenerator::global()->bounded(0x10000), 4, 16, QLatin1Char('0'));
}

} // namespace

EngineCore::EngineCore(QueueEngine& engine, const EngineOptions& options)
    : m_engine(engine)
    , m_options(options)
    , m_owner(ownerName(options))
    , m_pool(engine, options, m_owner, [this](Completion c) { onCompletion(std::move(c)); })
    , m_dispatcher(m_pool, options, m_owner, [this](const Error& error) { reportError(error); })
    , m_sampler(engine, options)
    , m_indexer(options.searchIndexIntervalMs)
    , m_beat(options, m_owner)
{
    m_desiredWorkers = options.store.readOnly ? 0 : options.workerCount;
}

EngineCore::~EngineCore()
{
    shutdown(m_options.shutdownGraceMs);
}

Status EngineCore::start()
{
    auto opened = std::make_shared<CommandQueue::Command>(); // only its outcome is used
    m_writer = std::thread([this, opened] { writerMain(opened); });
    m_writerId = m_writer.get_id();
    Status s = opened->wait();
    if (!s)
        m_writer.join();
    return s;
}

void EngineCore::shutdown(qint64 graceMs)
{
    if (!m_writer.joinable())
        return;
    stopWorkers(graceMs);
    m_queue.stop();
    m_writer.join();
}

Status EngineCore::execute(std::function<Status(TaskStore&)> fn, Atomicity atomicity)
{
    if (std::this_thread::get_id() == m_writerId)
        return Error {ErrorCode::Internal, QStringLiteral("A write was called from the engine's own writer thread")};
    return m_queue.submit(std::move(fn), atomicity);
}

void EngineCore::stopRunning(const QList<qint64>& taskIds, StopReason reason)
{
    // A task claimed ahead that has not started is taken back by the writer instead (see writerRevokeAheads).
    if (m_pool.stopRunning(taskIds, reason)) {
        {
            auto lock = m_queue.lock();
            m_revokeAheads = true;
        }
        m_queue.wake();
    }
}

void EngineCore::markQueueReady(const QString& queue)
{
    {
        auto lock = m_queue.lock();
        m_readyHints.insert(queue);
    }
    m_queue.wake();
}

void EngineCore::reloadQueueConfigs()
{
    {
        auto lock = m_queue.lock();
        m_configsDirty = true;
    }
    m_queue.wake();
}

void EngineCore::setWorkerCount(int count)
{
    {
        auto lock = m_queue.lock();
        m_desiredWorkers = m_options.store.readOnly ? 0 : std::max(0, count);
        if (m_desiredWorkers > 0)
            m_claiming = true;
    }
    m_queue.wake();
}

int EngineCore::workerCount() const
{
    auto lock = m_queue.lock();
    return m_desiredWorkers;
}

void EngineCore::stopWorkers(qint64 graceMs)
{
    {
        auto lock = m_queue.lock();
        if (m_queue.isStopping())
            return;
        m_claiming = false;
        m_revokeAheads = true; // tasks claimed ahead go back at once
    }
    m_queue.wake();
    const qint64 deadline = engineNowMs() + graceMs;
    // Handlers still running: busy workers minus those whose result waits to be recorded. A result waits as long as
    // the database refuses writes (full disk), so waiting for "no busy worker" could wait forever. (A result the
    // writer holds in its current cycle counts as running: that only makes us wait for the end of that cycle.)
    auto handlersRunning = [this] {
        auto lock = m_queue.lock();
        // A report that only says a task claimed ahead has started finishes nothing; a task taken back from a
        // worker before it started waits for the database like a result.
        return m_busyWorkers - m_givingBackCount
            - int(std::count_if(
                m_completions.begin(), m_completions.end(), [](const Completion& c) { return c.hasRun; }));
    };
    while (handlersRunning() > 0 && engineNowMs() < deadline)
        QThread::msleep(10);
    // Out of patience: ask the handlers to stop; their tasks are given back to the queue. Asked again until all
    // are done, because a task claimed just before the shutdown reaches its worker only after this starts.
    while (handlersRunning() > 0) {
        m_pool.stopAll(StopReason::ShuttingDown);
        QThread::msleep(10);
    }
    setWorkerCount(0);
    // The writer retires idle workers at its next cycle; wait for that. A worker whose result cannot be written
    // (the writer retries every 500 ms) is given two seconds: its task keeps its lease and comes back when the lease
    // expires, and the writer gives up on such results when it stops (see writerShouldStop).
    const qint64 resultsDeadline = engineNowMs() + 2000;
    for (;;) {
        if (!m_pool.hasWorkers())
            break;
        if (engineNowMs() >= resultsDeadline && handlersRunning() <= 0)
            break;
        m_queue.wake();
        QThread::msleep(5);
    }
}

void EngineCore::reportError(const Error& error)
{
    qCWarning(lcEngine) << error.message;
    Q_EMIT m_engine.errorOccurred(error);
}

void EngineCore::onCompletion(Completion completion)
{
    {
        auto lock = m_queue.lock();
        m_completions.push_back(std::move(completion));
    }
    m_queue.wake();
}

// ---------------------------------------------------------------------------------------------------------------
// Writer thread

void EngineCore::writerMain(const std::shared_ptr<CommandQueue::Command>& opened)
{
    if (Status s = writerOpen(); !s) {
        opened->finish(s);
        return;
    }
    opened->finish(success());
    // The counts per queue and state are a GROUP BY over every task: taken just after open() has returned, so a
    // window shows its first rows without waiting for them (counts() is empty until then).
    {
        const startuptrace::Scope trace("engine's counts");
        m_counts.recount(*m_store);
    }
    qint64 stoppingSince = 0;
    while (!writerShouldStop(stoppingSince))
        writerCycle();
    writerClose();
}

Status EngineCore::writerOpen()
{
    const startuptrace::Scope trace("engine's writerOpen");
    auto store = TaskStore::open(m_options.store);
    startuptrace::mark("engine's TaskStore::open");
    if (!store)
        return store.error();
    m_store = std::move(store).value();
    // Written before open() returns (it waits for this thread), read by any thread after.
    m_engine.m_access = m_store->accessLevel();
    if (m_store->isReadOnly() && !m_options.store.readOnly) {
        // A viewer's login: the engine runs as on a database opened read-only (no workers, no heartbeat).
        m_engine.m_options.store.readOnly = true;
        auto lock = m_queue.lock();
        m_desiredWorkers = 0;
    }
    if (!m_store->isReadOnly() && !m_store->isPostgres()) {
        // 1,000 frames: SQLite's own default threshold, only moved off this thread.
        m_checkpointer = std::make_unique<WalCheckpointer>(m_options.store.path, m_options.store.busyTimeoutMs);
        if (!m_store->handOverCheckpoints(1000, *m_checkpointer))
            m_checkpointer.reset();
    }
    const auto onForeignCommit = [this] {
        {
            auto lock = m_queue.lock();
            m_foreignCommit = true;
        }
        m_queue.wake();
    };
    QString bellPath; // SQLite, and MariaDB's processes on this host: the watcher's poll is for other hosts
    if (m_store->isMariaDb()) {
        m_watcher = std::make_unique<MariaDbChangeWatcher>(
            m_options.store.path, m_store->ownChangeVersion(), onForeignCommit);
        bellPath = CommitBell::serverBellPath(*m_store->databaseUrl());
    } else if (const DatabaseUrl* url = m_store->databaseUrl()) {
        m_listener = std::make_unique<PgChangeListener>(*url, m_store->changeChannel(), onForeignCommit);
        m_listener->ignoreBackend(m_store->serverProcessId());
    } else {
        bellPath = m_store->path();
    }
    if (!bellPath.isEmpty()) {
        m_bell = std::make_unique<CommitBell>(bellPath, onForeignCommit);
        if (!m_bell->isListening())
            m_bell.reset();
    }
    const qint64 now = engineNowMs();
    if (!m_store->isReadOnly()) {
        // Tasks of a process that died while we were away go back to the queue before anyone claims.
        if (auto recovered = m_store->recoverExpiredLeases(now); !recovered) {
            m_store.reset();
            return recovered.error();
        } else if (*recovered > 0) {
            qCInfo(lcEngine) << "recovered" << *recovered << "tasks with expired leases";
        }
        m_store->takeTransitions();
    }
    m_dispatcher.reloadConfigs(*m_store);
    writerLoadSettings();
    m_sampler.start(*m_store, now);
    m_indexer.start(*m_store, now);
    if (auto v = m_store->dataVersion())
        m_dataVersion = *v;
    m_nextScheduled = m_store->nextScheduledRunAt();
    m_nextPoll = now + m_options.pollIntervalMs;
    m_nextMaintenance = now + m_options.maintenanceIntervalMs;
    m_dispatcher.markAllReady();
    return success();
}

// Stops once shutdown was asked and nothing is left to write, or, after five seconds, when only results that cannot
// be written are left.
bool EngineCore::writerShouldStop(qint64& stoppingSince)
{
    auto lock = m_queue.lock();
    if (m_queue.isStopping() && m_queue.isEmpty() && m_completions.empty() && m_busyWorkers == 0)
        return true;
    if (m_queue.isStopping() && stoppingSince == 0)
        stoppingSince = engineNowMs();
    // Results that cannot be written (a database that stays full or locked) must not hold the process hostage: their
    // tasks keep their leases and are recovered when those expire.
    if (m_queue.isStopping() && m_queue.isEmpty() && engineNowMs() - stoppingSince > 5000) {
        qCWarning(lcEngine) << "shutting down with" << m_completions.size()
                            << "unrecorded results; their tasks return to the queue when their leases expire";
        return true;
    }
    return false;
}

void EngineCore::writerClose()
{
    // The history gets what happened since the last sample (the last partial second).
    if (m_store && m_sampler.isEnabled()) {
        if (m_counts.isStale())
            m_counts.recount(*m_store);
        m_sampler.sample(*m_store, m_counts, engineNowMs());
    }
    if (m_store)
        m_beat.stop(*m_store); // a clean stop: not "lost"
    // Release every worker before the connection goes, then close it on the thread that opened it.
    m_pool.clear();
    m_listener.reset();
    m_watcher.reset();
    m_bell.reset();
    m_store.reset();
    m_checkpointer.reset();
}

} // namespace qd
