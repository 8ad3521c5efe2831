#include "queueengine.h"

#include "databaseurl.h"
#include "diskreserve.h"
#include "taskstore.h"

#include "engine/enginecore.h"
#include "handlers/handlerpolicy.h"

#include <QDateTime>

namespace qd {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

QueueEngine::QueueEngine(EngineOptions options)
    : m_options(std::move(options))
    , m_policy(std::make_shared<HandlerPolicy>())
{
    // The engine's own registry: the built-in command and notify handlers follow this database's settings.
    m_options.handlers = bindToHandlerPolicy(m_options.handlers, m_policy);
}

QueueEngine::~QueueEngine()
{
    if (m_core)
        m_core->shutdown(m_options.shutdownGraceMs);
}

Result<std::unique_ptr<QueueEngine>> QueueEngine::open(EngineOptions options)
{
    qRegisterMetaType<qd::Task>();
    qRegisterMetaType<qd::TaskEvent>();
    qRegisterMetaType<qd::StatsSample>();
    qRegisterMetaType<qd::TaskChange>();
    qRegisterMetaType<QList<qd::TaskChange>>();
    qRegisterMetaType<qd::WorkerStatus>();
    qRegisterMetaType<qd::Error>();
    if (!options.handlers)
        options.handlers = HandlerRegistry::createDefault();
    if (options.leaseMs < 100 || options.pollIntervalMs < 1 || options.maintenanceIntervalMs < 1)
        return Error {ErrorCode::InvalidArgument, QStringLiteral("Lease and poll intervals must be positive")};
    std::unique_ptr<QueueEngine> engine(new QueueEngine(std::move(options)));
    engine->m_core = std::make_unique<EngineCore>(*engine, engine->m_options);
    if (Status s = engine->m_core->start(); !s) {
        engine->m_core.reset();
        return s.error();
    }
    return engine;
}

DatabaseSettings QueueEngine::databaseSettings() const
{
    std::lock_guard lock(m_settingsMutex);
    return m_settings;
}

void QueueEngine::applyDatabaseSettings(const DatabaseSettings& settings)
{
    {
        std::lock_guard lock(m_settingsMutex);
        if (settings.stored == m_settings.stored)
            return;
        m_settings = settings;
        m_policy->set(settings.commandSettings(), settings.networkPolicy());
    }
    Q_EMIT databaseSettingsChanged();
}

Status QueueEngine::setSetting(const QString& key, const std::optional<QJsonValue>& value)
{
    std::optional<DatabaseSettings> after;
    Status s = m_core->execute([&](TaskStore& store) -> Status {
        if (Status set = store.setSetting(key, value, nowMs()); !set)
            return set;
        auto read = store.databaseSettings(); // inside the transaction: with the change
        if (!read)
            return read.error();
        after = *read;
        return success();
    });
    if (!s)
        return s;
    applyDatabaseSettings(*after);
    m_core->reloadQueueConfigs(); // the writer's own uses (retention) read them again
    return success();
}

Result<EnqueueResult> QueueEngine::enqueue(const NewTask& task)
{
    auto batch = enqueueBatch({task});
    if (!batch)
        return batch.error();
    return batch->constFirst();
}

Result<QList<EnqueueResult>> QueueEngine::enqueueBatch(
    const QList<NewTask>& tasks, RefusedTasks refusedTasks, EnqueueAudit audit)
{
    // Validation runs here, on the caller's thread, so JSON parsing never holds up the writer.
    if (std::optional<Error> error = validateNewTasks(tasks, handlers()))
        return *error;
    return enqueueValidatedBatch(tasks, refusedTasks, audit);
}

Result<QList<EnqueueResult>> QueueEngine::enqueueValidatedBatch(
    const QList<NewTask>& tasks, RefusedTasks refusedTasks, EnqueueAudit audit)
{
    return m_core->call<QList<EnqueueResult>>(
        [&](TaskStore& store) { return store.enqueue(tasks, nowMs(), refusedTasks, audit); },
        EngineCore::Atomicity::ByItself);
}

Result<QList<std::optional<Error>>> QueueEngine::signatureRefusals(const QList<NewTask>& tasks)
{
    return m_core->call<QList<std::optional<Error>>>(
        [&](TaskStore& store) { return store.signatureRefusals(tasks); }, EngineCore::Atomicity::ByItself);
}

Result<qint64> QueueEngine::retry(const TaskFilter& filter, AuditSpan* span)
{
    return m_core->call<qint64>(
        [&](TaskStore& store) { return store.retry(filter, nowMs(), span); }, EngineCore::Atomicity::ByItself);
}

Result<qint64> QueueEngine::runNow(const TaskFilter& filter, AuditSpan* span)
{
    return m_core->call<qint64>(
        [&](TaskStore& store) { return store.runNow(filter, nowMs(), span); }, EngineCore::Atomicity::ByItself);
}

Result<qint64> QueueEngine::cancel(const TaskFilter& filter, AuditSpan* span)
{
    QList<qint64> running;
    auto result = m_core->call<qint64>(
        [&](TaskStore& store) {
            running.clear();
            return store.cancel(filter, nowMs(), &running, span);
        },
        EngineCore::Atomicity::ByItself);
    if (result)
        m_core->stopRunning(running, StopReason::CancelledByUser);
    return result;
}

Result<qint64> QueueEngine::purge(const TaskFilter& filter, AuditSpan* span)
{
    AuditSpan ownSpan;
    AuditSpan* const audit = span ? span : &ownSpan;
    // In batches, each its own commit: a purge must not need a WAL (and disk) as large as what it deletes, nor hold
    // the writer for long, since a full disk is what it is often run to relieve. On a full disk the reserve kept
    // beside the database is given back for it (see diskreserve.h).
    constexpr qint64 batch = 2000;
    const QString& path = m_options.store.path;
    const bool sqlite = !isServerUrl(path);
    bool reserveGivenBack = false;
    qint64 total = 0;
    for (;;) {
        auto purged = m_core->call<qint64>(
            [&](TaskStore& store) { return store.purge(filter, batch, audit); }, EngineCore::Atomicity::ByItself);
        if (!purged && purged.error().code == ErrorCode::DatabaseFull && sqlite && !reserveGivenBack) {
            reserveGivenBack = true;
            if (diskreserve::release(path))
                continue;
        }
        if (!purged) {
            if (total == 0)
                return purged.error();
            return Error {purged.error().code,
                QStringLiteral("%1 task(s) were purged, then: %2").arg(total).arg(purged.errorString())};
        }
        total += *purged;
        if (*purged < batch)
            break;
    }
    if (sqlite && total > 0)
        static_cast<void>(m_core->execute([](TaskStore& store) {
            store.requestWalTruncation();
            return success();
        }));
    if (reserveGivenBack)
        diskreserve::ensure(path);
    return total;
}

Status QueueEngine::setPaused(const QString& queue, bool paused)
{
    if (!queue.isEmpty()) {
        if (auto error = queueNameError(queue))
            return *error;
    }
    Status s = m_core->execute(
        [&](TaskStore& store) { return store.setPaused(queue, paused, nowMs()); }, EngineCore::Atomicity::ByItself);
    if (s)
        m_core->reloadQueueConfigs();
    return s;
}

Status QueueEngine::setConcurrency(const QString& queue, int concurrency)
{
    if (auto error = queueNameError(queue))
        return *error;
    if (auto error = concurrencyError(concurrency))
        return *error;
    Status s = m_core->execute([&](TaskStore& store) { return store.setConcurrency(queue, concurrency, nowMs()); },
        EngineCore::Atomicity::ByItself);
    if (s) {
        m_core->reloadQueueConfigs();
        m_core->markQueueReady(queue);
    }
    return s;
}

Status QueueEngine::setQueueConfig(const QueueConfig& config)
{
    if (auto error = queueNameError(config.name))
        return *error;
    if (config.concurrency < 0 || config.maxAttempts < 1 || config.timeoutMs < 0 || config.retryPolicy.baseDelayMs < 0
        || config.retryPolicy.maxDelayMs < config.retryPolicy.baseDelayMs || config.retryPolicy.jitter < 0
        || config.retryPolicy.jitter > 1)
        return Error {
            ErrorCode::InvalidArgument, QStringLiteral("Invalid configuration for queue %1").arg(config.name)};
    Status s = m_core->execute(
        [&](TaskStore& store) { return store.setQueueConfig(config, nowMs()); }, EngineCore::Atomicity::ByItself);
    if (s) {
        m_core->reloadQueueConfigs();
        m_core->markQueueReady(config.name);
    }
    return s;
}

Status QueueEngine::runInWriter(const std::function<Status(TaskStore&)>& fn)
{
    return m_core->execute(fn);
}

QHash<QString, StateCounts> QueueEngine::counts() const
{
    return m_core->counts();
}

QList<QueueConfig> QueueEngine::queueConfigs() const
{
    return m_core->queueConfigs();
}

QList<WorkerStatus> QueueEngine::workers() const
{
    return m_core->workers();
}

QString QueueEngine::ownerName() const
{
    return m_core->owner();
}

StatsSample QueueEngine::lastSample() const
{
    return m_core->lastSample();
}

void QueueEngine::setWorkerCount(int count)
{
    m_core->setWorkerCount(count);
}

int QueueEngine::workerCount() const
{
    return m_core->workerCount();
}

void QueueEngine::stopWorkers(qint64 graceMs)
{
    m_core->stopWorkers(graceMs);
}

} // namespace qd
