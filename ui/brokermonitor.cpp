#include "brokermonitor.h"

#include "core/amqp/amqpbridgeconfig.h"
#include "core/amqp/amqpeventsoutconfig.h"
#include "sourcesmodel.h"

#include <QMutex>
#include <QThreadPool>

namespace qd::ui {

// Where the watcher's thread hands a round: the monitor while it lives, nothing after.
struct BrokerMonitor::Sink {
    QMutex mutex;
    BrokerMonitor* target = nullptr;
    void post(const QList<AmqpQueueStats>& stats)
    {
        QMutexLocker lock(&mutex);
        if (target)
            QMetaObject::invokeMethod(
                target, [t = target, stats] { t->apply(stats); }, Qt::QueuedConnection);
    }
};

BrokerMonitor::BrokerMonitor(SourcesModel* sources, AmqpQueueWatcherOptions options, QObject* parent)
    : QObject(parent)
    , m_sources(sources)
    , m_options(options)
    , m_sink(std::make_shared<Sink>())
{
    qRegisterMetaType<qd::ui::BrokerQueueRow>();
    m_sink->target = this;
    connect(sources, &SourcesModel::sourcesUpdated, this, &BrokerMonitor::updateTargets);
    updateTargets();
}

BrokerMonitor::~BrokerMonitor()
{
    {
        QMutexLocker lock(&m_sink->mutex);
        m_sink->target = nullptr;
    }
    if (m_watcher)
        QThreadPool::globalInstance()->start([watcher = std::move(m_watcher)] { watcher->stop(); });
}

void BrokerMonitor::updateTargets()
{
    QList<AmqpWatchTarget> targets;
    for (const SourceStatus& s : m_sources->sources()) {
        if (s.record.kind == u"amqp") {
            const Result<AmqpBridgeConfig> config = AmqpBridgeConfig::fromJson(s.record.config);
            if (config)
                targets.append(AmqpWatchTarget {s.record.name, config->url, config->from, s.record.paused});
        } else if (s.record.kind == u"amqp-out") {
            const Result<AmqpEventsOutConfig> config = AmqpEventsOutConfig::fromJson(s.record.config);
            if (config)
                targets.append(AmqpWatchTarget {s.record.name, config->url, QString(), s.record.paused});
        }
    }
    if (targets == m_targets) {
        if (!m_stats.isEmpty())
            apply(m_stats); // the bridges' own counts moved
        return;
    }
    m_targets = targets;
    if (!m_watcher && !targets.isEmpty()) {
        m_watcher = std::make_shared<AmqpQueueWatcher>(m_options);
        m_watcher->onStats = [sink = m_sink](const QList<AmqpQueueStats>& stats) { sink->post(stats); };
        m_watcher->setTargets(targets);
        m_watcher->start();
    } else if (m_watcher) {
        m_watcher->setTargets(targets);
    }
}

void BrokerMonitor::apply(const QList<AmqpQueueStats>& stats)
{
    m_stats = stats;
    m_rows.clear();
    for (const AmqpQueueStats& s : stats) {
        if (s.queue.isEmpty())
            continue; // a relay's broker: no queue of its own
        BrokerQueueRow row;
        row.stats = s;
        const int at = m_sources->rowOf(s.source);
        if (at >= 0 && m_sources->sources().at(at).tasks)
            row.takenPerSecond = double(m_sources->sources().at(at).tasks->createdLastMinute) / 60.0;
        if (s.hasRate) {
            row.publishedPerSecond = std::max(0.0, s.depthPerSecond + row.takenPerSecond);
            row.hasRates = true;
        }
        m_rows.append(row);
    }
    m_sources->setBrokerStats(stats);
    Q_EMIT updated(m_stats);
    Q_EMIT rowsUpdated(m_rows);
}

} // namespace qd::ui
