#include "amqpbench.h"

#include "core/amqp/amqpbridge.h"
#include "core/amqp/amqpconnection.h"
#include "core/queueengine.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const QString& what)
{
    std::fprintf(stderr, "qd_bench (B16): %s\n", qPrintable(what));
    std::exit(2);
}

void openOrDie(AmqpConnection& connection, const QString& url, int channels)
{
    const Result<AmqpUrl> parsed = AmqpUrl::parse(url);
    if (!parsed.ok())
        die(parsed.errorString());
    if (const Status s = connection.open(parsed.value(), channels, 0, 10'000); !s.ok())
        die(s.errorString());
}

double processCpuMicros()
{
    timespec t {};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e6 + double(t.tv_nsec) / 1e3;
}

} // namespace

void amqpFillQueue(const QString& url, const QString& queue, int count, const QString& idPrefix)
{
    AmqpConnection connection;
    openOrDie(connection, url, 1);
    amqp_connection_state_t c = connection.get();
    const QByteArray name = queue.toUtf8();
    amqp_queue_delete(c, 1, amqpBytes(name), 0, 0);
    amqp_queue_declare(c, 1, amqpBytes(name), 0, 1, 0, 0, amqp_empty_table);
    amqp_confirm_select(c, 1);
    if (const Status s = connection.lastReply(QStringLiteral("Cannot prepare queue %1").arg(queue)); !s.ok())
        die(s.errorString());
    amqp_basic_properties_t p {};
    p._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    p.delivery_mode = 2;
    p.content_type = amqp_cstring_bytes("text/plain");
    qint64 confirmed = 0;
    for (int i = 0; i < count; ++i) {
        const QByteArray id = (idPrefix + QString::number(i)).toUtf8();
        const QByteArray body = QByteArrayLiteral("order ") + QByteArray::number(i) + QByteArrayLiteral(" shipped");
        p.message_id = amqpBytes(id);
        if (amqp_basic_publish(c, 1, amqp_empty_bytes, amqpBytes(name), 0, 0, &p, amqpBytes(body)) != AMQP_STATUS_OK)
            die(QStringLiteral("publish failed"));
    }
    // Confirms may cover several messages (multiple=true).
    while (confirmed < count) {
        amqp_frame_t frame;
        timeval timeout {30, 0};
        if (amqp_simple_wait_frame_noblock(c, &frame, &timeout) != AMQP_STATUS_OK)
            die(QStringLiteral("no publisher confirm"));
        if (frame.frame_type == AMQP_FRAME_METHOD && frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
            const auto* ack = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
            confirmed = ack->multiple ? qint64(ack->delivery_tag) : confirmed + 1;
        } else if (frame.frame_type == AMQP_FRAME_METHOD && frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
            die(QStringLiteral("the broker refused a message"));
        }
    }
}

void amqpDeleteQueue(const QString& url, const QString& queue)
{
    AmqpConnection connection;
    openOrDie(connection, url, 1);
    for (const QString& name : QStringList {queue, queue + QStringLiteral(".dead-letter")})
        amqp_queue_delete(connection.get(), 1, amqpBytes(name.toUtf8()), 0, 0);
    if (const Status s = connection.lastReply(QStringLiteral("Cannot delete queue %1").arg(queue)); !s.ok())
        die(s.errorString());
}

AmqpConsumeRun amqpRawConsume(const QString& url, const QString& queue, int count)
{
    const double cpuStart = processCpuMicros();
    const Clock::time_point start = Clock::now();
    AmqpConnection connection;
    openOrDie(connection, url, 1);
    amqp_connection_state_t c = connection.get();
    const QByteArray name = queue.toUtf8();
    amqp_basic_qos(c, 1, 0, 1000, 0);
    amqp_basic_consume(c, 1, amqpBytes(name), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    if (const Status s = connection.lastReply(QStringLiteral("Cannot consume")); !s.ok())
        die(s.errorString());
    for (int taken = 0; taken < count; ++taken) {
        amqp_maybe_release_buffers(c);
        amqp_envelope_t envelope;
        timeval timeout {30, 0};
        if (amqp_consume_message(c, &envelope, &timeout, 0).reply_type != AMQP_RESPONSE_NORMAL)
            die(QStringLiteral("raw consume failed after %1 messages").arg(taken));
        const int rc = amqp_basic_ack(c, 1, envelope.delivery_tag, 0);
        amqp_destroy_envelope(&envelope);
        if (rc != AMQP_STATUS_OK)
            die(QStringLiteral("raw ack failed"));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu = processCpuMicros() - cpuStart;
    connection.close();
    return {count / seconds, cpu / count};
}

AmqpConsumeRun amqpBridgeConsume(const QString& url, const QString& queue, const QString& db, int count)
{
    EngineOptions options;
    options.store.path = db;
    options.sampleIntervalMs = 0;
    auto engine = QueueEngine::open(options);
    if (!engine.ok())
        die(engine.errorString());
    AmqpBridgeConfig config;
    config.url = url;
    config.from = queue;
    config.type = QStringLiteral("noop");
    const double cpuStart = processCpuMicros();
    const Clock::time_point start = Clock::now();
    AmqpBridge bridge(QStringLiteral("bench"), config, **engine);
    bridge.start();
    // Polled every millisecond (0.1% of a 1 s run): a finer poll costs this 2-core machine context switches.
    while (bridge.status().received < count) {
        if (std::chrono::duration<double>(Clock::now() - start).count() > 120)
            die(QStringLiteral("the bridge took %1 of %2 messages in 120 s").arg(bridge.status().received).arg(count));
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu = processCpuMicros() - cpuStart;
    bridge.stop();
    const AmqpBridgeStatus status = bridge.status();
    if (status.stored != count || status.duplicates != 0 || status.deadLettered != 0)
        die(QStringLiteral("the bridge stored %1 of %2 messages").arg(status.stored).arg(count));
    return {count / seconds, cpu / count};
}

} // namespace qd::bench
