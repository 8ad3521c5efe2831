#include "taskjson.h"

#include "export/exportcodec.h"
#include "taskvalidation.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <limits>

namespace qd {

namespace {

Error invalid(const QString& message)
{
    return Error {ErrorCode::InvalidArgument, message};
}

// A JSON number that is a whole number in [min, max].
std::optional<qint64> wholeNumber(const QJsonValue& value, qint64 min, qint64 max)
{
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (std::trunc(d) != d || d < double(min) || d > double(max))
        return std::nullopt;
    return qint64(d);
}

Result<NewTask> fromObject(const QJsonObject& object, const HandlerRegistry& handlers)
{
    NewTask task;
    QJsonObject payload; // parsed once, here, and handed to validateNewTask
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = it.key();
        const QJsonValue value = it.value();
        if (key == u"queue") {
            if (!value.isString())
                return invalid(QStringLiteral("\"queue\" must be a string"));
            task.queue = value.toString();
        } else if (key == u"type") {
            if (!value.isString())
                return invalid(QStringLiteral("\"type\" must be a string"));
            task.type = value.toString();
        } else if (key == u"payload") {
            if (value.isObject()) {
                payload = value.toObject();
            } else if (value.isString()) {
                const QJsonDocument inner = QJsonDocument::fromJson(value.toString().toUtf8());
                if (!inner.isObject())
                    return invalid(QStringLiteral("\"payload\" must be a JSON object"));
                payload = inner.object();
            } else {
                return invalid(QStringLiteral("\"payload\" must be a JSON object"));
            }
        } else if (key == u"priority") {
            const auto n = wholeNumber(value, 0, 100);
            if (!n)
                return invalid(QStringLiteral("\"priority\" must be a whole number from 0 to 100"));
            task.priority = int(*n);
        } else if (key == u"delayMs") {
            const auto n = wholeNumber(value, 0, qint64(1) << 50);
            if (!n)
                return invalid(QStringLiteral("\"delayMs\" must be a whole number of milliseconds, not negative"));
            task.delayMs = *n;
        } else if (key == u"runAt") {
            std::optional<qint64> at = value.isString() ? ExportCodec::parseIsoTime(value.toString())
                                                        : wholeNumber(value, 1, qint64(1) << 50);
            if (!at)
                return invalid(QStringLiteral("\"runAt\" must be an ISO 8601 time or milliseconds since the epoch"));
            task.runAt = *at;
        } else if (key == u"maxAttempts") {
            const auto n = wholeNumber(value, 0, 1'000'000);
            if (!n)
                return invalid(QStringLiteral("\"maxAttempts\" must be a whole number, not negative"));
            task.maxAttempts = int(*n);
        } else if (key == u"timeoutMs") {
            const auto n = wholeNumber(value, 0, std::numeric_limits<int>::max());
            if (!n)
                return invalid(QStringLiteral("\"timeoutMs\" must be a whole number of milliseconds, not negative"));
            task.timeoutMs = int(*n);
        } else if (key == u"idempotencyKey") {
            if (!value.isString() && !value.isNull())
                return invalid(QStringLiteral("\"idempotencyKey\" must be a string"));
            task.idempotencyKey = value.toString();
        } else if (key == u"signature") {
            const auto decoded
                = QByteArray::fromBase64Encoding(value.toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
            if (!value.isString() || !decoded || decoded.decoded.isEmpty())
                return invalid(QStringLiteral("\"signature\" must be a base64 string (an Ed25519 signature)"));
            task.signature = decoded.decoded;
        } else if (key == u"signatureKeyId") {
            if (!value.isString())
                return invalid(QStringLiteral("\"signatureKeyId\" must be a string"));
            task.signatureKeyId = value.toString();
        } else {
            return invalid(QStringLiteral("unknown field \"%1\"").arg(key));
        }
    }
    if (task.type.isEmpty())
        return invalid(QStringLiteral("\"type\" is missing"));
    if (object.contains(u"payload"))
        task.payload = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    if (std::optional<Error> error = validateNewTask(task, handlers, &payload))
        return *error;
    return task;
}

} // namespace

Result<NewTask> parseTaskJson(const QByteArray& json, const HandlerRegistry& handlers)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return invalid(
            QStringLiteral("not valid JSON (%1 at offset %2)").arg(parseError.errorString()).arg(parseError.offset));
    if (!doc.isObject())
        return invalid(QStringLiteral("expected a JSON object"));
    return fromObject(doc.object(), handlers);
}

Result<NewTask> parseTaskJson(const QJsonObject& object, const HandlerRegistry& handlers)
{
    return fromObject(object, handlers);
}

} // namespace qd
