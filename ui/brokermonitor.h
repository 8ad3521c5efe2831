#pragma once

#include "core/amqp/amqpqueuewatcher.h"

#include <QList>
#include <QMetaType>
#include <QObject>

#include <memory>

namespace qd::ui {

class SourcesModel;

// A bridged RabbitMQ queue as the queue list and the charts show it: what the broker said, and its rates.
struct BrokerQueueRow {
    AmqpQueueStats stats;
    // Tasks the bridge stored per second over the last minute (its own count, from the Sources panel's read).
    double takenPerSecond = 0;
    // Messages published to the queue per second: the depth's change plus what the bridge took.
    double publishedPerSecond = 0;
    bool hasRates = false;

    QString displayName() const { return displayName(stats.queue); }
    static QString displayName(const QString& amqpQueue) { return QStringLiteral("rabbitmq: %1").arg(amqpQueue); }
};

// Watches the RabbitMQ side of the database's bridges (`sources` rows of kind "amqp": their queue's depth and
// consumers) and events-out relays ("amqp-out": whether their broker answers), through a core AmqpQueueWatcher on a
// thread of its own. The rows come from what the Sources panel's model read (no read of its own); the watcher starts
// with the first bridge or relay. Each round arrives on the GUI thread as stats (every row) and rows (bridges).
//
// Thread contract: GUI thread only. Destroying it never waits for a broker: the watcher is stopped on the global
// thread pool.
class BrokerMonitor : public QObject {
    Q_OBJECT
public:
    explicit BrokerMonitor(SourcesModel* sources, AmqpQueueWatcherOptions options = {}, QObject* parent = nullptr);
    ~BrokerMonitor() override;

    const QList<AmqpQueueStats>& stats() const { return m_stats; }
    const QList<BrokerQueueRow>& rows() const { return m_rows; }
    // The targets handed to the watcher (tests).
    const QList<AmqpWatchTarget>& targets() const { return m_targets; }

Q_SIGNALS:
    void updated(const QList<qd::AmqpQueueStats>& stats);
    void rowsUpdated(const QList<qd::ui::BrokerQueueRow>& rows);

private:
    struct Sink;
    void updateTargets();
    void apply(const QList<qd::AmqpQueueStats>& stats);

    SourcesModel* m_sources;
    const AmqpQueueWatcherOptions m_options;
    std::shared_ptr<AmqpQueueWatcher> m_watcher; // made with the first target
    std::shared_ptr<Sink> m_sink;
    QList<AmqpWatchTarget> m_targets;
    QList<AmqpQueueStats> m_stats;
    QList<BrokerQueueRow> m_rows;
};

} // namespace qd::ui

Q_DECLARE_METATYPE(qd::ui::BrokerQueueRow)
