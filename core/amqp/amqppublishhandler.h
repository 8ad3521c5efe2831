#pragma once

#include "core/taskhandler.h"

namespace qd {

// Type "amqp": publishes one message to RabbitMQ and succeeds only once the broker confirmed it (publisher confirms).
//
// Payload:
//   connection   (string, required) a broker configured in the worker process (AmqpConnectionDirectory): URLs and
//                passwords are never in a payload ("url" is refused)
//   exchange     (string, default "": the default exchange), routingKey (string, required), both up to 255 bytes
//   body         (string: sent as UTF-8, text/plain; object or array: sent as compact JSON, application/json)
//   headers      (object of strings), contentType (string: replaces the default above)
//   persistent   (default true), mandatory (default true: an unroutable message fails the task instead of vanishing)
//   timeoutMs    (1..600000, default 30000) for the broker's confirm
//
// The message id is qd-task-<task id>, the same on every attempt: a confirm lost with the connection means the
// message is sent again on the retry (at least once), and consumers drop the copy by its id. Headers
// x-queuedesk-task-id and x-queuedesk-attempt are added.
// Failures: connection lost, no confirm in time, a nack: retryable. No such exchange (404), access refused (403),
// an unroutable mandatory message (basic.return), an unknown connection name: permanent.
//
// Each worker thread keeps its own connection per broker open between tasks (thread_local; rabbitmq-c connections
// are single-threaded); a connection found dead when reused is opened again and the message sent once more.
// Thread contract: stateless; run() and validate() may be called from any number of threads at once.
class AmqpPublishHandler final : public TaskHandler {
public:
    QString type() const override { return QStringLiteral("amqp"); }
    QString description() const override;
    QJsonObject payloadTemplate() const override;
    std::optional<QString> validate(const QJsonObject& payload) const override;
    HandlerResult run(const QJsonObject& payload, HandlerContext& context) const override;
};

} // namespace qd
