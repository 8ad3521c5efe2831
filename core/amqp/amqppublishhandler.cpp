#include "amqppublishhandler.h"

#include "amqpconnectiondirectory.h"
#include "amqppublisher.h"

#include "core/handlercontext.h"
#include "core/handlers/payloadfields.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <map>
#include <memory>

namespace qd {

namespace {

constexpr qint64 defaultTimeoutMs = 30000;
constexpr qint64 maxTimeoutMs = 600000;
constexpr int connectTimeoutMs = 10000;

const QLatin1String connectionKey("connection");
const QLatin1String exchangeKey("exchange");
const QLatin1String routingKeyKey("routingKey");
const QLatin1String bodyKey("body");
const QLatin1String headersKey("headers");
const QLatin1String contentTypeKey("contentType");
const QLatin1String persistentKey("persistent");
const QLatin1String mandatoryKey("mandatory");
const QLatin1String timeoutKey("timeoutMs");

bool sameBroker(const AmqpUrl& a, const AmqpUrl& b)
{
    return a.tls == b.tls && a.host == b.host && a.port == b.port && a.user == b.user && a.password == b.password
        && a.vhost == b.vhost && a.caCertFile == b.caCertFile && a.certFile == b.certFile && a.keyFile == b.keyFile;
}

// This worker thread's open connections, by connection name; closed when the thread ends.
struct ThreadConnection {
    AmqpUrl url;
    AmqpConfirmPublisher publisher;
};
thread_local std::map<QString, std::unique_ptr<ThreadConnection>> threadConnections;

AmqpOutgoing messageFrom(const QJsonObject& payload, const HandlerContext& context)
{
    AmqpOutgoing m;
    m.exchange = payload.value(exchangeKey).toString().toUtf8();
    m.routingKey = payload.value(routingKeyKey).toString().toUtf8();
    const QJsonValue body = payload.value(bodyKey);
    if (body.isString()) {
        m.body = body.toString().toUtf8();
        m.contentType = QByteArrayLiteral("text/plain; charset=utf-8");
    } else {
        m.body = body.isArray() ? QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact)
                                : QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
        m.contentType = QByteArrayLiteral("application/json");
    }
    if (payload.contains(contentTypeKey))
        m.contentType = payload.value(contentTypeKey).toString().toUtf8();
    m.messageId = QByteArrayLiteral("qd-task-") + QByteArray::number(context.taskId());
    const QJsonObject headers = payload.value(headersKey).toObject();
    for (auto it = headers.begin(); it != headers.end(); ++it)
        m.headers.append({it.key().toUtf8(), it.value().toString().toUtf8()});
    m.headers.append({QByteArrayLiteral("x-queuedesk-task-id"), QByteArray::number(context.taskId())});
    m.headers.append({QByteArrayLiteral("x-queuedesk-attempt"), QByteArray::number(context.attempt())});
    m.persistent = payload.value(persistentKey).toBool(true);
    m.mandatory = payload.value(mandatoryKey).toBool(true);
    return m;
}

} // namespace

QString AmqpPublishHandler::description() const
{
    return QStringLiteral("Publishes a message to RabbitMQ and waits for the broker's confirm; unroutable or refused "
                          "messages fail, a lost connection or a nack is retried.");
}

QJsonObject AmqpPublishHandler::payloadTemplate() const
{
    return QJsonObject {
        {connectionKey, QStringLiteral("main")},
        {exchangeKey, QStringLiteral("amq.topic")},
        {routingKeyKey, QStringLiteral("orders.created")},
        {bodyKey, QJsonObject {{QStringLiteral("order"), 42}}},
        {headersKey, QJsonObject {}},
    };
}

