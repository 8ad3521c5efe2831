#include "amqpqueuewatcher.h"

#include "amqpconnection.h"
#include "amqpurl.h"

#include <QDateTime>
#include <QHash>

#include <map>
#include <memory>

namespace qd {

namespace {

constexpr amqp_channel_t channel = 1;

struct Previous {
    qint64 depth = -1;
    qint64 atMs = 0;
};

// Reads one queue on an open connection; false when the connection is no longer usable.
bool readQueue(AmqpConnection& connection, AmqpQueueStats& stats)
{
    const QByteArray name = stats.queue.toUtf8();
    const amqp_queue_declare_ok_t* ok
        = amqp_queue_declare(connection.get(), channel, amqpBytes(name), 1, 0, 0, 0, amqp_empty_table);
    if (ok) {
        stats.depth = qint64(ok->message_count);
        stats.consumers = qint64(ok->consumer_count);
        return true;
    }
    const amqp_rpc_reply_t reply = amqp_get_rpc_reply(connection.get());
    stats.error
        = AmqpConnection::check(reply, QStringLiteral("Cannot read the queue %1").arg(stats.queue)).errorString();
    if (reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        // A missing queue closes the channel only: answer, open it again, keep the connection.
        amqp_channel_close_ok_t closeOk {};
        if (amqp_send_method(connection.get(), channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &closeOk) != AMQP_STATUS_OK)
            return false;
        amqp_channel_open(connection.get(), channel);
        return connection.lastReply(QStringLiteral("channel.open")).ok();
    }
    return false;
}

} // namespace

AmqpQueueWatcher::AmqpQueueWatcher(AmqpQueueWatcherOptions options)
    : m_options(options)
{
    qRegisterMetaType<qd::AmqpQueueStats>();
}

AmqpQueueWatcher::~AmqpQueueWatcher()
{
    stop();
}

void AmqpQueueWatcher::setTargets(const QList<AmqpWatchTarget>& targets)
{
    QMutexLocker lock(&m_mutex);
    m_targets = targets;
}

void AmqpQueueWatcher::start()
{
    if (m_thread.joinable())
        return;
    m_stop.reset();
    m_thread = std::thread([this] { run(); });
}

void AmqpQueueWatcher::stop()
{
    m_stop.request();
    if (m_thread.joinable())
        m_thread.join();
}

QList<AmqpQueueStats> AmqpQueueWatcher::latest() const
{
    QMutexLocker lock(&m_mutex);
    return m_latest;
}

void AmqpQueueWatcher::run()
{
    std::map<QString, std::unique_ptr<AmqpConnection>> connections; // by URL as configured
    QHash<QString, Previous> previous; // by source name
    while (!m_stop.requested()) {
        QList<AmqpWatchTarget> targets;
        {
            QMutexLocker lock(&m_mutex);
            targets = m_targets;
        }
        QHash<QString, QString> unreachable; // URL -> why, for this round
        QList<AmqpQueueStats> round;
        for (const AmqpWatchTarget& target : std::as_const(targets)) {
            if (m_stop.requested())
                break;
            AmqpQueueStats stats;
            stats.source = target.source;
            stats.queue = target.from;
            stats.broker = amqpDisplayUrl(target.url);
            stats.paused = target.paused;
            std::unique_ptr<AmqpConnection>& connection = connections[target.url];
            if (!unreachable.contains(target.url) && (!connection || !connection->isOpen())) {
                connection = std::make_unique<AmqpConnection>();
                const Result<AmqpUrl> url = AmqpUrl::parse(target.url);
                const Status opened
                    = url.ok() ? connection->open(url.value(), 1, 0, m_options.timeoutMs) : Status(url.error());
                if (!opened.ok())
                    unreachable.insert(target.url, opened.errorString());
            }
            if (unreachable.contains(target.url)) {
                stats.error = unreachable.value(target.url);
            } else if (target.from.isEmpty()) {
                stats.reachable = true; // the broker only
            } else if (!readQueue(*connection, stats)) {
                connection->abandon();
                unreachable.insert(target.url, stats.error);
            } else {
                stats.reachable = true;
            }
            stats.atMs = QDateTime::currentMSecsSinceEpoch();
            Previous& before = previous[target.source];
            if (stats.depth >= 0 && before.depth >= 0 && stats.atMs > before.atMs) {
                stats.depthPerSecond = double(stats.depth - before.depth) * 1000.0 / double(stats.atMs - before.atMs);
                stats.hasRate = true;
            }
            before = Previous {stats.depth, stats.atMs};
            round.append(stats);
        }
        // Connections to brokers no longer watched are closed.
        for (auto it = connections.begin(); it != connections.end();) {
            const bool used = std::any_of(
                targets.cbegin(), targets.cend(), [&](const AmqpWatchTarget& t) { return t.url == it->first; });
            it = used ? std::next(it) : connections.erase(it);
        }
        {
            QMutexLocker lock(&m_mutex);
            m_latest = round;
        }
        if (onStats && !m_stop.requested())
            onStats(round);
        m_stop.waitFor(std::chrono::milliseconds(m_options.pollMs));
    }
}

} // namespace qd
