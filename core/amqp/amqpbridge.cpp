#include "amqpbridge.h"

#include "amqpconnection.h"
#include "amqpmessagemapper.h"
#include "amqptable.h"
#include "amqpurl.h"

#include "core/queueengine.h"

#include <QDateTime>
#include <QElapsedTimer>

#include <algorithm>
#include <future>
#include <memory>
#include <vector>

namespace qd {

namespace {

constexpr amqp_channel_t consumeChannel = 1;
constexpr amqp_channel_t deadLetterChannel = 2; // in tx mode: a commit means the broker has the copies

struct EnvelopeDeleter {
    void operator()(amqp_envelope_t* envelope) const
    {
        amqp_destroy_envelope(envelope);
        delete envelope;
    }
};
using Envelope = std::unique_ptr<amqp_envelope_t, EnvelopeDeleter>;

AmqpDelivery deliveryOf(const amqp_envelope_t& envelope)
{
    const amqp_basic_properties_t& p = envelope.message.properties;
    AmqpDelivery d;
    d.body = toByteArray(envelope.message.body);
    if (p._flags & AMQP_BASIC_CONTENT_TYPE_FLAG)
        d.contentType = toQString(p.content_type);
    if (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG)
        d.messageId = toQString(p.message_id);
    if (p._flags & AMQP_BASIC_HEADERS_FLAG)
        d.headers = amqpTableToJson(p.headers);
    d.exchange = toQString(envelope.exchange);
    d.routingKey = toQString(envelope.routing_key);
    return d;
}

} // namespace

QString amqpBridgeStateName(AmqpBridgeStatus::State state)
{
    switch (state) {
    case AmqpBridgeStatus::State::Stopped:
        return QStringLiteral("stopped");
    case AmqpBridgeStatus::State::Connecting:
        return QStringLiteral("connecting");
    case AmqpBridgeStatus::State::Connected:
        return QStringLiteral("connected");
    case AmqpBridgeStatus::State::Reconnecting:
        return QStringLiteral("reconnecting");
    case AmqpBridgeStatus::State::Error:
        return QStringLiteral("error");
    }
    return {};
}

// One connection's life: connect, declare, consume and store until an error or stop().
class AmqpBridge::Session {
public:
    explicit Session(AmqpBridge& bridge)
        : m_bridge(bridge)
        , m_config(bridge.m_config)
    { }

    // How the session ended: an error (the connection is then abandoned) or ok after stop().
    Status run(const AmqpUrl& url);
    bool reachedBroker() const { return m_reachedBroker; }
    bool consumed() const { return m_consumed; }

private:
    Status setUp();
    // Waits for the next delivery (or the batch window's end, or the commit in flight) and handles what arrives.
    Status step();
    // Hands the batch to another thread, which maps it to tasks and commits them (one batch in flight at a time:
    // the previous one is finished first), so that the next batch is received meanwhile.
    Status flush();
    // Waits for the batch in flight, dead-letters its invalid messages (committed before the ack), then acks the
    // whole batch (basic.ack multiple up to its last tag).
    Status finishCommit();
    Status deadLetter(const amqp_envelope_t& envelope, const QString& reason);
    // A frame other than a delivery: the broker closing the channel or connection, or cancelling the consumer.
    Status otherFrame();