std::optional<QString> AmqpPublishHandler::validate(const QJsonObject& payload) const
{
    for (const char* secret : {"url", "password", "uri"}) {
        if (payload.contains(QLatin1String(secret)))
            return QStringLiteral("\"%1\" is not accepted: name a broker configured in the worker in \"connection\" "
                                  "(queuedesk-cli work --amqp-url NAME=URL), so no password is stored in a task")
                .arg(QLatin1String(secret));
    }
    if (auto error = payload::checkRequiredString(payload, connectionKey))
        return error;
    if (!AmqpConnectionDirectory::isValidName(payload.value(connectionKey).toString()))
        return QStringLiteral("\"connection\" must be a name of letters, digits, '_' and '-' (up to 64)");
    if (auto error = payload::checkOptionalString(payload, exchangeKey))
        return error;
    if (!payload.value(routingKeyKey).isString())
        return QStringLiteral("\"routingKey\" is required and must be a string (it may be empty)");
    for (QLatin1String key : {exchangeKey, routingKeyKey}) {
        if (payload.value(key).toString().toUtf8().size() > 255)
            return payload::quoted(key) + QStringLiteral(" must be at most 255 bytes");
    }
    const QJsonValue body = payload.value(bodyKey);
    if (!body.isString() && !body.isObject() && !body.isArray())
        return QStringLiteral("\"body\" is required: a string, or a JSON object or array (sent as JSON)");
    if (auto error = payload::checkOptionalStringMap(payload, headersKey))
        return error;
    if (auto error = payload::checkOptionalString(payload, contentTypeKey))
        return error;
    if (payload.value(contentTypeKey).toString().toUtf8().size() > 255)
        return QStringLiteral("\"contentType\" must be at most 255 bytes");
    for (QLatin1String key : {persistentKey, mandatoryKey}) {
        if (auto error = payload::checkOptionalBool(payload, key))
            return error;
    }
    return payload::checkOptionalInteger(payload, timeoutKey, 1, maxTimeoutMs);
}

HandlerResult AmqpPublishHandler::run(const QJsonObject& payload, HandlerContext& context) const
{
    if (auto error = validate(payload))
        return HandlerResult::permanent(*error);
    const QString name = payload.value(connectionKey).toString();
    const std::optional<AmqpUrl> url = AmqpConnectionDirectory::instance().find(name);
    if (!url)
        return HandlerResult::permanent(
            QStringLiteral("no AMQP connection \"%1\" is configured in this worker (queuedesk-cli work --amqp-url "
                           "%1=URL, or QUEUEDESK_AMQP_URL_%1)")
                .arg(name));
    const AmqpOutgoing message = messageFrom(payload, context);
    const int timeoutMs = int(payload::integer(payload, timeoutKey, defaultTimeoutMs));
    const auto stop = [&context] { return context.isCancelled(); };

    std::unique_ptr<ThreadConnection>& slot = threadConnections[name];
    if (slot && !sameBroker(slot->url, *url))
        slot.reset(); // the name now means another broker
    if (!slot) {
        slot = std::make_unique<ThreadConnection>();
        slot->url = *url;
    }
    AmqpConfirmPublisher& publisher = slot->publisher;

    // A connection kept from an earlier task may have died meanwhile (broker restarted, idle cut): one more try on
    // a fresh connection then. A fresh connection that fails is the broker's answer.
    bool reused = publisher.isOpen();
    for (;;) {
        if (!publisher.isOpen()) {
            reused = false;
            if (Status s = publisher.open(*url, 0, qMin(timeoutMs, connectTimeoutMs)); !s.ok())
                return HandlerResult::retryable(s.errorString());
        }
        Status sent = publisher.publish(message);
        Result<QList<AmqpConfirmOutcome>> confirmed
            = sent.ok() ? publisher.waitForConfirms(timeoutMs, stop) : Result<QList<AmqpConfirmOutcome>>(sent.error());
        if (!confirmed.ok()) {
            if (confirmed.error().code == ErrorCode::InvalidArgument)
                return HandlerResult::permanent(confirmed.errorString());
            if (reused && !context.isCancelled()) {
                reused = false;
                continue;
            }
            return HandlerResult::retryable(confirmed.errorString());
        }
        if (confirmed->size() != 1)
            return HandlerResult::retryable(QStringLiteral("no confirm from the broker for the message"));
        const AmqpConfirmOutcome outcome = confirmed->first();
        if (outcome.kind == AmqpConfirmOutcome::Kind::Returned)
            return HandlerResult::permanent(
                QStringLiteral("%1 (exchange \"%2\", routing key \"%3\")")
                    .arg(outcome.reason, QString::fromUtf8(message.exchange), QString::fromUtf8(message.routingKey)));
        if (outcome.kind == AmqpConfirmOutcome::Kind::Nacked)
            return HandlerResult::retryable(outcome.reason);
        return HandlerResult::success(QJsonObject {
            {QStringLiteral("messageId"), QString::fromUtf8(message.messageId)},
            {QStringLiteral("exchange"), QString::fromUtf8(message.exchange)},
            {QStringLiteral("routingKey"), QString::fromUtf8(message.routingKey)},
            {QStringLiteral("bytes"), qint64(message.body.size())},
        });
    }
}

} // namespace qd
