#include "amqpservice.h"

#include "core/source.h"
#include "core/taskstore.h"

#include <QLoggingCategory>

namespace qd {

Q_LOGGING_CATEGORY(lcAmqp, "qd.amqp")

AmqpService::AmqpService(QueueEngine& engine, AmqpServiceOptions options, QObject* parent)
    : QObject(parent)
    , m_engine(engine)
    , m_options(std::move(options))
    , m_publisher(engine)
{
    qRegisterMetaType<qd::AmqpBridgeStatus>();
    qRegisterMetaType<qd::AmqpRelayStatus>();
}

AmqpService::~AmqpService()
{
    m_stop.request();
    if (m_thread.joinable())
        m_thread.join();
}

void AmqpService::start()
{
    if (!m_thread.joinable())
        m_thread = std::thread([this] { run(); });
}

QHash<QString, AmqpBridgeStatus> AmqpService::statuses() const
{
    QMutexLocker lock(&m_mutex);
    QHash<QString, AmqpBridgeStatus> result;
    for (const auto& [name, running] : m_bridges) {
        if (running.bridge)
            result.insert(name, running.bridge->status());
    }
    return result;
}

QHash<QString, AmqpRelayStatus> AmqpService::relayStatuses() const
{
    QMutexLocker lock(&m_mutex);
    QHash<QString, AmqpRelayStatus> result;
    for (const auto& [name, running] : m_bridges) {
        if (running.relay)
            result.insert(name, running.relay->status());
    }
    return result;
}

void AmqpService::error(const QString& message)
{
    qCWarning(lcAmqp).noquote() << message;
    if (m_errors.contains(message))
        return;
    m_errors.insert(message);
    Q_EMIT errorOccurred(message);
}

void AmqpService::run()
{
    std::unique_ptr<TaskStore> store;
    while (!m_stop.requested()) {
        if (!store) {
            Result<std::unique_ptr<TaskStore>> opened = TaskStore::open(m_options.store);
            if (opened.ok())
                store = std::move(opened).value();
            else
                error(QStringLiteral("AMQP bridges cannot read the database: %1").arg(opened.errorString()));
        }
        if (store)
            reload(*store);
        m_stop.waitFor(std::chrono::milliseconds(m_options.sourcesMs));
    }
    // Stop them all at once, then wait: each stores and acks what it holds.
    std::map<QString, Running> bridges;
    {
        QMutexLocker lock(&m_mutex);
        bridges.swap(m_bridges);
    }
    for (auto& [name, running] : bridges)
        running.requestStop();
    bridges.clear();
    store.reset();
}

void AmqpService::reload(TaskStore& store)
{
    const Result<QList<SourceRecord>> rows = store.sources();
    if (!rows.ok()) {
        error(QStringLiteral("Cannot read the AMQP bridges: %1").arg(rows.errorString()));
        return;
    }
    QHash<QString, const SourceRecord*> wanted;
    for (const SourceRecord& row : rows.value()) {
        if (!row.paused && (row.kind == u"amqp" || row.kind == u"amqp-out"))
            wanted.insert(row.name, &row);
    }
    // Stop what is gone, paused or changed (outside the lock: a stop waits for the bridge's last batch).
    std::vector<Running> stopping;
    {
        QMutexLocker lock(&m_mutex);
        for (auto it = m_bridges.begin(); it != m_bridges.end();) {
            const SourceRecord* row = wanted.value(it->first);
            if (row && row->config == it->second.config) {
                ++it;
                continue;
            }
            stopping.push_back(std::move(it->second));
            it = m_bridges.erase(it);
        }
    }
    for (const Running& running : stopping)
        running.requestStop();
    stopping.clear();
    for (auto it = wanted.cbegin(); it != wanted.cend(); ++it) {
        {
            QMutexLocker lock(&m_mutex);
            if (m_bridges.count(it.key()))
                continue;
        }
        const QString name = it.key();
        if (it.value()->kind == u"amqp-out") {
            const Result<AmqpEventsOutConfig> config = AmqpEventsOutConfig::fromJson(it.value()->config);
            if (!config.ok()) {
                error(QStringLiteral("events-out relay %1: %2").arg(name, config.errorString()));
                continue;
            }
            auto relay = std::make_unique<AmqpEventRelay>(name, config.value(), m_options.store, m_options.relay);
            relay->onStatus = [this, name](const AmqpRelayStatus& status) {
                m_publisher.publish(relayRunState(name, status));
                Q_EMIT relayStatusChanged(name, status);
            };
            relay->start();
            QMutexLocker lock(&m_mutex);
            m_bridges.emplace(name, Running {it.value()->config, nullptr, std::move(relay)});
            continue;
        }
        const Result<AmqpBridgeConfig> config = AmqpBridgeConfig::fromJson(it.value()->config);
        if (!config.ok()) {
            error(QStringLiteral("AMQP bridge %1: %2").arg(it.key(), config.errorString()));
            continue;
        }
        auto bridge = std::make_unique<AmqpBridge>(it.key(), config.value(), m_engine, m_options.bridge);
        bridge->onStatus = [this, name](const AmqpBridgeStatus& status) {
            m_publisher.publish(bridgeRunState(name, status));
            Q_EMIT statusChanged(name, status);
        };
        bridge->start();
        QMutexLocker lock(&m_mutex);
        m_bridges.emplace(name, Running {it.value()->config, std::move(bridge), nullptr});
    }
}

} // namespace qd
