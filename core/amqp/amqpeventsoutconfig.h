#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace qd {

// An events-out relay's settings, kept as the JSON text of its row in the `sources` table (kind "amqp-out").
//   url               the broker, amqp:// or amqps:// (see AmqpUrl); stored as given, shown without password
//   exchange          where the events go; declared by the relay (durable, of exchangeType) if missing
//   exchangeType      topic (default), direct, fanout or headers
//   routingKeyPrefix  an event's routing key is PREFIX + state + "." + queue (default "queuedesk.")
//   batch             events published per confirm wait (1..10000, default 500)
struct AmqpEventsOutConfig {
    QString url;
    QString exchange;
    QString exchangeType = QStringLiteral("topic");
    QString routingKeyPrefix = QStringLiteral("queuedesk.");
    int batch = 500;

    QByteArray toJson() const;
    static Result<AmqpEventsOutConfig> fromJson(const QByteArray& json);
    // Checks what can be checked without the broker.
    std::optional<Error> check() const;
};

} // namespace qd
