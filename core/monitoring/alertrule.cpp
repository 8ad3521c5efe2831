#include "alertrule.h"

#include "capacityforecast.h"

#include <QJsonArray>
#include <QLocale>
#include <QUrl>

#include <array>
#include <cmath>

namespace qd {

namespace {

struct ConditionInfo {
    AlertCondition condition;
    const char16_t* name;
    const char16_t* figure; // what describe() says is above the threshold
    bool timed; // threshold in milliseconds
};

constexpr std::array<ConditionInfo, 8> conditions {{
    {AlertCondition::QueueLength, u"length", u"length", false},
    {AlertCondition::OldestQueuedAge, u"oldest-age", u"age of the oldest queued task", true},
    {AlertCondition::FailureRate, u"failure-rate", u"failure rate", false},
    {AlertCondition::Stall, u"stall", u"no attempt ended", true},
    {AlertCondition::WaitP95, u"wait-p95", u"wait p95", true},
    {AlertCondition::WillNotDrain, u"will-not-drain", u"will not drain", false},
    {AlertCondition::DrainTime, u"drain-time", u"forecast drain time", true},
    {AlertCondition::WorkerSilent, u"worker-silent", u"a worker process silent", true},
}};

const ConditionInfo& info(AlertCondition condition)
{
    for (const ConditionInfo& c : conditions) {
        if (c.condition == condition)
            return c;
    }
    return conditions.front();
}

const QLatin1String idKey("id");
const QLatin1String nameKey("name");
const QLatin1String queueKey("queue");
const QLatin1String conditionKey("condition");
const QLatin1String thresholdKey("threshold");
const QLatin1String forKey("forMs");
const QLatin1String windowKey("windowMs");
const QLatin1String minVolumeKey("minVolume");
const QLatin1String enabledKey("enabled");
const QLatin1String webhookKey("webhook");
const QLatin1String commandKey("command");
const QLatin1String programKey("program");
const QLatin1String argsKey("args");
const QLatin1String timeoutKey("timeoutMs");

QString duration(qint64 ms)
{
    return aboutDuration(double(ms) / 1000).remove(QStringLiteral("about "));
}

// {"program": "/usr/local/bin/page", "args": ["--team", "ops"], "timeoutMs": 30000}; the error names the field.
Result<AlertCommand> commandFromJson(const QJsonValue& value)
{
    const auto fail = [](const QString& message) { return Error {ErrorCode::InvalidArgument, message}; };
    if (!value.isObject())
        return fail(QStringLiteral("\"command\" must be an object with \"program\", \"args\" and \"timeoutMs\""));
    const QJsonObject json = value.toObject();
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (it.key() != programKey && it.key() != argsKey && it.key() != timeoutKey)
            return fail(QStringLiteral("unknown field \"command.%1\"").arg(it.key()));
    }
    AlertCommand command;
    command.program = json.value(programKey).toString();
    if (!json.value(programKey).isString() || command.program.trimmed().isEmpty() || command.program.contains(QChar(0)))
        return fail(QStringLiteral("\"command.program\" must name a program"));
    if (command.program != command.program.trimmed())
        return fail(QStringLiteral("\"command.program\" must not start or end with spaces"));
    const QJsonValue args = json.value(argsKey);
    if (!args.isUndefined() && !args.isArray())
        return fail(QStringLiteral("\"command.args\" must be a list of texts"));
    for (const QJsonValue& arg : args.toArray()) {
        if (!arg.isString() || arg.toString().contains(QChar(0)))
            return fail(QStringLiteral("\"command.args\" must be a list of texts"));
        command.args.append(arg.toString());
    }
    const QJsonValue timeout = json.value(timeoutKey);
    if (!timeout.isUndefined()) {
        const double ms = timeout.toDouble(-1);
        if (!timeout.isDouble() || ms != std::floor(ms) || ms < 1000 || ms > double(AlertCommand::maxTimeoutMs))
            return fail(QStringLiteral("\"command.timeoutMs\" must be a whole number from 1000 to %1")
                            .arg(AlertCommand::maxTimeoutMs));
        command.timeoutMs = qint64(ms);
    }
    return command;
}

} // namespace

QString alertConditionName(AlertCondition condition)
{
    return QString::fromUtf16(info(condition).name);
}

std::optional<AlertCondition> alertConditionFromName(QStringView name)
{
    for (const ConditionInfo& c : conditions) {
        if (name == QStringView(c.name))
            return c.condition;
    }
    return std::nullopt;
}

