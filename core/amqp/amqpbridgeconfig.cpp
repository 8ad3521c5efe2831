#include "amqpbridgeconfig.h"

#include "amqpurl.h"
#include "core/task.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace qd {

QByteArray AmqpBridgeConfig::toJson() const
{
    QJsonObject o {{QStringLiteral("url"), url}, {QStringLiteral("from"), from}, {QStringLiteral("queue"), queue},
        {QStringLiteral("prefetch"), prefetch}, {QStringLiteral("batch"), batch}, {QStringLiteral("batchMs"), batchMs},
        {QStringLiteral("deadLetterExchange"), deadLetterExchange}};
    if (!type.isEmpty())
        o.insert(QStringLiteral("type"), type);
    if (deadLetterQueue)
        o.insert(QStringLiteral("deadLetterQueue"), *deadLetterQueue);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

Result<AmqpBridgeConfig> AmqpBridgeConfig::fromJson(const QByteArray& json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (!doc.isObject())
        return Error {
            ErrorCode::InvalidArgument, QStringLiteral("an AMQP bridge's configuration must be a JSON object")};
    const QJsonObject o = doc.object();
    AmqpBridgeConfig c;
    c.url = o.value(QStringLiteral("url")).toString();
    c.from = o.value(QStringLiteral("from")).toString();
    c.queue = o.value(QStringLiteral("queue")).toString(c.queue);
    c.type = o.value(QStringLiteral("type")).toString();
    c.prefetch = o.value(QStringLiteral("prefetch")).toInt(c.prefetch);
    c.batch = o.value(QStringLiteral("batch")).toInt(c.batch);
    c.batchMs = o.value(QStringLiteral("batchMs")).toInt(c.batchMs);
    c.deadLetterExchange = o.value(QStringLiteral("deadLetterExchange")).toString(c.deadLetterExchange);
    if (o.contains(QStringLiteral("deadLetterQueue")))
        c.deadLetterQueue = o.value(QStringLiteral("deadLetterQueue")).toString();
    if (std::optional<Error> error = c.check())
        return *error;
    return c;
}

std::optional<Error> AmqpBridgeConfig::check() const
{
    const auto invalid = [](const QString& message) { return Error {ErrorCode::InvalidArgument, message}; };
    if (const Result<AmqpUrl> parsed = AmqpUrl::parse(url); !parsed.ok())
        return parsed.error();
    // AMQP names are short strings: at most 255 bytes.
    if (from.isEmpty() || from.toUtf8().size() > 255)
        return invalid(QStringLiteral("a bridge needs the AMQP queue to consume (1-255 bytes)"));
    if (!isValidQueueName(queue))
        return invalid(QStringLiteral("\"%1\" is not a valid queue name").arg(queue));
    if (prefetch < 1 || prefetch > 65535)
        return invalid(QStringLiteral("prefetch must be 1..65535"));
    if (batch < 1 || batch > prefetch)
        return invalid(QStringLiteral("batch must be 1..prefetch"));
    if (batchMs < 0 || batchMs > 10'000)
        return invalid(QStringLiteral("batchMs must be 0..10000"));
    if (deadLetterExchange.isEmpty() || deadLetterExchange.toUtf8().size() > 255)
        return invalid(QStringLiteral("a bridge needs a dead-letter exchange (1-255 bytes)"));
    if (deadLetterQueueName().toUtf8().size() > 255)
        return invalid(QStringLiteral("the dead-letter queue's name is longer than 255 bytes"));
    return std::nullopt;
}

} // namespace qd
