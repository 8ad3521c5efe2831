#include "amqpeventsoutconfig.h"

#include "amqpurl.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace qd {

QByteArray AmqpEventsOutConfig::toJson() const
{
    const QJsonObject o {{QStringLiteral("url"), url}, {QStringLiteral("exchange"), exchange},
        {QStringLiteral("exchangeType"), exchangeType}, {QStringLiteral("routingKeyPrefix"), routingKeyPrefix},
        {QStringLiteral("batch"), batch}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

Result<AmqpEventsOutConfig> AmqpEventsOutConfig::fromJson(const QByteArray& json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (!doc.isObject())
        return Error {
            ErrorCode::InvalidArgument, QStringLiteral("an events-out relay's configuration must be a JSON object")};
    const QJsonObject o = doc.object();
    AmqpEventsOutConfig c;
    c.url = o.value(QStringLiteral("url")).toString();
    c.exchange = o.value(QStringLiteral("exchange")).toString();
    c.exchangeType = o.value(QStringLiteral("exchangeType")).toString(c.exchangeType);
    c.routingKeyPrefix = o.value(QStringLiteral("routingKeyPrefix")).toString(c.routingKeyPrefix);
    c.batch = o.value(QStringLiteral("batch")).toInt(c.batch);
    if (std::optional<Error> error = c.check())
        return *error;
    return c;
}

std::optional<Error> AmqpEventsOutConfig::check() const
{
    const auto invalid = [](const QString& message) { return Error {ErrorCode::InvalidArgument, message}; };
    if (const Result<AmqpUrl> parsed = AmqpUrl::parse(url); !parsed.ok())
        return parsed.error();
    // The default exchange ("") routes by queue name only: events need an exchange of their own.
    if (exchange.isEmpty() || exchange.toUtf8().size() > 255 || exchange.startsWith(QLatin1String("amq.")))
        return invalid(QStringLiteral("events out need an exchange of their own (1-255 bytes, not amq.*)"));
    static const QStringList types {
        QStringLiteral("topic"), QStringLiteral("direct"), QStringLiteral("fanout"), QStringLiteral("headers")};
    if (!types.contains(exchangeType))
        return invalid(QStringLiteral("the exchange type must be topic, direct, fanout or headers"));
    // The longest state and a queue name of up to 64 characters must fit a routing key's 255 bytes.
    if (routingKeyPrefix.toUtf8().size() > 100)
        return invalid(QStringLiteral("the routing key prefix must be at most 100 bytes"));
    if (batch < 1 || batch > 10'000)
        return invalid(QStringLiteral("batch must be 1..10000"));
    return std::nullopt;
}

} // namespace qd