    AmqpBridge& m_bridge;
    const AmqpBridgeConfig& m_config;
    AmqpConnection m_connection;
    std::vector<Envelope> m_batch;
    QElapsedTimer m_batchAge;
    // What the committing thread made of a batch.
    struct Outcome {
        Result<QList<EnqueueResult>> stored = QList<EnqueueResult> {};
        QList<std::pair<qsizetype, QString>> rejected; // index in the batch, reason
    };
    // The batch being committed: its delivery tags all precede those of m_batch, so its ack covers it alone. The
    // committing thread only reads the envelopes, and they are not touched here until it is done.
    struct InFlight {
        std::shared_ptr<const std::vector<Envelope>> envelopes;
        std::future<Outcome> outcome;
    };
    std::optional<InFlight> m_inFlight;
    bool m_reachedBroker = false;
    bool m_consumed = false;
};

Status AmqpBridge::Session::run(const AmqpUrl& url)
{
    const AmqpBridgeOptions& o = m_bridge.m_options;
    Status s = m_connection.open(url, 2, o.heartbeatSeconds, o.timeoutMs);
    m_reachedBroker = m_connection.reachedBroker();
    if (s.ok())
        s = setUp();
    if (s.ok()) {
        m_consumed = true;
        m_bridge.setState(AmqpBridgeStatus::State::Connected);
        while (s.ok() && !(m_bridge.stopping() && m_batch.empty() && !m_inFlight)) {
            if (m_bridge.stopping())
                s = m_batch.empty() ? finishCommit() : flush();
            else
                s = step();
        }
    }
    if (m_inFlight)
        m_inFlight->outcome.wait(); // its tasks may be stored: their redelivery finds them by key
    if (s.ok())
        m_connection.close();
    else
        m_connection.abandon(); // the broker requeues what was not acked
    return s;
}

Status AmqpBridge::Session::setUp()
{
    amqp_connection_state_t c = m_connection.get();
    const QByteArray exchange = m_config.deadLetterExchange.toUtf8();
    const QByteArray deadQueue = m_config.deadLetterQueueName().toUtf8();
    const QByteArray from = m_config.from.toUtf8();
    amqp_exchange_declare(
        c, deadLetterChannel, amqpBytes(exchange), amqp_cstring_bytes("direct"), 0, 1, 0, 0, amqp_empty_table);
    if (Status s = m_connection.lastReply(QStringLiteral("Cannot declare the dead-letter exchange")); !s.ok())
        return s;
    if (!deadQueue.isEmpty()) {
        amqp_queue_declare(c, deadLetterChannel, amqpBytes(deadQueue), 0, 1, 0, 0, amqp_empty_table);
        if (Status s = m_connection.lastReply(QStringLiteral("Cannot declare the dead-letter queue")); !s.ok())
            return s;
        amqp_queue_bind(
            c, deadLetterChannel, amqpBytes(deadQueue), amqpBytes(exchange), amqpBytes(from), amqp_empty_table);
        if (Status s = m_connection.lastReply(QStringLiteral("Cannot bind the dead-letter queue")); !s.ok())
            return s;
    }
    amqp_tx_select(c, deadLetterChannel);
    if (Status s = m_connection.lastReply(QStringLiteral("Cannot start a transaction")); !s.ok())
        return s;
    amqp_basic_qos(c, consumeChannel, 0, uint16_t(m_config.prefetch), 0);
    if (Status s = m_connection.lastReply(QStringLiteral("Cannot set the prefetch window")); !s.ok())
        return s;
    amqp_basic_consume(c, consumeChannel, amqpBytes(from), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    return m_connection.lastReply(QStringLiteral("Cannot consume from %1").arg(m_config.from));
}

Status AmqpBridge::Session::step()
{
    amqp_connection_state_t c = m_connection.get();
    if (m_inFlight && m_inFlight->outcome.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        if (Status s = finishCommit(); !s.ok())
            return s;
    }
    // While a commit is in flight the batch keeps growing past its window (up to `batch`) and goes as soon as the
    // commit is done: a slow commit makes the next batch larger instead of stalling the consumer. The commit is
    // looked at every millisecond, since its ack frees the broker's prefetch window.
    int waitMs = m_bridge.m_options.pollMs;
    if (m_inFlight) {
        waitMs = 1;
    } else if (!m_batch.empty()) {
        const qint64 left = m_config.batchMs - m_batchAge.elapsed();
        if (left <= 0)
            return flush();
        waitMs = int(qMin<qint64>(waitMs, left));
    }
    amqp_maybe_release_buffers(c);
    auto envelope = Envelope(new amqp_envelope_t {});
    timeval timeout {waitMs / 1000, (waitMs % 1000) * 1000};
    const amqp_rpc_reply_t reply = amqp_consume_message(c, envelope.get(), &timeout, 0);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
        if (m_batch.empty())
            m_batchAge.start();
        m_batch.push_back(std::move(envelope));
        if (int(m_batch.size()) >= m_config.batch)
            return flush();
        return success();
    }
    // A failed consume leaves the envelope zeroed: its deleter has nothing to free but the struct. A timeout
    // returns to the top, which flushes a batch whose window is over.
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT)
        return success();
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE)
        return otherFrame();
    return AmqpConnection::check(reply, QStringLiteral("Lost the connection"));
}

