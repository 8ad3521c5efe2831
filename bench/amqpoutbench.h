#pragma once

#include <QString>

namespace qd::bench {

// B19, `amqp` tasks out to RabbitMQ: each side publishes `count` persistent messages (the same body) through the
// default exchange, mandatory, to a fresh durable queue of the broker that scripts/bench.sh started, on 2 threads,
// each publishing one message and waiting for its confirm before the next (publisher confirms one at a time).

// Raw rabbitmq-c: 2 threads, a connection each in confirm mode: basic.publish, then wait for the basic.ack, repeat.
// Timed from the first connection attempt to the last confirm. Returns messages/s.
double amqpRawPublishRate(const QString& url, const QString& queue, int count);

// The product: `count` amqp tasks enqueued beforehand into a fresh SQLite database (`db`), then a QueueEngine with
// 2 workers runs them (AmqpPublishHandler: publish, wait for the confirm, the task succeeds). Timed from the
// engine's open to the last success committed. Returns tasks/s; checks the queue holds `count` messages.
double amqpTaskPublishRate(const QString& url, const QString& queue, const QString& db, int count);

} // namespace qd::bench
