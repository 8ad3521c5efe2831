#include "cli_alertcommands.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_output.h"
#include "cli_signalwatcher.h"
#include "core/export/exportcodec.h"
#include "core/handlers/notifyhandler.h"
#include "core/monitoring/alertmonitor.h"
#include "core/taskstore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSysInfo>
#include <QThread>

#include <cmath>

namespace qd::cli {

namespace {

const QString alertsCommand = QStringLiteral("alerts");

// "90s", "5m", "2h", "1d" or a number of milliseconds.
std::optional<qint64> parseDuration(const QString& text)
{
    static const QRegularExpression pattern(QStringLiteral("^\\s*(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min|h|d)?\\s*$"));
    const QRegularExpressionMatch m = pattern.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const double value = m.captured(1).toDouble();
    const QString unit = m.captured(2);
    const double scale = unit == u"s"    ? 1e3
        : unit == u"m" || unit == u"min" ? 60e3
        : unit == u"h"                   ? 3600e3
        : unit == u"d"                   ? 86400e3
                                         : 1.0;
    const double ms = value * scale;
    if (!std::isfinite(ms) || ms > 1e15)
        return std::nullopt;
    return qint64(std::llround(ms));
}

// The threshold as the condition counts it: a duration for times, "5%" or 0.05 for the failure rate.
std::optional<double> parseThreshold(AlertCondition condition, const QString& text)
{
    switch (condition) {
    case AlertCondition::OldestQueuedAge:
    case AlertCondition::Stall:
    case AlertCondition::WaitP95:
    case AlertCondition::DrainTime:
    case AlertCondition::WorkerSilent:
        if (auto ms = parseDuration(text))
            return double(*ms);
        return std::nullopt;
    case AlertCondition::FailureRate: {
        bool ok = false;
        const bool percent = text.trimmed().endsWith(u'%');
        const double value = QString(text.trimmed()).remove(u'%').toDouble(&ok);
        if (!ok)
            return std::nullopt;
        return percent ? value / 100 : value;
    }
    case AlertCondition::QueueLength:
    case AlertCondition::WillNotDrain: {
        bool ok = false;
        const double value = text.toDouble(&ok);
        return ok ? std::optional<double>(value) : std::nullopt;
    }
    }
    return std::nullopt;
}

int runAdd(CliContext& context, const QCommandLineParser& parser)
{
    const auto condition = alertConditionFromName(parser.value(QStringLiteral("condition")));
    if (!condition)
        return context.usageError(QStringLiteral("alerts add needs --condition (length, oldest-age, failure-rate,"
                                                 " stall, wait-p95, will-not-drain, drain-time)."),
            alertsCommand);
    QJsonObject json {{QStringLiteral("condition"), alertConditionName(*condition)}};
    if (*condition != AlertCondition::WillNotDrain) {
        if (!parser.isSet(QStringLiteral("threshold")))
            return context.usageError(
                QStringLiteral("--condition %1 needs --threshold.").arg(alertConditionName(*condition)), alertsCommand);
        const auto threshold = parseThreshold(*condition, parser.value(QStringLiteral("threshold")));
        if (!threshold)
            return context.usageError(
                QStringLiteral("--threshold \"%1\" is not a %2.")
                    .arg(parser.value(QStringLiteral("threshold")),
                        *condition == AlertCondition::QueueLength       ? QStringLiteral("number")
                            : *condition == AlertCondition::FailureRate ? QStringLiteral("share (5% or 0.05)")
                                                                        : QStringLiteral("duration (90s, 5m, 2h)")),
                alertsCommand);
        if (*condition != AlertCondition::QueueLength && *condition != AlertCondition::FailureRate && *threshold < 1000)
            return context.usageError(QStringLiteral("--threshold %1 would be %1 ms: give a unit (90s, 5m, 2h).")
                                          .arg(parser.value(QStringLiteral("threshold"))),
                alertsCommand);
        json.insert(QStringLiteral("threshold"), *threshold);
    }
    for (const auto& [option, key] : {std::pair {QStringLiteral("for"), QStringLiteral("forMs")},
             std::pair {QStringLiteral("window"), QStringLiteral("windowMs")}}) {
        if (!parser.isSet(option))
            continue;
        const auto ms = parseDuration(parser.value(option));
        if (!ms)
            return context.usageError(
                QStringLiteral("--%1 \"%2\" is not a duration (90s, 5m, 2h).").arg(option, parser.value(option)),
                alertsCommand);
        json.insert(key, double(*ms));
    }
    if (parser.isSet(QStringLiteral("min-volume"))) {
        const auto volume = CommandOptions::integer(parser, QStringLiteral("min-volume"), 20, 1, 1'000'000'000);
        if (!volume.ok())
            return context.usageError(volume.errorString(), alertsCommand);
        json.insert(QStringLiteral("minVolume"), double(volume.value()));
    }
    if (parser.isSet(QStringLiteral("queue")))
        json.insert(QStringLiteral("queue"), parser.value(QStringLiteral("queue")));
    if (parser.isSet(QStringLiteral("name")))
        json.insert(QStringLiteral("name"), parser.value(QStringLiteral("name")));
    if (parser.isSet(QStringLiteral("webhook"))) {
        const QString url = parser.value(QStringLiteral("webhook"));
        if (const auto refused = NotifyHandler().validate(QJsonObject {{QStringLiteral("url"), url}}))
            return context.fail(ErrorCode::InvalidArgument, QStringLiteral("--webhook: %1.").arg(*refused));
        json.insert(QStringLiteral("webhook"), url);
    }
    if (parser.isSet(QStringLiteral("command"))) {
        QJsonObject command {{QStringLiteral("program"), parser.value(QStringLiteral("command"))},
            {QStringLiteral("args"), QJsonArray::fromStringList(parser.values(QStringLiteral("arg")))}};
        if (parser.isSet(QStringLiteral("command-timeout"))) {
            const auto ms = parseDuration(parser.value(QStringLiteral("command-timeout")));
            if (!ms)
                return context.usageError(QStringLiteral("--command-timeout \"%1\" is not a duration (30s, 2m).")
                                              .arg(parser.value(QStringLiteral("command-timeout"))),
                    alertsCommand);
            command.insert(QStringLiteral("timeoutMs"), double(*ms));
        }
        json.insert(QStringLiteral("command"), command);
    } else if (parser.isSet(QStringLiteral("arg")) || parser.isSet(QStringLiteral("command-timeout"))) {
        return context.usageError(QStringLiteral("--arg and --command-timeout need --command."), alertsCommand);
    }
    const Result<AlertRule> rule = AlertRule::fromJson(json);
    if (!rule.ok())
        return context.fail(
            ErrorCode::InvalidArgument, QStringLiteral("Not a usable rule: %1.").arg(rule.errorString()));
    // Not an error: the process that evaluates the rules may allow what this one refuses.
    if (!rule->command.isEmpty()) {
        if (const auto refused = commandRefusal(context.handlers(), rule->command.program))
            context.err() << "Note: this process would refuse the command (" << *refused
                          << "); it runs only where the evaluating process allows it, and each refusal is kept in "
                             "the alert history."
                          << Qt::endl;
    }

    if (const auto writer = context.writer(); !writer.ok())
        return context.fail(writer.error());
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const QByteArray definition = QJsonDocument(rule->toJson()).toJson(QJsonDocument::Compact);
    const Result<qint64> id = store.value()->addAlertRule(definition, QDateTime::currentMSecsSinceEpoch());
    if (!id.ok())
        return context.fail(id.error());
    if (context.json()) {
        QJsonObject added = rule->toJson();
        added.insert(QStringLiteral("id"), id.value());
        context.printJson(added);
    } else {
        context.out() << "Rule " << id.value() << ": " << rule->describe() << "." << Qt::endl;
    }
    return ExitOk;
}

int runList(CliContext& context)
{
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const auto records = store.value()->alertRules();
    if (!records.ok())
        return context.fail(records.error());
    QJsonArray list;
    QList<QStringList> rows {{QStringLiteral("ID"), QStringLiteral("ENABLED"), QStringLiteral("RULE")}};
    for (const AlertRuleRecord& record : records.value()) {
        const QJsonObject json = QJsonDocument::fromJson(record.definition).object();
        const Result<AlertRule> rule = AlertRule::fromJson(json);
        QJsonObject item = json;
        item.insert(QStringLiteral("id"), record.id);
        item.insert(QStringLiteral("description"),
            rule.ok() ? rule->displayName() : QStringLiteral("unreadable: %1").arg(rule.errorString()));
        list.append(item);
        rows.append(
            {QString::number(record.id), rule.ok() && rule->enabled ? QStringLiteral("yes") : QStringLiteral("no"),
                rule.ok() ? rule->displayName() : QStringLiteral("(unreadable: %1)").arg(rule.errorString())});
    }
    if (context.json())
        context.printJson(list);
    else if (rows.size() == 1)
        context.out() << "No alert rules. Add one with `queuedesk-cli alerts add --condition length --threshold 1000`."
                      << Qt::endl;
    else
        printTable(context.out(), rows);
    return ExitOk;
}

int runChange(CliContext& context, const QString& action, const QString& idText)
{
    bool ok = false;
    const qint64 id = idText.toLongLong(&ok);
    if (!ok || id <= 0)
        return context.usageError(
            QStringLiteral("alerts %1 needs a rule id (see alerts list).").arg(action), alertsCommand);
    if (const auto writer = context.writer(); !writer.ok())
        return context.fail(writer.error());
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    TaskStore& s = *store.value();
    Status changed = success();
    if (action == u"remove") {
        changed = s.removeAlertRule(id);
    } else {
        const auto records = s.alertRules();
        if (!records.ok())
            return context.fail(records.error());
        const auto it = std::find_if(records->begin(), records->end(), [id](const auto& r) { return r.id == id; });
        if (it == records->end())
            return context.fail(ErrorCode::NotFound, QStringLiteral("There is no alert rule %1.").arg(id));
        QJsonObject json = QJsonDocument::fromJson(it->definition).object();
        json.insert(QStringLiteral("enabled"), action == u"enable");
        changed = s.updateAlertRule(
            id, QJsonDocument(json).toJson(QJsonDocument::Compact), QDateTime::currentMSecsSinceEpoch());
    }
    if (!changed.ok())
        return context.fail(changed.error());
    if (context.json())
        context.printJson(QJsonObject {{QStringLiteral("id"), id}, {QStringLiteral("action"), action}});
    else
        context.out() << "Rule " << id
                      << (action == u"remove"          ? " removed."
                                 : action == u"enable" ? " enabled."
                                                       : " disabled.")
                      << Qt::endl;
    return ExitOk;
}

int runHistory(CliContext& context, const QCommandLineParser& parser)
{
    const auto limit = CommandOptions::integer(parser, QStringLiteral("limit"), 50, 1, 100'000);
    if (!limit.ok())
        return context.usageError(limit.errorString(), alertsCommand);
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const auto history = store.value()->alertHistory(0, int(limit.value()));
    if (!history.ok())
        return context.fail(history.error());
    QJsonArray list;
    QList<QStringList> rows {
        {QStringLiteral("AT"), QStringLiteral("RULE"), QStringLiteral("WHAT"), QStringLiteral("MESSAGE")}};
    for (const AlertHistoryRecord& h : history.value()) {
        list.append(
            QJsonObject {{QStringLiteral("at"), ExportCodec::isoTime(h.at)}, {QStringLiteral("ruleId"), h.ruleId},
                {QStringLiteral("rule"), h.ruleName}, {QStringLiteral("kind"), h.kind},
                {QStringLiteral("figure"), std::isfinite(h.figure) ? QJsonValue(h.figure) : QJsonValue()},
                {QStringLiteral("message"), h.message}});
        // A command's outcome carries its output's tail: one line, cut, in the table (all of it in --json).
        QString message = h.message.simplified();
        if (message.size() > 200)
            message = message.left(199) + QChar(0x2026);
        rows.append({ExportCodec::isoTime(h.at), QString::number(h.ruleId), h.kind, message});
    }
    if (context.json())
        context.printJson(list);
    else
        printTable(context.out(), rows);
    return ExitOk;
}

void printTransition(CliContext& context, const AlertTransition& t)
{
    const bool fired = t.kind == AlertTransition::Kind::Fired;
    if (context.json()) {
        context.out() << QJsonDocument(
            QJsonObject {{QStringLiteral("at"), ExportCodec::isoTime(t.at)}, {QStringLiteral("ruleId"), t.ruleId},
                {QStringLiteral("rule"), t.ruleName},
                {QStringLiteral("kind"), fired ? QStringLiteral("fired") : QStringLiteral("resolved")},
                {QStringLiteral("message"), t.message}})
                             .toJson(QJsonDocument::Compact)
                      << Qt::endl;
        return;
    }
    context.out() << ExportCodec::isoTime(t.at) << (fired ? "  FIRED     #" : "  RESOLVED  #") << t.ruleId << "  "
                  << t.message << Qt::endl;
}

} // namespace

void AlertCommands::addAlertsOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(QStringLiteral("condition"),
        QStringLiteral("add: length, oldest-age, failure-rate, stall, wait-p95, will-not-drain or drain-time."),
        QStringLiteral("name")));
    parser.addOption(QCommandLineOption(QStringLiteral("threshold"),
        QStringLiteral("add: fires above this: a number (length), a share (failure-rate: 5% or 0.05) or a duration "
                       "(90s, 5m, 2h)."),
        QStringLiteral("value")));
    parser.addOption(QCommandLineOption(QStringLiteral("queue"),
        QStringLiteral("add: the queue to watch (default: all queues together)."), QStringLiteral("name")));
    parser.addOption(QCommandLineOption(QStringLiteral("for"),
        QStringLiteral("add: how long the condition must hold before the rule fires (default 0)."),
        QStringLiteral("duration")));
    parser.addOption(QCommandLineOption(QStringLiteral("window"),
        QStringLiteral("add: failure-rate and wait-p95 are measured over this (default 5m)."),
        QStringLiteral("duration")));
    parser.addOption(QCommandLineOption(QStringLiteral("min-volume"),
        QStringLiteral("add: failure-rate judges only with at least this many ended attempts (default 20)."),
        QStringLiteral("n")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("name"), QStringLiteral("add: a name for banners and history."), QStringLiteral("text")));
    parser.addOption(QCommandLineOption(QStringLiteral("webhook"),
        QStringLiteral("add: POST each firing and resolution here as JSON (a notify task in the queue \"alerts\", "
                       "sent by whichever process runs workers)."),
        QStringLiteral("url")));
    parser.addOption(QCommandLineOption(QStringLiteral("command"),
        QStringLiteral("add: run this program on each firing and resolution (no shell; the alert as JSON on its input "
                       "and in QD_ALERT_* variables), if the evaluating process's command allow-list has it."),
        QStringLiteral("program")));
    parser.addOption(QCommandLineOption(QStringLiteral("arg"),
        QStringLiteral("add: an argument of --command, as it is; repeat for more."), QStringLiteral("text")));
    parser.addOption(QCommandLineOption(QStringLiteral("command-timeout"),
        QStringLiteral("add: kill --command after this long (default 30s, at most 10m)."), QStringLiteral("duration")));
    parser.addOption(QCommandLineOption(QStringLiteral("limit"),
        QStringLiteral("history: at most this many, newest first (default 50)."), QStringLiteral("n")));
}

int AlertCommands::runAlerts(CliContext& context, const QCommandLineParser& parser)
{
    const QStringList args = parser.positionalArguments();
    const QString action = args.value(0);
    if (action == u"list" || action == u"history" || action == u"add") {
        if (args.size() != 1)
            return context.usageError(QStringLiteral("alerts %1 takes no other argument.").arg(action), alertsCommand);
        if (action == u"list")
            return runList(context);
        if (action == u"history")
            return runHistory(context, parser);
        return runAdd(context, parser);
    }
    if (action != u"remove" && action != u"enable" && action != u"disable")
        return context.usageError(
            QStringLiteral("Unknown alerts action \"%1\" (list, add, remove, enable, disable, history).").arg(action),
            alertsCommand);
    if (args.size() != 2)
        return context.usageError(QStringLiteral("alerts %1 needs a rule id.").arg(action), alertsCommand);
    return runChange(context, action, args.at(1));
}

void AlertCommands::addMonitorOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(QStringLiteral("interval"),
        QStringLiteral("How often to evaluate the rules (default 5s)."), QStringLiteral("duration")));
    parser.addOption(QCommandLineOption(QStringLiteral("once"), QStringLiteral("Evaluate once and exit.")));
}

