#include "amqpmessagemapper.h"

#include "core/handlerregistry.h"
#include "core/sourcekeys.h"
#include "core/taskjson.h"
#include "core/taskvalidation.h"

#include <QCryptographicHash>
#include <QJsonDocument>

namespace qd {

namespace {

Error rejected(const QString& reason)
{
    return Error {ErrorCode::InvalidArgument, reason};
}

// The body as a JSON object when it is one that names a task type.
std::optional<QJsonObject> taskObject(const QByteArray& body)
{
    const qsizetype first = body.indexOf('{');
    if (first < 0 || !body.left(first).trimmed().isEmpty())
        return std::nullopt; // cheap exit for the common non-JSON body
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject() || !doc.object().value(u"type").isString())
        return std::nullopt;
    return doc.object();
}

// Appends `utf8` (valid UTF-8) as a JSON string. Written out by hand: building a QJsonObject and serializing it was
// a third of the bridge's own time per message (it goes through QCborValue).
void appendJsonString(QByteArray& out, QByteArrayView utf8)
{
    static const char hex[] = "0123456789abcdef";
    out.append('"');
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.append('\\');
            out.append(c);
        } else if (u < 0x20) {
            out.append("\\u00", 4);
            out.append(hex[u >> 4]);
            out.append(hex[u & 15]);
        } else {
            out.append(c);
        }
    }
    out.append('"');
}

// A task JSON's signature from the message's headers (unless the JSON carries its own); a signed task must name its
// own idempotency key, which its signature covers (a key made from the delivery would not verify).
std::optional<QString> takeSignatureHeaders(const AmqpDelivery& delivery, NewTask& task)
{
    const QJsonValue signature = delivery.headers.value(amqpSignatureHeader);
    const QJsonValue keyId = delivery.headers.value(amqpSignatureKeyHeader);
    if (task.signature.isEmpty() && task.signatureKeyId.isEmpty()
        && (!signature.isUndefined() || !keyId.isUndefined())) {
        const auto decoded
            = QByteArray::fromBase64Encoding(signature.toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!signature.isString() || !decoded || !keyId.isString())
            return QStringLiteral("the headers %1 (base64) and %2 must both be strings")
                .arg(amqpSignatureHeader, amqpSignatureKeyHeader);
        task.signature = decoded.decoded;
        task.signatureKeyId = keyId.toString();
    }
    if ((!task.signature.isEmpty() || !task.signatureKeyId.isEmpty()) && task.idempotencyKey.isEmpty())
        return QStringLiteral("a signed task must carry its own idempotencyKey (its signature covers it)");
    return std::nullopt;
}

void appendMember(QByteArray& out, const char* key, QByteArrayView utf8)
{
    out.append(out.size() > 1 ? ",\"" : "\"");
    out.append(key);
    out.append("\":", 2);
    appendJsonString(out, utf8);
}

} // namespace

Result<NewTask> mapAmqpMessage(
    const AmqpDelivery& delivery, const AmqpBridgeConfig& config, const HandlerRegistry& handlers)
{
    if (const std::optional<QJsonObject> object = taskObject(delivery.body)) {
        Result<NewTask> task = parseTaskJson(*object, handlers);
        if (!task.ok())
            return rejected(QStringLiteral("not a valid task: ") + task.errorString());
        if (!object->contains(u"queue"))
            task->queue = config.queue; // checked by AmqpBridgeConfig::check()
        if (std::optional<QString> problem = takeSignatureHeaders(delivery, task.value()))
            return rejected(*problem);
        if (task->idempotencyKey.isEmpty())
            task->idempotencyKey = amqpIdempotencyKey(config.from, delivery);
        return task;
    }
    if (config.type.isEmpty())
        return rejected(QStringLiteral("not a task (no JSON object with a \"type\") and the bridge has no task type"));
    if (delivery.headers.contains(amqpSignatureHeader) || delivery.headers.contains(amqpSignatureKeyHeader))
        return rejected(QStringLiteral("a signature is taken only on a body that is a task written as JSON"));

    const bool binary = !QByteArrayView(delivery.body).isValidUtf8();
    // The members in QJsonObject's (sorted) order, so the payload reads as any other stored JSON.
    QByteArray payload;
    payload.reserve(delivery.body.size() * 4 / 3 + 200);
    payload.append('{');
    appendMember(payload, "body", binary ? QByteArrayView(delivery.body.toBase64()) : QByteArrayView(delivery.body));
    appendMember(payload, "bodyEncoding", binary ? "base64" : "utf8");
    appendMember(payload, "contentType", delivery.contentType.toUtf8());
    appendMember(payload, "exchange", delivery.exchange.toUtf8());
    payload.append(",\"headers\":");
    payload.append(
        delivery.headers.isEmpty() ? QByteArray("{}") : QJsonDocument(delivery.headers).toJson(QJsonDocument::Compact));
    if (!delivery.messageId.isEmpty())
        appendMember(payload, "messageId", delivery.messageId.toUtf8());
    appendMember(payload, "routingKey", delivery.routingKey.toUtf8());
    payload.append('}');
    NewTask task;
    task.queue = config.queue;
    task.type = config.type;
    task.payload = std::move(payload);
    task.idempotencyKey = amqpIdempotencyKey(config.from, delivery);
    // The payload written above is a JSON object: a type that reads none of it is validated without parsing it.
    const TaskHandler* handler = handlers.find(task.type);
    static const QJsonObject unread;
    const QJsonObject* parsed = handler && handler->acceptsAnyPayload() ? &unread : nullptr;
    if (std::optional<Error> error = validateNewTask(task, handlers, parsed))
        return rejected(QStringLiteral("not a valid %1 task: %2").arg(config.type, error->message));
    return task;
}

QString amqpIdempotencyKey(const QString& from, const AmqpDelivery& delivery)
{
    if (!delivery.messageId.isEmpty())
        return amqpTaskKeyPrefix(from) + QStringLiteral("id:") + delivery.messageId;
    QCryptographicHash hash(QCryptographicHash::Sha256);
    // Lengths first, so that moving bytes from one field to the next changes the digest.
    const QByteArray type = delivery.contentType.toUtf8();
    const QByteArray headers = QJsonDocument(delivery.headers).toJson(QJsonDocument::Compact); // keys sorted
    for (const QByteArray* part : {&type, &headers, &delivery.body}) {
        const quint64 size = quint64(part->size());
        hash.addData(QByteArrayView(reinterpret_cast<const char*>(&size), sizeof size));
        hash.addData(*part);
    }
    return amqpTaskKeyPrefix(from) + QStringLiteral("sha256:") + QString::fromLatin1(hash.result().toHex());
}

} // namespace qd
