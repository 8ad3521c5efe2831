#pragma once

#include <QString>

namespace qd::bench {

// B4's peer: RabbitMQ as a task queue. `consumers` threads, each with its own connection and channel
// (basic.qos 1,000, basic.consume, amqp_consume_message, one basic.ack per message: a worker whose handler does
// nothing), drain a durable queue of persistent messages that amqpFillQueue() wrote. Timed from the first
// connection attempt until the last message is acked. Returns messages/s; exits on a broker error.
double amqpDrainRate(const QString& url, const QString& queue, int count, int consumers);

} // namespace qd::bench