int AlertCommands::runMonitor(CliContext& context, const QCommandLineParser& parser)
{
    const QString command = QStringLiteral("monitor");
    const auto interval
        = parseDuration(parser.value(QStringLiteral("interval")).isEmpty() ? QStringLiteral("5s")
                                                                           : parser.value(QStringLiteral("interval")));
    if (!interval || *interval < 100 || *interval > 3'600'000)
        return context.usageError(QStringLiteral("--interval must be a duration from 100ms to 1h."), command);
    if (const auto writer = context.writer(); !writer.ok())
        return context.fail(writer.error());
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const QString owner
        = QStringLiteral("%1:%2").arg(QSysInfo::machineHostName()).arg(QCoreApplication::applicationPid());
    AlertMonitor monitor(*store.value(), owner, std::max<qint64>(AlertMonitor::defaultLeaseMs, *interval * 3),
        commandAllowList(context.sharedHandlers()));
    SignalWatcher watcher;
    bool announced = false;
    for (;;) {
        const auto changes = monitor.evaluateOnce(QDateTime::currentMSecsSinceEpoch());
        if (!changes.ok()) {
            monitor.stop();
            return context.fail(changes.error());
        }
        if (!announced && !parser.isSet(QStringLiteral("once")) && !context.json()) {
            context.err() << (monitor.holdsLease() ? "Evaluating the alert rules"
                                                   : "Another process evaluates the alert rules; standing by")
                          << " every " << *interval << " ms (" << owner << ")." << Qt::endl;
            announced = true;
        }
        for (const AlertTransition& t : changes.value())
            printTransition(context, t);
        if (parser.isSet(QStringLiteral("once"))) {
            monitor.waitForCommands(-1); // each ends by its timeout at the latest; stop() records them
            break;
        }
        for (qint64 slept = 0; slept < *interval && !SignalWatcher::interrupted(); slept += 50)
            QThread::msleep(50);
        if (SignalWatcher::interrupted())
            break;
    }
    if (Status stopped = monitor.stop(); !stopped.ok())
        return context.fail(stopped.error());
    return ExitOk;
}

} // namespace qd::cli
