#pragma once

#include <QString>

namespace qd::bench {

// B16, messages in from RabbitMQ: the same persistent messages, already in a durable queue of the broker that
// scripts/bench.sh started, consumed by the product's AmqpBridge into a fresh SQLite database and by a raw
// rabbitmq-c consume-and-ack loop. Both sides run with a prefetch window of 1,000 and are timed from the connection
// attempt until the last message is acked.

// A fresh durable queue `queue` holding `count` persistent messages (text bodies, each with its own message id
// beginning with `idPrefix`), published with confirms. Exits on failure.
void amqpFillQueue(const QString& url, const QString& queue, int count, const QString& idPrefix);

// Deletes the queue (and the dead-letter queue the bridge declared for it).
void amqpDeleteQueue(const QString& url, const QString& queue);

// One side's run: its rate, and the CPU time this process spent per message meanwhile (every thread; the broker is
// another process), which a busy machine does not inflate the way it inflates wall time.
struct AmqpConsumeRun {
    double messagesPerSecond = 0;
    double cpuMicrosPerMessage = 0;
};

// Raw rabbitmq-c: basic.qos(1000), basic.consume, amqp_consume_message and a basic.ack per message (the library's
// amqp_consumer example), until `count` messages were taken.
AmqpConsumeRun amqpRawConsume(const QString& url, const QString& queue, int count);

// The product: a QueueEngine on `db` (no workers) and an AmqpBridge with its default settings (prefetch 4,000, batch
// 1,000, 5 ms, type noop), until its status counts `count` messages stored and acked. Checks the tasks.
AmqpConsumeRun amqpBridgeConsume(const QString& url, const QString& queue, const QString& db, int count);

} // namespace qd::bench
