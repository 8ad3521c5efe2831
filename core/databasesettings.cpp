#include "databasesettings.h"

#include <QDir>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>

namespace qd {

namespace {

constexpr int maxDays = 36500;
constexpr int maxListItems = 256;
constexpr int metricsDaysDefault = 30;

Error invalid(const QString& key, const QString& why)
{
    return Error {ErrorCode::InvalidArgument, QStringLiteral("%1: %2").arg(key, why)};
}

std::optional<QString> programError(const QString& path)
{
    if (path.isEmpty())
        return QStringLiteral("a program's path is empty");
    if (!QDir::isAbsolutePath(path))
        return QStringLiteral("\"%1\" is not an absolute path").arg(path);
    if (QDir::cleanPath(path) != path)
        return QStringLiteral("\"%1\" is not written plainly (write it as \"%2\")").arg(path, QDir::cleanPath(path));
    for (QChar c : path) {
        if (c.category() == QChar::Other_Control)
            return QStringLiteral("\"%1\" holds a control character").arg(path);
    }
    return std::nullopt;
}

std::optional<QString> hostError(const QString& host)
{
    static const QRegularExpression name(
        QStringLiteral(R"(^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$)"));
    if (host.isEmpty())
        return QStringLiteral("a host is empty");
    if (!QHostAddress(host).isNull())
        return std::nullopt;
    if (host.size() > 253 || !name.match(host).hasMatch())
        return QStringLiteral("\"%1\" is not a host name or an IP address").arg(host);
    return std::nullopt;
}

Result<QJsonValue> checkedList(const SettingSpec& spec, const QJsonValue& value)
{
    if (!value.isArray())
        return invalid(spec.key, QStringLiteral("expected a list"));
    const QJsonArray items = value.toArray();
    if (items.size() > maxListItems)
        return invalid(spec.key, QStringLiteral("at most %1 items").arg(maxListItems));
    QJsonArray result;
    QSet<QString> seen;
    for (const QJsonValue& item : items) {
        if (!item.isString())
            return invalid(spec.key, QStringLiteral("every item must be a string"));
        QString text = item.toString();
        if (spec.type == SettingType::HostList)
            text = text.toLower();
        if (auto error = spec.type == SettingType::ProgramList ? programError(text) : hostError(text))
            return invalid(spec.key, *error);
        if (seen.contains(text))
            return invalid(spec.key, QStringLiteral("\"%1\" is listed twice").arg(text));
        seen.insert(text);
        result.append(text);
    }
    return QJsonValue(result);
}

QStringList stringList(const QJsonValue& value)
{
    QStringList result;
    for (const QJsonValue& item : value.toArray())
        result.append(item.toString());
    return result;
}

} // namespace

const QList<SettingSpec>& knownSettings()
{
    static const QList<SettingSpec> specs {
        {settingkeys::commandAllowedPrograms, SettingType::ProgramList, QJsonArray {},
            QStringLiteral("Programs the command task type may run, as absolute paths; empty: the type is off.")},
        {settingkeys::networkRefuseLoopback, SettingType::Bool, false,
            QStringLiteral("Notify tasks may not send to this host's own addresses (127.0.0.0/8, ::1).")},
        {settingkeys::networkRefusePrivate, SettingType::Bool, false,
            QStringLiteral("Notify tasks may not send to private networks (10/8, 172.16/12, 192.168/16, fc00::/7).")},
        {settingkeys::networkAllowHosts, SettingType::HostList, QJsonArray {},
            QStringLiteral("The only hosts notify tasks may send to; empty: any host the other rules allow.")},
        {settingkeys::retentionEndedTasksDays, SettingType::Days, 0,
            QStringLiteral("Ended tasks (succeeded, failed, cancelled) and their history are deleted this many days "
                           "after they ended; 0: kept until purged.")},
        {settingkeys::retentionMetricsDays, SettingType::Days, metricsDaysDefault,
            QStringLiteral("Days of per-minute chart history kept; 0: kept forever.")},
    };
    return specs;
}

const SettingSpec* findSetting(const QString& key)
{
    for (const SettingSpec& spec : knownSettings()) {
        if (spec.key == key)
            return &spec;
    }
    return nullptr;
}

Result<QJsonValue> checkedSettingValue(const QString& key, const QJsonValue& value)
{
    const SettingSpec* spec = findSetting(key);
    if (!spec) {
        QStringList keys;
        for (const SettingSpec& s : knownSettings())
            keys.append(s.key);
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("Unknown setting \"%1\"; the settings are: %2").arg(key, keys.join(QStringLiteral(", ")))};
    }
    switch (spec->type) {
    case SettingType::Bool:
        if (!value.isBool())
            return invalid(key, QStringLiteral("expected true or false"));
        return value;
    case SettingType::Days: {
        const double days = value.toDouble(-1);
        if (!value.isDouble() || days != double(qint64(days)) || days < 0 || days > maxDays)
            return invalid(key, QStringLiteral("expected a whole number of days from 0 to %1").arg(maxDays));
        return QJsonValue(int(days));
    }
    case SettingType::ProgramList:
    case SettingType::HostList:
        return checkedList(*spec, value);
    }
    return invalid(key, QStringLiteral("unsupported type"));
}