Status AmqpBridge::Session::otherFrame()
{
    amqp_connection_state_t c = m_connection.get();
    amqp_frame_t frame;
    if (const int rc = amqp_simple_wait_frame(c, &frame); rc != AMQP_STATUS_OK)
        return AmqpConnection::checkStatus(rc, QStringLiteral("Lost the connection"));
    if (frame.frame_type != AMQP_FRAME_METHOD)
        return success();
    switch (frame.payload.method.id) {
    case AMQP_CONNECTION_CLOSE_METHOD: {
        amqp_connection_close_ok_t ok {};
        amqp_send_method(c, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        amqp_rpc_reply_t reply {AMQP_RESPONSE_SERVER_EXCEPTION, frame.payload.method, 0};
        return AmqpConnection::check(reply, QStringLiteral("Disconnected"));
    }
    case AMQP_CHANNEL_CLOSE_METHOD: {
        amqp_rpc_reply_t reply {AMQP_RESPONSE_SERVER_EXCEPTION, frame.payload.method, 0};
        return AmqpConnection::check(reply, QStringLiteral("Stopped consuming"));
    }
    case AMQP_BASIC_CANCEL_METHOD:
        return Error {ErrorCode::Unavailable,
            QStringLiteral("The broker cancelled the consumer (queue %1 deleted?)").arg(m_config.from)};
    default:
        return success(); // nothing else is expected; ignore it
    }
}

Status AmqpBridge::Session::deadLetter(const amqp_envelope_t& envelope, const QString& reason)
{
    amqp_basic_properties_t properties = envelope.message.properties;
    const amqp_table_t none {0, nullptr};
    AmqpTableExtension headers(properties._flags & AMQP_BASIC_HEADERS_FLAG ? properties.headers : none);
    headers.set(QByteArrayLiteral("x-queuedesk-reason"), reason.toUtf8());
    headers.set(QByteArrayLiteral("x-queuedesk-source"), m_config.from.toUtf8());
    properties.headers = headers.table();
    properties._flags |= AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    properties.delivery_mode = 2; // persistent
    const QByteArray exchange = m_config.deadLetterExchange.toUtf8();
    const QByteArray from = m_config.from.toUtf8();
    const int rc = amqp_basic_publish(m_connection.get(), deadLetterChannel, amqpBytes(exchange), amqpBytes(from), 0, 0,
        &properties, envelope.message.body);
    return AmqpConnection::checkStatus(rc, QStringLiteral("Cannot dead-letter a message"));
}

Status AmqpBridge::Session::flush()
{
    if (m_batch.empty())
        return success();
    if (Status s = finishCommit(); !s.ok())
        return s;
    auto envelopes = std::make_shared<const std::vector<Envelope>>(std::move(m_batch));
    m_batch.clear();
    QueueEngine& engine = m_bridge.m_engine;
    const AmqpBridgeConfig& config = m_config;
    InFlight next;
    next.envelopes = envelopes;
    next.outcome = std::async(std::launch::async, [&engine, &config, envelopes] {
        Outcome outcome;
        QList<NewTask> tasks;
        QList<qsizetype> envelopeOfTask;
        tasks.reserve(qsizetype(envelopes->size()));
        for (std::size_t i = 0; i < envelopes->size(); ++i) {
            Result<NewTask> task = mapAmqpMessage(deliveryOf(*(*envelopes)[i]), config, engine.handlers());
            if (task.ok()) {
                tasks.append(std::move(task.value()));
                envelopeOfTask.append(qsizetype(i));
            } else {
                outcome.rejected.append({qsizetype(i), task.errorString()});
            }
        }
        if (tasks.isEmpty())
            return outcome;
        // mapAmqpMessage validated them; a task its signature check refuses is dead-lettered like an invalid one.
        outcome.stored = engine.enqueueValidatedBatch(tasks, RefusedTasks::Skip);
        if (outcome.stored.ok()) {
            const QList<EnqueueResult>& results = outcome.stored.value();
            for (qsizetype j = 0; j < results.size(); ++j) {
                if (!results.at(j).refused.isEmpty())
                    outcome.rejected.append({envelopeOfTask.at(j), results.at(j).refused});
            }
            std::sort(outcome.rejected.begin(), outcome.rejected.end());
        }
        return outcome;
    });
    m_inFlight = std::move(next);
    return success();
}

Status AmqpBridge::Session::finishCommit()
{
    if (!m_inFlight)
        return success();
    const Outcome outcome = m_inFlight->outcome.get();
    const std::shared_ptr<const std::vector<Envelope>> envelopes = std::move(m_inFlight->envelopes);
    m_inFlight.reset();
    if (!outcome.stored.ok())
        return Error {
            outcome.stored.error().code, QStringLiteral("Cannot store tasks: ") + outcome.stored.errorString()};
    for (const auto& [index, reason] : outcome.rejected) {
        if (Status s = deadLetter(*(*envelopes)[std::size_t(index)], reason); !s.ok())
            return s;
    }
    if (!outcome.rejected.isEmpty()) {
        amqp_tx_commit(m_connection.get(), deadLetterChannel);
        if (Status s = m_connection.lastReply(QStringLiteral("Cannot dead-letter messages")); !s.ok())
            return s;
    }
    qint64 stored = 0, duplicates = 0;
    for (const EnqueueResult& r : outcome.stored.value()) {
        if (r.refused.isEmpty())
            ++(r.existed ? duplicates : stored);
    }
    const int rc = amqp_basic_ack(m_connection.get(), consumeChannel, envelopes->back()->delivery_tag, 1);
    if (Status s = AmqpConnection::checkStatus(rc, QStringLiteral("Cannot acknowledge")); !s.ok())
        return s; // stored: the redelivery will find the tasks
    m_bridge.count(qint64(envelopes->size()), stored, duplicates, qint64(outcome.rejected.size()));
    return success();
}

AmqpBridge::AmqpBridge(QString name, AmqpBridgeConfig config, QueueEngine& engine, AmqpBridgeOptions options)
    : m_name(std::move(name))
    , m_config(std::move(config))
    , m_engine(engine)
    , m_options(options)
{ }

AmqpBridge::~AmqpBridge()
{
    stop();
}

void AmqpBridge::start()
{
    if (m_thread.joinable())
        return;
    m_stop.reset();
    m_thread = std::thread([this] { run(); });
}

void AmqpBridge::requestStop()
{
    m_stop.request();
}

void AmqpBridge::stop()
{
    requestStop();
    if (m_thread.joinable())
        m_thread.join();
}

AmqpBridgeStatus AmqpBridge::status() const
{
    QMutexLocker lock(&m_statusMutex);
    return m_status;
}

void AmqpBridge::setState(AmqpBridgeStatus::State state, const QString& reason, qint64 nextTryAt)
{
    AmqpBridgeStatus copy;
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

void AmqpBridge::count(qint64 received, qint64 stored, qint64 duplicates, qint64 deadLettered)
{
    QMutexLocker lock(&m_statusMutex);
    m_status.received += received;
    m_status.stored += stored;
    m_status.duplicates += duplicates;
    m_status.deadLettered += deadLettered;
}

void AmqpBridge::run()
{
    const Result<AmqpUrl> url = AmqpUrl::parse(m_config.url);
    if (!url.ok()) {
        setState(AmqpBridgeStatus::State::Error, url.errorString());
        return;
    }
    setState(AmqpBridgeStatus::State::Connecting);
    int backoffMs = m_options.backoffStartMs;
    for (bool first = true; !stopping(); first = false) {
        if (!first) {
            QMutexLocker lock(&m_statusMutex);
            ++m_status.reconnects;
        }
        Session session(*this);
        const Status s = session.run(*url);
        if (s.ok())
            break; // stopped
        // A lost connection retries quickly; a refusal (login, missing queue) and repeated failures back off.
        if (session.consumed())
            backoffMs = m_options.backoffStartMs;
        const bool refused = session.reachedBroker() && !session.consumed();
        setState(refused ? AmqpBridgeStatus::State::Error : AmqpBridgeStatus::State::Reconnecting, s.errorString(),
            QDateTime::currentMSecsSinceEpoch() + backoffMs);
        if (m_stop.waitFor(std::chrono::milliseconds(backoffMs)))
            break;
        backoffMs = qMin(backoffMs * 2, m_options.backoffMaxMs);
    }
    setState(AmqpBridgeStatus::State::Stopped);
}

} // namespace qd
