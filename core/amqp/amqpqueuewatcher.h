#pragma once

#include "stopsignal.h"

#include <QList>
#include <QMetaType>
#include <QMutex>
#include <QString>

#include <functional>
#include <thread>

namespace qd {

// A RabbitMQ queue to watch: the AMQP queue a bridge (a `sources` row of kind "amqp") consumes, on its broker.
struct AmqpWatchTarget {
    QString source; // the bridge's name
    QString url; // the broker, with credentials (never shown)
    QString from; // the AMQP queue; empty: only whether the broker answers (an events-out relay's)
    bool paused = false;
    bool operator==(const AmqpWatchTarget&) const = default;
};

// What one passive queue.declare said about a watched queue.
struct AmqpQueueStats {
    QString source;
    QString queue; // the AMQP queue (empty: the broker only)
    QString broker; // the broker's URL without password
    bool paused = false; // the bridge is paused
    bool reachable = false; // a connection to the broker is open
    QString error; // why the broker is unreachable, or why the queue could not be read (missing, refused)
    qint64 depth = -1; // messages ready; -1 when unknown
    qint64 consumers = -1; // consumers attached (the bridge is one); -1 when unknown
    double depthPerSecond = 0; // change of depth since the previous reading (negative: draining)
    bool hasRate = false; // depthPerSecond comes from two successive readings
    qint64 atMs = 0; // when it was read (ms since the epoch)
};

struct AmqpQueueWatcherOptions {
    int pollMs = 1000; // how often every queue is read
    int timeoutMs = 2000; // connect, login and every queue.declare
};

// Reads the depth and consumer count of RabbitMQ queues, without the management plugin: a passive queue.declare per
// queue every pollMs, on a thread of its own, through one rabbitmq-c connection per broker. A broker that cannot be
// reached is reported unreachable (and tried again next round); a queue the broker does not know is reported with
// the broker's words, its connection kept.
//
// Thread contract: construct, start(), stop() and destroy on one thread. setTargets() and latest() from any thread.
// onStats is called on the watcher's thread after each round with every target's reading (set it before start()).
class AmqpQueueWatcher {
public:
    explicit AmqpQueueWatcher(AmqpQueueWatcherOptions options = {});
    ~AmqpQueueWatcher(); // stop()
    AmqpQueueWatcher(const AmqpQueueWatcher&) = delete;
    AmqpQueueWatcher& operator=(const AmqpQueueWatcher&) = delete;

    // The queues read from the next round on.
    void setTargets(const QList<AmqpWatchTarget>& targets);
    void start();
    // Joins the thread (within about timeoutMs when a broker stopped answering). Idempotent.
    void stop();
    QList<AmqpQueueStats> latest() const;

    std::function<void(const QList<AmqpQueueStats>&)> onStats;

private:
    void run();

    const AmqpQueueWatcherOptions m_options;
    std::thread m_thread;
    StopSignal m_stop;
    mutable QMutex m_mutex; // guards m_targets and m_latest
    QList<AmqpWatchTarget> m_targets;
    QList<AmqpQueueStats> m_latest;
};

} // namespace qd

Q_DECLARE_METATYPE(qd::AmqpQueueStats)