QString AlertRule::describe() const
{
    const ConditionInfo& c = info(condition);
    const QString where = queue.isEmpty() ? QStringLiteral("all queues") : queue;
    QString text;
    switch (condition) {
    case AlertCondition::WillNotDrain:
        text = QStringLiteral("%1 will not drain").arg(where);
        break;
    case AlertCondition::Stall:
        text = QStringLiteral("%1 stalled: no attempt ended for %2 while tasks wait")
                   .arg(where, duration(qint64(threshold)));
        break;
    case AlertCondition::FailureRate:
        text = QStringLiteral("failure rate of %1 above %2% over %3 (at least %4 attempts)")
                   .arg(where, QLocale::c().toString(threshold * 100, 'g', 3), duration(windowMs))
                   .arg(minVolume);
        break;
    case AlertCondition::WaitP95:
        text = QStringLiteral("wait p95 of %1 above %2 over %3")
                   .arg(where, duration(qint64(threshold)), duration(windowMs));
        break;
    default:
        text
            = QStringLiteral("%1 of %2 above %3")
                  .arg(QString::fromUtf16(c.figure), where,
                      c.timed
                          ? duration(qint64(threshold))
                          : QLocale(QLocale::English, QLocale::UnitedStates).toString(qint64(std::llround(threshold))));
    }
    if (forMs > 0)
        text += QStringLiteral(" for %1").arg(duration(forMs));
    return text;
}

QJsonObject AlertRule::toJson() const
{
    QJsonObject json {
        {nameKey, name},
        {queueKey, queue},
        {conditionKey, alertConditionName(condition)},
        {thresholdKey, threshold},
        {forKey, forMs},
        {windowKey, windowMs},
        {minVolumeKey, minVolume},
        {enabledKey, enabled},
    };
    if (!webhook.isEmpty())
        json.insert(webhookKey, webhook);
    if (!command.isEmpty()) {
        json.insert(commandKey,
            QJsonObject {{programKey, command.program}, {argsKey, QJsonArray::fromStringList(command.args)},
                {timeoutKey, command.timeoutMs}});
    }
    if (id > 0)
        json.insert(idKey, id);
    return json;
}

Result<AlertRule> AlertRule::fromJson(const QJsonObject& json)
{
    const auto fail = [](const QString& message) { return Error {ErrorCode::InvalidArgument, message}; };
    AlertRule rule;
    for (auto it = json.begin(); it != json.end(); ++it) {
        static const QList<QLatin1String> known {idKey, nameKey, queueKey, conditionKey, thresholdKey, forKey,
            windowKey, minVolumeKey, enabledKey, webhookKey, commandKey};
        if (!known.contains(it.key()))
            return fail(QStringLiteral("unknown field \"%1\"").arg(it.key()));
    }
    const QJsonValue condition = json.value(conditionKey);
    const auto parsed = alertConditionFromName(condition.toString());
    if (!parsed) {
        QStringList names;
        for (const ConditionInfo& c : conditions)
            names.append(QString::fromUtf16(c.name));
        return fail(QStringLiteral("\"condition\" must be one of %1").arg(names.join(QLatin1String(", "))));
    }
    rule.condition = *parsed;
    for (auto [key, field] :
        {std::pair {nameKey, &rule.name}, std::pair {queueKey, &rule.queue}, std::pair {webhookKey, &rule.webhook}}) {
        const QJsonValue value = json.value(key);
        if (!value.isUndefined() && !value.isString())
            return fail(QStringLiteral("\"%1\" must be text").arg(key));
        *field = value.toString().trimmed();
    }
    if (!rule.webhook.isEmpty()) {
        const QUrl url(rule.webhook, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
            || url.host().isEmpty())
            return fail(QStringLiteral("\"webhook\" must be an http:// or https:// URL"));
    }
    if (const QJsonValue command = json.value(commandKey); !command.isUndefined()) {
        auto parsedCommand = commandFromJson(command);
        if (!parsedCommand)
            return parsedCommand.error();
        rule.command = *parsedCommand;
    }
    const QJsonValue threshold = json.value(thresholdKey);
    if (rule.condition != AlertCondition::WillNotDrain) {
        if (!threshold.isDouble() || !std::isfinite(threshold.toDouble()) || threshold.toDouble() < 0)
            return fail(QStringLiteral("\"threshold\" must be a number of zero or more"));
        rule.threshold = threshold.toDouble();
        if (rule.condition == AlertCondition::FailureRate && (rule.threshold <= 0 || rule.threshold >= 1))
            return fail(QStringLiteral("\"threshold\" of a failure rate is a share between 0 and 1 (0.05 for 5%)"));
        if (info(rule.condition).timed && rule.threshold < 1000)
            return fail(QStringLiteral("\"threshold\" of %1 is in milliseconds: at least 1000")
                            .arg(alertConditionName(rule.condition)));
    }
    for (auto [key, field, lowest] :
        {std::tuple {forKey, &rule.forMs, qint64(0)}, std::tuple {windowKey, &rule.windowMs, qint64(10'000)},
            std::tuple {minVolumeKey, &rule.minVolume, qint64(1)}, std::tuple {idKey, &rule.id, qint64(0)}}) {
        const QJsonValue value = json.value(key);
        if (value.isUndefined())
            continue;
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number != std::floor(number) || number < double(lowest) || number > 1e15)
            return fail(QStringLiteral("\"%1\" must be a whole number of at least %2").arg(key).arg(lowest));
        *field = qint64(number);
    }
    const QJsonValue enabled = json.value(enabledKey);
    if (!enabled.isUndefined() && !enabled.isBool())
        return fail(QStringLiteral("\"enabled\" must be true or false"));
    rule.enabled = enabled.toBool(true);
    return rule;
}

} // namespace qd
