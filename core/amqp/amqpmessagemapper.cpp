#include "amqpmessagemapper.h"

#include "core/queueengine.h"
#include "core/taskjson.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QStringDecoder>

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

} // namespace

Result<NewTask> mapAmqpMessage(
    const AmqpDelivery& delivery, const AmqpBridgeConfig& config, const HandlerRegistry& handlers)
{
    if (const std::optional<QJsonObject> object = taskObject(delivery.body)) {
        Result<NewTask> task = parseTaskJson(delivery.body, handlers);
        if (!task.ok())
            return rejected(QStringLiteral("not a valid task: ") + task.errorString());
        if (!object->contains(u"queue"))
            task->queue = config.queue; // checked by AmqpBridgeConfig::check()
        if (task->idempotencyKey.isEmpty())
            task->idempotencyKey = amqpIdempotencyKey(config.from, delivery);
        return task;
    }
    if (config.type.isEmpty())
        return rejected(QStringLiteral("not a task (no JSON object with a \"type\") and the bridge has no task type"));

    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = utf8.decode(delivery.body);
    const bool binary = utf8.hasError();
    QJsonObject payload {
        {QStringLiteral("body"), binary ? QString::fromLatin1(delivery.body.toBase64()) : text},
        {QStringLiteral("bodyEncoding"), binary ? QStringLiteral("base64") : QStringLiteral("utf8")},
        {QStringLiteral("contentType"), delivery.contentType},
        {QStringLiteral("headers"), delivery.headers},
        {QStringLiteral("exchange"), delivery.exchange},
        {QStringLiteral("routingKey"), delivery.routingKey},
    };
    if (!delivery.messageId.isEmpty())
        payload.insert(QStringLiteral("messageId"), delivery.messageId);
    NewTask task;
    task.queue = config.queue;
    task.type = config.type;
    task.payload = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    task.idempotencyKey = amqpIdempotencyKey(config.from, delivery);
    if (std::optional<Error> error = validateNewTask(task, handlers))
        return rejected(QStringLiteral("not a valid %1 task: %2").arg(config.type, error->message));
    return task;
}

QString amqpIdempotencyKey(const QString& from, const AmqpDelivery& delivery)
{
    if (!delivery.messageId.isEmpty())
        return QStringLiteral("amqp:%1:id:%2").arg(from, delivery.messageId);
    QCryptographicHash hash(QCryptographicHash::Sha256);
    // Lengths first, so that moving bytes from one field to the next changes the digest.
    const QByteArray type = delivery.contentType.toUtf8();
    const QByteArray headers = QJsonDocument(delivery.headers).toJson(QJsonDocument::Compact); // keys sorted
    for (const QByteArray* part : {&type, &headers, &delivery.body}) {
        const quint64 size = quint64(part->size());
        hash.addData(QByteArrayView(reinterpret_cast<const char*>(&size), sizeof size));
        hash.addData(*part);
    }
    return QStringLiteral("amqp:%1:sha256:%2").arg(from, QString::fromLatin1(hash.result().toHex()));
}

} // namespace qd
