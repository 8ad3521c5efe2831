#pragma once

#include "amqpbridgeconfig.h"

#include "core/result.h"
#include "core/task.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace qd {

class HandlerRegistry;

// What the bridge keeps of one delivered message (copied out of rabbitmq-c's envelope).
struct AmqpDelivery {
    QByteArray body;
    QString contentType;
    QString messageId; // empty: the message has none
    QJsonObject headers; // the header table (see amqpTableToJson)
    QString exchange;
    QString routingKey;
};

// Turns a delivered message into the task it becomes, or says why it cannot be one (the bridge then dead-letters it
// with that reason). Pure functions: any thread.
//  - A body that is a JSON object with a string "type" is a task written as JSON (parseTaskJson); its queue is the
//    bridge's unless it names one.
//  - Any other body becomes a task of the bridge's type with the payload {"body", "bodyEncoding" ("utf8", or
//    "base64" for a body that is not UTF-8), "contentType", "headers", "messageId", "exchange", "routingKey"};
//    without a type it is rejected.
// The task's idempotency key is amqpIdempotencyKey(), unless a task JSON sets its own.
// A task JSON is signed by its own "signature" and "signatureKeyId" fields or by the headers below; a signed task
// must set its own idempotencyKey (the signature covers it). The signature is checked at enqueue.
inline const QString amqpSignatureHeader = QStringLiteral("x-queuedesk-signature"); // base64 Ed25519 signature
inline const QString amqpSignatureKeyHeader = QStringLiteral("x-queuedesk-signature-key"); // producer key id
Result<NewTask> mapAmqpMessage(
    const AmqpDelivery& delivery, const AmqpBridgeConfig& config, const HandlerRegistry& handlers);

// "amqp:FROM:id:MESSAGE-ID", or for a message without id "amqp:FROM:sha256:HEX", a digest of its body, content type
// and headers: a message delivered again (after a lost ack, a crash, a broker restart) maps to the same key, so it
// never becomes a second task. Two messages without id and with the same content are one task.
QString amqpIdempotencyKey(const QString& from, const AmqpDelivery& delivery);

} // namespace qd
