#include "cli_settingscommand.h"

#include "cli_context.h"
#include "cli_output.h"
#include "core/databasesettings.h"
#include "core/oneshotwriter.h"
#include "core/taskstore.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

namespace qd::cli {

namespace {

const QString command = QStringLiteral("settings");

QString typeName(SettingType type)
{
    switch (type) {
    case SettingType::Bool:
        return QStringLiteral("bool");
    case SettingType::Days:
        return QStringLiteral("days");
    case SettingType::ProgramList:
        return QStringLiteral("programs");
    case SettingType::HostList:
        return QStringLiteral("hosts");
    }
    return {};
}

QJsonObject toJson(const SettingSpec& spec, const DatabaseSettings& settings)
{
    return QJsonObject {{QStringLiteral("key"), spec.key}, {QStringLiteral("value"), settings.value(spec.key)},
        {QStringLiteral("default"), spec.defaultValue}, {QStringLiteral("isSet"), settings.isStored(spec.key)},
        {QStringLiteral("type"), typeName(spec.type)}, {QStringLiteral("description"), spec.description}};
}

Result<DatabaseSettings> readSettings(CliContext& context)
{
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return store.error();
    return store.value()->databaseSettings();
}

int list(CliContext& context)
{
    const Result<DatabaseSettings> settings = readSettings(context);
    if (!settings.ok())
        return context.fail(settings.error());
    if (context.json()) {
        QJsonArray rows;
        for (const SettingSpec& spec : knownSettings())
            rows.append(toJson(spec, *settings));
        context.printJson(rows);
        return ExitOk;
    }
    QList<QStringList> rows {{QStringLiteral("SETTING"), QStringLiteral("VALUE"), QStringLiteral("")}};
    for (const SettingSpec& spec : knownSettings()) {
        rows.append({spec.key, settingValueText(settings->value(spec.key)),
            settings->isStored(spec.key) ? QString() : QStringLiteral("(default)")});
    }
    printTable(context.out(), rows);
    return ExitOk;
}

int get(CliContext& context, const QString& key)
{
    const SettingSpec* spec = findSetting(key);
    if (!spec)
        return context.fail(checkedSettingValue(key, QJsonValue()).error());
    const Result<DatabaseSettings> settings = readSettings(context);
    if (!settings.ok())
        return context.fail(settings.error());
    if (context.json())
        context.printJson(toJson(*spec, *settings));
    else
        context.out() << settingValueText(settings->value(key)) << Qt::endl;
    return ExitOk;
}

// A program of the allow-list that this host cannot run is allowed (another host may have it), with a warning.
void warnAboutPrograms(CliContext& context, const QJsonValue& programs)
{
    for (const QJsonValue& item : programs.toArray()) {
        const QFileInfo info(item.toString());
        if (!info.isFile() || !info.isExecutable())
            context.note(
                QStringLiteral("%1 is not an executable file on this host").arg(item.toString()), QtWarningMsg);
    }
}

int change(CliContext& context, const QString& key, const std::optional<QString>& text)
{
    std::optional<QJsonValue> value;
    if (text) {
        const Result<QJsonValue> parsed = parseSettingValue(key, *text);
        if (!parsed.ok())
            return context.fail(parsed.error());
        value = *parsed;
    } else if (!findSetting(key)) {
        return context.fail(checkedSettingValue(key, QJsonValue()).error());
    }
    const Result<OneShotWriter*> writer = context.writer();
    if (!writer.ok())
        return context.fail(writer.error());
    if (Status s = writer.value()->setSetting(key, value); !s)
        return context.fail(s.error());
    if (value && key == settingkeys::commandAllowedPrograms)
        warnAboutPrograms(context, *value);
    const QJsonValue shown = value ? *value : findSetting(key)->defaultValue;
    if (context.json())
        context.printJson(QJsonObject {
            {QStringLiteral("key"), key}, {QStringLiteral("value"), shown}, {QStringLiteral("isSet"), bool(value)}});
    else if (value)
        context.out() << key << " = " << settingValueText(shown) << Qt::endl;
    else
        context.out() << key << " = " << settingValueText(shown) << " (default)" << Qt::endl;
    return ExitOk;
}

} // namespace

int SettingsCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const QStringList args = parser.positionalArguments();
    const QString action = args.value(0, QStringLiteral("list"));
    const auto wants = [&](qsizetype count) { return args.size() == count; };
    if (action == QLatin1String("list") && args.size() <= 1)
        return list(context);
    if (action == QLatin1String("get") && wants(2))
        return get(context, args.at(1));
    if (action == QLatin1String("set") && wants(3))
        return change(context, args.at(1), args.at(2));
    if (action == QLatin1String("unset") && wants(2))
        return change(context, args.at(1), std::nullopt);
    return context.usageError(QStringLiteral("Give list, get KEY, set KEY VALUE or unset KEY."), command);
}

} // namespace qd::cli