Result<QJsonValue> parseSettingValue(const QString& key, const QString& given)
{
    const SettingSpec* spec = findSetting(key);
    if (!spec)
        return checkedSettingValue(key, QJsonValue());
    const QString text = given.trimmed();
    switch (spec->type) {
    case SettingType::Bool: {
        const QString lower = text.toLower();
        if (lower == QLatin1String("true") || lower == QLatin1String("on") || lower == QLatin1String("yes")
            || lower == QLatin1String("1"))
            return QJsonValue(true);
        if (lower == QLatin1String("false") || lower == QLatin1String("off") || lower == QLatin1String("no")
            || lower == QLatin1String("0"))
            return QJsonValue(false);
        return invalid(key, QStringLiteral("\"%1\" is not true or false").arg(given));
    }
    case SettingType::Days: {
        bool ok = false;
        const qint64 days = text.toLongLong(&ok);
        if (!ok)
            return invalid(key, QStringLiteral("\"%1\" is not a whole number of days").arg(given));
        return checkedSettingValue(key, QJsonValue(double(days)));
    }
    case SettingType::ProgramList:
    case SettingType::HostList: {
        if (text.startsWith(QLatin1Char('['))) {
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &error);
            if (error.error != QJsonParseError::NoError || !doc.isArray())
                return invalid(key, QStringLiteral("not a JSON array of strings: %1").arg(error.errorString()));
            return checkedSettingValue(key, doc.array());
        }
        QJsonArray items;
        if (!text.isEmpty()) {
            for (const QString& item : text.split(QLatin1Char(',')))
                items.append(item.trimmed());
        }
        return checkedSettingValue(key, items);
    }
    }
    return invalid(key, QStringLiteral("unsupported type"));
}

QString settingValueText(const QJsonValue& value)
{
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.isDouble())
        return QString::number(value.toInteger());
    if (value.isArray()) {
        const QStringList items = stringList(value);
        return items.isEmpty() ? QStringLiteral("(none)") : items.join(QStringLiteral(", "));
    }
    return value.toString();
}

QJsonValue DatabaseSettings::value(const QString& key) const
{
    if (const auto it = stored.constFind(key); it != stored.cend())
        return *it;
    const SettingSpec* spec = findSetting(key);
    return spec ? spec->defaultValue : QJsonValue();
}

QStringList DatabaseSettings::allowedPrograms() const
{
    return stringList(value(settingkeys::commandAllowedPrograms));
}

int DatabaseSettings::endedTasksDays() const
{
    return value(settingkeys::retentionEndedTasksDays).toInt();
}

int DatabaseSettings::metricsDays() const
{
    return value(settingkeys::retentionMetricsDays).toInt();
}

CommandHandlerSettings DatabaseSettings::commandSettings() const
{
    CommandHandlerSettings settings;
    settings.allowedPrograms = allowedPrograms();
    settings.enabled = !settings.allowedPrograms.isEmpty();
    return settings;
}

NetworkPolicy DatabaseSettings::networkPolicy() const
{
    NetworkPolicy policy;
    policy.refuseLoopback = value(settingkeys::networkRefuseLoopback).toBool();
    policy.refusePrivate = value(settingkeys::networkRefusePrivate).toBool();
    policy.allowedHosts = stringList(value(settingkeys::networkAllowHosts));
    return policy;
}

DatabaseSettings DatabaseSettings::fromRows(const QList<std::pair<QString, QString>>& rows, QStringList* ignored)
{
    DatabaseSettings settings;
    for (const auto& [key, json] : rows) {
        // Wrapped in an array, so that a scalar (true, 30) parses as a document.
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson('[' + json.toUtf8() + ']', &error);
        auto checked = error.error == QJsonParseError::NoError && doc.array().size() == 1
            ? checkedSettingValue(key, doc.array().at(0))
            : Result<QJsonValue>(invalid(key, QStringLiteral("not JSON")));
        if (checked)
            settings.stored.insert(key, *checked);
        else if (ignored)
            ignored->append(checked.errorString());
    }
    return settings;
}

} // namespace qd
