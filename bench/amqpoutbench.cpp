#include "amqpoutbench.h"

#include "amqpbench.h"
#include "successwaiter.h"

#include "core/amqp/amqpconnectiondirectory.h"
#include "core/amqp/amqppublisher.h"
#include "core/queueengine.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int threads = 2;

[[noreturn]] void die(const QString& what)
{
    std::fprintf(stderr, "qd_bench (B19): %s\n", qPrintable(what));
    std::exit(2);
}

AmqpUrl parsedOrDie(const QString& url)
{
    const Result<AmqpUrl> parsed = AmqpUrl::parse(url);
    if (!parsed.ok())
        die(parsed.errorString());
    return parsed.value();
}

const QByteArray body = QByteArrayLiteral(R"({"order":42,"state":"shipped"})");

// A fresh durable queue, and how many messages it holds.
qint64 queueDepth(const QString& url, const QString& queue, bool recreate)
{
    AmqpConnection connection;
    if (const Status s = connection.open(parsedOrDie(url), 1, 0, 10'000); !s.ok())
        die(s.errorString());
    const QByteArray name = queue.toUtf8();
    if (recreate)
        amqp_queue_delete(connection.get(), 1, amqpBytes(name), 0, 0);
    const amqp_queue_declare_ok_t* ok
        = amqp_queue_declare(connection.get(), 1, amqpBytes(name), 0, 1, 0, 0, amqp_empty_table);
    if (!ok)
        die(QStringLiteral("Cannot declare queue %1").arg(queue));
    return qint64(ok->message_count);
}

} // namespace

double amqpRawPublishRate(const QString& url, const QString& queue, int count)
{
    queueDepth(url, queue, true);
    const AmqpUrl parsed = parsedOrDie(url);
    const QByteArray name = queue.toUtf8();
    std::atomic<int> next {0};
    const Clock::time_point start = Clock::now();
    std::vector<std::thread> publishers;
    for (int t = 0; t < threads; ++t) {
        publishers.emplace_back([&] {
            AmqpConnection connection;
            if (const Status s = connection.open(parsed, 1, 0, 10'000); !s.ok())
                die(s.errorString());
            amqp_connection_state_t c = connection.get();
            amqp_confirm_select(c, 1);
            if (const Status s = connection.lastReply(QStringLiteral("confirm.select")); !s.ok())
                die(s.errorString());
            amqp_basic_properties_t p {};
            p._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
            p.delivery_mode = 2;
            p.content_type = amqp_cstring_bytes("application/json");
            for (int i = next++; i < count; i = next++) {
                const QByteArray id = QByteArrayLiteral("raw-") + QByteArray::number(i);
                p.message_id = amqpBytes(id);
                if (amqp_basic_publish(c, 1, amqp_empty_bytes, amqpBytes(name), 1, 0, &p, amqpBytes(body))
                    != AMQP_STATUS_OK)
                    die(QStringLiteral("raw publish failed"));
                for (bool acked = false; !acked;) {
                    amqp_frame_t frame;
                    const timeval timeout {30, 0};
                    if (amqp_simple_wait_frame_noblock(c, &frame, &timeout) != AMQP_STATUS_OK)
                        die(QStringLiteral("no publisher confirm"));
                    if (frame.frame_type != AMQP_FRAME_METHOD)
                        continue;
                    if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD
                        || frame.payload.method.id == AMQP_BASIC_RETURN_METHOD)
                        die(QStringLiteral("the broker refused or returned a message"));
                    acked = frame.payload.method.id == AMQP_BASIC_ACK_METHOD;
                }
            }
        });
    }
    for (std::thread& t : publishers)
        t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (const qint64 depth = queueDepth(url, queue, false); depth != count)
        die(QStringLiteral("the raw loop left %1 of %2 messages").arg(depth).arg(count));
    amqpDeleteQueue(url, queue);
    return count / seconds;
}

double amqpTaskPublishRate(const QString& url, const QString& queue, const QString& db, int count)
{
    queueDepth(url, queue, true);
    AmqpConnectionDirectory::instance().set(QStringLiteral("bench"), parsedOrDie(url));
    EngineOptions options;
    options.store.path = db;
    options.sampleIntervalMs = 0;
    {
        auto filler = QueueEngine::open(options);
        if (!filler.ok())
            die(filler.errorString());
        const QJsonObject payload {{QStringLiteral("connection"), QStringLiteral("bench")},
            {QStringLiteral("exchange"), QString()}, {QStringLiteral("routingKey"), queue},
            {QStringLiteral("body"), QJsonDocument::fromJson(body).object()}};
        QList<NewTask> tasks;
        for (int i = 0; i < count; ++i) {
            NewTask t;
            t.type = QStringLiteral("amqp");
            t.payload = QJsonDocument(payload).toJson(QJsonDocument::Compact);
            tasks.append(t);
        }
        if (const auto stored = (*filler)->enqueueBatch(tasks); !stored.ok())
            die(stored.errorString());
    }
    options.workerCount = threads;
    const Clock::time_point start = Clock::now();
    auto engine = QueueEngine::open(options);
    if (!engine.ok())
        die(engine.errorString());
    SuccessWaiter waiter(**engine, count);
    const auto failedNone = [&] {
        for (const StateCounts& perQueue : (*engine)->counts()) {
            if (perQueue[std::size_t(TaskState::Failed)] + perQueue[std::size_t(TaskState::Scheduled)] > 0)
                die(QStringLiteral("an amqp task failed"));
        }
    };
    if (!waiter.wait(start + std::chrono::seconds(300), std::chrono::milliseconds(100), failedNone))
        die(QStringLiteral("the amqp tasks did not finish in 300 s"));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    engine->reset();
    if (const qint64 depth = queueDepth(url, queue, false); depth != count)
        die(QStringLiteral("the amqp tasks left %1 of %2 messages").arg(depth).arg(count));
    amqpDeleteQueue(url, queue);
    return count / seconds;
}

} // namespace qd::bench
