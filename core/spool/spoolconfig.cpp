#include "spoolconfig.h"

#include "core/task.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>

namespace qd {

namespace {

constexpr qint64 maxStableMs = 24LL * 3600 * 1000;

QString substitute(QString text, const QHash<QString, QString>& values)
{
    if (!text.contains(u'{'))
        return text;
    QString out;
    out.reserve(text.size());
    qsizetype i = 0;
    while (i < text.size()) {
        if (text[i] == u'{') {
            const qsizetype close = text.indexOf(u'}', i + 1);
            if (close > i) {
                const auto it = values.constFind(text.mid(i + 1, close - i - 1));
                if (it != values.constEnd()) {
                    out += *it;
                    i = close + 1;
                    continue;
                }
            }
        }
        out += text[i++];
    }
    return out;
}

QJsonValue substituteValue(const QJsonValue& value, const QHash<QString, QString>& values);

QJsonObject substituteObject(const QJsonObject& object, const QHash<QString, QString>& values)
{
    QJsonObject out;
    for (auto it = object.begin(); it != object.end(); ++it)
        out.insert(substitute(it.key(), values), substituteValue(it.value(), values));
    return out;
}

QJsonValue substituteValue(const QJsonValue& value, const QHash<QString, QString>& values)
{
    if (value.isString())
        return substitute(value.toString(), values);
    if (value.isObject())
        return substituteObject(value.toObject(), values);
    if (value.isArray()) {
        QJsonArray out;
        for (const QJsonValue& v : value.toArray())
            out.append(substituteValue(v, values));
        return out;
    }
    return value;
}

} // namespace

QByteArray SpoolConfig::toJson() const
{
    QJsonObject o {{QStringLiteral("dir"), dir}, {QStringLiteral("queue"), queue}};
    if (!type.isEmpty())
        o.insert(QStringLiteral("type"), type);
    if (!pattern.isEmpty())
        o.insert(QStringLiteral("pattern"), pattern);
    if (!payloadTemplate.isEmpty())
        o.insert(QStringLiteral("payloadTemplate"), payloadTemplate);
    if (stableMs > 0)
        o.insert(QStringLiteral("stableMs"), stableMs);
    if (!stableDir.isEmpty())
        o.insert(QStringLiteral("stableDir"), stableDir);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

Result<SpoolConfig> SpoolConfig::fromJson(const QByteArray& json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (!doc.isObject())
        return Error {ErrorCode::InvalidArgument, QStringLiteral("a spool's configuration must be a JSON object")};
    const QJsonObject o = doc.object();
    SpoolConfig config;
    config.dir = o.value(QStringLiteral("dir")).toString();
    config.type = o.value(QStringLiteral("type")).toString();
    config.pattern = o.value(QStringLiteral("pattern")).toString();
    config.payloadTemplate = o.value(QStringLiteral("payloadTemplate")).toObject();
    config.queue = o.value(QStringLiteral("queue")).toString(QStringLiteral("default"));
    config.stableMs = o.value(QStringLiteral("stableMs")).toInteger(0);
    config.stableDir = o.value(QStringLiteral("stableDir")).toString();
    if (std::optional<Error> error = config.check())
        return *error;
    return config;
}

std::optional<Error> SpoolConfig::check() const
{
    if (dir.isEmpty() || !QDir::isAbsolutePath(dir))
        return Error {ErrorCode::InvalidArgument, QStringLiteral("a spool needs an absolute folder")};
    if (!isValidQueueName(queue))
        return Error {ErrorCode::InvalidArgument, QStringLiteral("\"%1\" is not a valid queue name").arg(queue)};
    if (type.isEmpty() && (!pattern.isEmpty() || !payloadTemplate.isEmpty()))
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("a pattern or payload template needs a task type for the data files")};
    if (stableMs < 0 || stableMs > maxStableMs)
        return Error {
            ErrorCode::InvalidArgument, QStringLiteral("the stable time must be between 0 and %1 ms").arg(maxStableMs)};
    if (!stableDir.isEmpty()) {
        if (stableMs == 0)
            return Error {ErrorCode::InvalidArgument, QStringLiteral("a stable folder needs a stable time")};
        if (!QDir::isAbsolutePath(stableDir))
            return Error {ErrorCode::InvalidArgument, QStringLiteral("the stable folder must be absolute")};
        // The spool's own sub-folders hold files at other stages: taking from them would move them twice.
        const QString clean = QDir::cleanPath(stableDir);
        for (const char* sub : {"tmp", "new", "cur", "done", "failed"}) {
            if (clean == QDir::cleanPath(dir + u'/' + QLatin1String(sub)))
                return Error {ErrorCode::InvalidArgument,
                    QStringLiteral("the stable folder cannot be the spool's %1/").arg(QLatin1String(sub))};
        }
    }
    return std::nullopt;
}

QString SpoolConfig::stableFolder() const
{
    if (stableMs <= 0)
        return {};
    return stableDir.isEmpty() ? dir : stableDir;
}

QByteArray SpoolConfig::payloadFor(const QString& name) const
{
    const qsizetype dot = name.lastIndexOf(u'.');
    const bool hasExt = dot > 0;
    const QHash<QString, QString> values {
        {QStringLiteral("path"), QDir(dir).filePath(QStringLiteral("cur/") + name)},
        {QStringLiteral("name"), name},
        {QStringLiteral("stem"), hasExt ? name.left(dot) : name},
        {QStringLiteral("ext"), hasExt ? name.mid(dot + 1) : QString()},
        {QStringLiteral("spool"), dir},
    };
    return QJsonDocument(substituteObject(payloadTemplate, values)).toJson(QJsonDocument::Compact);
}

} // namespace qd
