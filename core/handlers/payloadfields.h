#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <cmath>
#include <optional>

// Small checks shared by the handlers' validate(): each returns an error message that names the field, in the same
// words everywhere, so that an admin reading the enqueue error knows exactly what to fix.
namespace qd::payload {

inline QString quoted(QLatin1String field)
{
    return QLatin1Char('"') + field + QLatin1Char('"');
}

// A required, non-empty string.
inline std::optional<QString> checkRequiredString(const QJsonObject& payload, QLatin1String field)
{
    const QJsonValue value = payload.value(field);
    if (value.isUndefined())
        return quoted(field) + QStringLiteral(" is required");
    if (!value.isString() || value.toString().isEmpty())
        return quoted(field) + QStringLiteral(" must be a non-empty string");
    return std::nullopt;
}

// An optional string (absent is fine).
inline std::optional<QString> checkOptionalString(const QJsonObject& payload, QLatin1String field)
{
    const QJsonValue value = payload.value(field);
    if (!value.isUndefined() && !value.isString())
        return quoted(field) + QStringLiteral(" must be a string");
    return std::nullopt;
}

// An optional whole number in [min, max] (absent is fine).
inline std::optional<QString> checkOptionalInteger(
    const QJsonObject& payload, QLatin1String field, qint64 min, qint64 max)
{
    const QJsonValue value = payload.value(field);
    if (value.isUndefined())
        return std::nullopt;
    const double d = value.toDouble();
    if (!value.isDouble() || std::floor(d) != d || d < double(min) || d > double(max))
        return quoted(field) + QStringLiteral(" must be a whole number from %1 to %2").arg(min).arg(max);
    return std::nullopt;
}

inline std::optional<QString> checkOptionalBool(const QJsonObject& payload, QLatin1String field)
{
    const QJsonValue value = payload.value(field);
    if (!value.isUndefined() && !value.isBool())
        return quoted(field) + QStringLiteral(" must be true or false");
    return std::nullopt;
}

// An optional array of strings.
inline std::optional<QString> checkOptionalStringArray(const QJsonObject& payload, QLatin1String field)
{
    const QJsonValue value = payload.value(field);
    if (value.isUndefined())
        return std::nullopt;
    if (!value.isArray())
        return quoted(field) + QStringLiteral(" must be an array of strings");
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isString())
            return quoted(field) + QStringLiteral(" must be an array of strings (item %1 is not a string)").arg(i);
    }
    return std::nullopt;
}

// An optional object whose values are all strings.
inline std::optional<QString> checkOptionalStringMap(const QJsonObject& payload, QLatin1String field)
{
    const QJsonValue value = payload.value(field);
    if (value.isUndefined())
        return std::nullopt;
    if (!value.isObject())
        return quoted(field) + QStringLiteral(" must be an object of strings");
    const QJsonObject object = value.toObject();
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!it.value().isString())
            return quoted(field)
                + QStringLiteral(" must be an object of strings (\"%1\" is not a string)").arg(it.key());
    }
    return std::nullopt;
}

inline qint64 integer(const QJsonObject& payload, QLatin1String field, qint64 fallback)
{
    const QJsonValue value = payload.value(field);
    return value.isDouble() ? qint64(value.toDouble()) : fallback;
}

inline QStringList stringList(const QJsonObject& payload, QLatin1String field)
{
    QStringList result;
    const QJsonArray array = payload.value(field).toArray();
    for (const QJsonValue& item : array)
        result.append(item.toString());
    return result;
}

} // namespace qd::payload
