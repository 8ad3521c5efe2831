#include "amqpeventrelay.h"

#include "amqpeventmessage.h"
#include "amqppublisher.h"
#include "amqpurl.h"

#include "core/taskstore.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <algorithm>

namespace qd {

Q_LOGGING_CATEGORY(lcRelay, "qd.amqp.relay")

AmqpEventRelay::AmqpEventRelay(QString name, AmqpEventsOutConfig config, StoreOptions store, AmqpRelayOptions options)
    : m_name(std::move(name))
    , m_config(std::move(config))
    , m_store(std::move(store))
    , m_options(options)
{ }

AmqpEventRelay::~AmqpEventRelay()
{
    stop();
}

void AmqpEventRelay::start()
{
    if (m_thread.joinable())
        return;
    m_stop.reset();
    m_thread = std::thread([this] { run(); });
}

void AmqpEventRelay::requestStop()
{
    m_stop.request();
}

void AmqpEventRelay::stop()
{
    requestStop();
    if (m_thread.joinable())
        m_thread.join();
}

AmqpRelayStatus AmqpEventRelay::status() const
{
    QMutexLocker lock(&m_statusMutex);
    return m_status;
}

void AmqpEventRelay::setState(AmqpBridgeStatus::State state, const QString& reason, qint64 nextTryAt)
{
    AmqpRelayStatus copy;
    {
        QMutexLocker lock(&m_statusMutex);
        if (m_status.state == state && m_status.reason == reason && m_status.nextTryAt == nextTryAt)
            return;
        if (m_status.state != state || m_status.since == 0)
            m_status.since = QDateTime::currentMSecsSinceEpoch(); // a new reason keeps the state's start
        m_status.state = state;
        m_status.reason = reason;
        m_status.nextTryAt = nextTryAt;
        copy = m_status;
    }
    if (onStatus)
        onStatus(copy);
}

void AmqpEventRelay::run()
{
    using State = AmqpBridgeStatus::State;
    const Result<AmqpUrl> url = AmqpUrl::parse(m_config.url);
    if (!url.ok()) {
        setState(State::Error, url.errorString());
        return;
    }
    setState(State::Connecting);
    std::unique_ptr<TaskStore> store;
    AmqpConfirmPublisher publisher;
    int backoffMs = m_options.backoffStartMs;
    bool connectedOnce = false;
    // One failure: say why, wait (doubling), and start the round again from the stored cursor.
    const auto backOff = [&](State state, const QString& reason) {
        publisher.close();
        qCInfo(lcRelay).noquote() << m_name << "waits" << backoffMs << "ms:" << reason;
        setState(state, reason, QDateTime::currentMSecsSinceEpoch() + backoffMs);
        m_stop.waitFor(std::chrono::milliseconds(backoffMs));
        backoffMs = qMin(backoffMs * 2, m_options.backoffMaxMs);
    };
    while (!stopping()) {
        if (!store) {
            Result<std::unique_ptr<TaskStore>> opened = TaskStore::open(m_store);
            if (!opened.ok()) {
                backOff(State::Error, QStringLiteral("Cannot open the database: %1").arg(opened.errorString()));
                continue;
            }
            store = std::move(opened).value();
        }
        if (!publisher.isOpen()) {
            if (Status s = publisher.open(*url, 0, m_options.timeoutMs); !s.ok()) {
                backOff(publisher.connection().reachedBroker() ? State::Error : State::Reconnecting, s.errorString());
                continue;
            }
            const QByteArray exchange = m_config.exchange.toUtf8();
            const QByteArray type = m_config.exchangeType.toUtf8();
            amqp_exchange_declare(
                publisher.connection().get(), 1, amqpBytes(exchange), amqpBytes(type), 0, 1, 0, 0, amqp_empty_table);
            if (Status s = publisher.connection().lastReply(
                    QStringLiteral("Cannot declare the exchange %1").arg(m_config.exchange));
                !s.ok()) {
                backOff(State::Error, s.errorString());
                continue;
            }
            if (connectedOnce) {
                QMutexLocker lock(&m_statusMutex);
                ++m_status.reconnects;
            }
            connectedOnce = true;
            setState(State::Connected);
        }
        // The cursor is read every round: a relay of the same name in another process may have moved it.
        const Result<std::optional<qint64>> cursor = store->sourceCursor(m_name);
        if (!cursor.ok()) {
            backOff(State::Error, cursor.errorString());
            continue;
        }
        if (!cursor.value()) { // no row (an older database's source): start from now, as `events-out add` does
            const Result<qint64> last = store->lastEventId();
            if (!last.ok() || !store->setSourceCursor(m_name, *last, false).ok()) {
                backOff(State::Error, QStringLiteral("Cannot set the cursor of %1").arg(m_name));
                continue;
            }
            continue;
        }
        const Result<TerminalEventBatch> batch = store->terminalEventsSince(**cursor, m_config.batch);
        if (!batch.ok()) {
            backOff(State::Error, batch.errorString());
            continue;
        }
        Status sent = success();
        for (qsizetype i = 0; i < batch->events.size() && sent.ok(); ++i)
            sent = publisher.publish(terminalEventMessage(batch->events.at(i), m_config));
        if (!sent.ok()) {
            backOff(State::Reconnecting, sent.errorString());
            continue;
        }
        if (!batch->events.isEmpty()) {
            // Stop is not looked at here: the round in hand finishes (a confirm comes within timeoutMs or never).
            const Result<QList<AmqpConfirmOutcome>> confirmed = publisher.waitForConfirms(m_options.timeoutMs);
            if (!confirmed.ok() || confirmed->size() != batch->events.size()) {
                backOff(State::Reconnecting,
                    confirmed.ok() ? QStringLiteral("confirms do not match the events sent") : confirmed.errorString());
                continue;
            }
            // A nack or a return (no queue took it): the whole round is sent again after a backoff.
            const auto refused = std::find_if(confirmed->cbegin(), confirmed->cend(),
                [](const AmqpConfirmOutcome& o) { return o.kind != AmqpConfirmOutcome::Kind::Acked; });
            if (refused != confirmed->cend()) {
                backOff(refused->kind == AmqpConfirmOutcome::Kind::Returned ? State::Error : State::Reconnecting,
                    QStringLiteral("%1 at exchange %2; sent again later").arg(refused->reason, m_config.exchange));
                continue;
            }
        }
        if (batch->lastEventId > **cursor) {
            if (Status s = store->setSourceCursor(m_name, batch->lastEventId, true); !s.ok()) {
                backOff(State::Error, s.errorString()); // sent again after the backoff: at least once
                continue;
            }
        }
        if (!batch->events.isEmpty())
            qCDebug(lcRelay).noquote() << m_name << "published" << batch->events.size() << "events up to"
                                       << batch->events.last().id << "cursor" << batch->lastEventId;
        backoffMs = m_options.backoffStartMs;
        setState(State::Connected);
        {
            QMutexLocker lock(&m_statusMutex);
            m_status.published += batch->events.size();
            m_status.cursor = qMax(**cursor, batch->lastEventId);
        }
        if (!batch->more)
            m_stop.waitFor(std::chrono::milliseconds(m_options.pollMs));
    }
    publisher.close();
    store.reset();
    setState(State::Stopped);
}

} // namespace qd
