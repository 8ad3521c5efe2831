#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace qd {

// An AMQP bridge's settings, kept as the JSON text of its row in the `sources` table (kind "amqp").
//   url                 the broker, amqp:// or amqps:// (see AmqpUrl); stored as given, shown without password
//   from                the AMQP queue consumed (it must exist; the bridge does not declare it)
//   queue               the QueueDesk queue of the tasks (default "default"); a task JSON may name its own
//   type                the task type a body that is not a task JSON becomes (empty: such a message is rejected)
//   prefetch            unacknowledged deliveries the broker may send ahead (basic.qos); several batches, so the
//                       broker keeps sending while a batch commits and the next one fills
//   batch, batchMs      deliveries stored per transaction, and how long a batch waits to fill up
//   deadLetterExchange  rejected messages are published there (direct, durable, declared by the bridge) with the
//                       routing key `from` and the reason in the header x-queuedesk-reason
//   deadLetterQueue     a durable queue bound to it for `from` (default FROM.dead-letter; empty: none)
struct AmqpBridgeConfig {
    QString url;
    QString from;
    QString queue = QStringLiteral("default");
    QString type;
    int prefetch = 4000;
    int batch = 1000;
    int batchMs = 5;
    QString deadLetterExchange = QStringLiteral("queuedesk.dead-letter");
    std::optional<QString> deadLetterQueue; // unset: FROM.dead-letter

    QString deadLetterQueueName() const { return deadLetterQueue.value_or(from + QStringLiteral(".dead-letter")); }

    QByteArray toJson() const;
    static Result<AmqpBridgeConfig> fromJson(const QByteArray& json);
    // Checks what can be checked without the broker: the URL, names, ranges.
    std::optional<Error> check() const;
};

} // namespace qd
