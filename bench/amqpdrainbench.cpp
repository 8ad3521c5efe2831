#include "amqpdrainbench.h"

#include "core/amqp/amqpconnection.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const QString& what)
{
    std::fprintf(stderr, "qd_bench (B4, RabbitMQ): %s\n", qPrintable(what));
    std::exit(2);
}

// One consumer: takes and acks messages until `taken` reaches `count` among all consumers.
void consume(const AmqpUrl& url, const QByteArray& queue, int count, std::atomic<int>& taken)
{
    AmqpConnection connection;
    if (const Status s = connection.open(url, 1, 0, 10'000); !s.ok())
        die(s.errorString());
    amqp_connection_state_t c = connection.get();
    amqp_basic_qos(c, 1, 0, 1000, 0);
    amqp_basic_consume(c, 1, amqpBytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    if (const Status s = connection.lastReply(QStringLiteral("Cannot consume")); !s.ok())
        die(s.errorString());
    while (taken.load(std::memory_order_relaxed) < count) {
        amqp_maybe_release_buffers(c);
        amqp_envelope_t envelope;
        // Short, so that a consumer whose share is done notices that the others took the rest.
        timeval timeout {0, 50'000};
        const amqp_rpc_reply_t reply = amqp_consume_message(c, &envelope, &timeout, 0);
        if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT)
            continue;
        if (reply.reply_type != AMQP_RESPONSE_NORMAL)
            die(QStringLiteral("consume failed after %1 messages").arg(taken.load()));
        const int rc = amqp_basic_ack(c, 1, envelope.delivery_tag, 0);
        amqp_destroy_envelope(&envelope);
        if (rc != AMQP_STATUS_OK)
            die(QStringLiteral("ack failed"));
        taken.fetch_add(1, std::memory_order_relaxed);
    }
    connection.close();
}

} // namespace

double amqpDrainRate(const QString& url, const QString& queue, int count, int consumers)
{
    const Result<AmqpUrl> parsed = AmqpUrl::parse(url);
    if (!parsed.ok())
        die(parsed.errorString());
    const QByteArray name = queue.toUtf8();
    std::atomic<int> taken {0};
    const Clock::time_point start = Clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < consumers; ++i)
        threads.emplace_back([&] { consume(parsed.value(), name, count, taken); });
    for (std::thread& t : threads)
        t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (taken.load() != count)
        die(QStringLiteral("took %1 of %2 messages").arg(taken.load()).arg(count));
    return count / seconds;
}

} // namespace qd::bench
