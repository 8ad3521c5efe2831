#include "cli_spoolcommand.h"

#include "cli_context.h"
#include "cli_sourcerows.h"
#include "core/queueengine.h"
#include "core/source.h"
#include "core/spool/spoolconfig.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qd::cli {

namespace {

const QString command = QStringLiteral("spool");

int runAdd(CliContext& context, const QCommandLineParser& parser, const QString& name)
{
    if (!parser.isSet(QStringLiteral("dir")))
        return context.usageError(QStringLiteral("spool add needs --dir DIR."), command);
    SpoolConfig config;
    config.dir = QDir::cleanPath(QDir::current().absoluteFilePath(parser.value(QStringLiteral("dir"))));
    config.type = parser.value(QStringLiteral("type"));
    config.pattern = parser.value(QStringLiteral("pattern"));
    if (parser.isSet(QStringLiteral("queue")))
        config.queue = parser.value(QStringLiteral("queue"));
    if (parser.isSet(QStringLiteral("payload-template"))) {
        const QJsonDocument doc = QJsonDocument::fromJson(parser.value(QStringLiteral("payload-template")).toUtf8());
        if (!doc.isObject())
            return context.fail(
                ErrorCode::InvalidArgument, QStringLiteral("--payload-template must be a JSON object."));
        config.payloadTemplate = doc.object();
    }
    if (parser.isSet(QStringLiteral("stable-ms"))) {
        bool ok = false;
        config.stableMs = parser.value(QStringLiteral("stable-ms")).toLongLong(&ok);
        if (!ok || config.stableMs <= 0)
            return context.fail(
                ErrorCode::InvalidArgument, QStringLiteral("--stable-ms must be a positive number of milliseconds."));
    }
    if (parser.isSet(QStringLiteral("stable-dir")))
        config.stableDir
            = QDir::cleanPath(QDir::current().absoluteFilePath(parser.value(QStringLiteral("stable-dir"))));
    if (std::optional<Error> error = config.check())
        return context.fail(error->code, error->message + u'.');
    const Result<QueueEngine*> engine = context.engine();
    if (!engine.ok())
        return context.fail(engine.error());
    if (!config.type.isEmpty() && !engine.value()->handlers().types().contains(config.type))
        return context.fail(ErrorCode::InvalidArgument,
            QStringLiteral("Unknown task type \"%1\" (known: %2).")
                .arg(config.type, engine.value()->handlers().types().join(QStringLiteral(", "))));
    const SourceRecord record {0, QStringLiteral("spool"), name, config.toJson(), false, 0};
    const Status added = engine.value()->runInWriter(
        [&](TaskStore& store) { return store.addSource(record, QDateTime::currentMSecsSinceEpoch()); });
    if (!added.ok())
        return context.fail(added.error());
    if (context.json())
        context.printJson(QJsonObject {{QStringLiteral("name"), name},
            {QStringLiteral("config"), QJsonDocument::fromJson(record.config).object()}});
    else
        context.out() << "Spool \"" << name << "\" reads " << QDir::toNativeSeparators(config.dir)
                      << "; `queuedesk-cli work` on this host runs it." << Qt::endl;
    return ExitOk;
}

int runList(CliContext& context)
{
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const Result<QList<SourceRecord>> rows = store.value()->sources(QStringLiteral("spool"));
    if (!rows.ok())
        return context.fail(rows.error());
    if (context.json()) {
        QJsonArray list;
        for (const SourceRecord& row : rows.value())
            list.append(QJsonObject {{QStringLiteral("name"), row.name}, {QStringLiteral("paused"), row.paused},
                {QStringLiteral("config"), QJsonDocument::fromJson(row.config).object()}});
        context.printJson(list);
        return ExitOk;
    }
    for (const SourceRecord& row : rows.value()) {
        const Result<SpoolConfig> config = SpoolConfig::fromJson(row.config);
        context.out() << row.name << (row.paused ? "  (paused)" : "") << "  "
                      << (config.ok() ? QDir::toNativeSeparators(config->dir) : QString::fromUtf8(row.config));
        if (config.ok() && !config->type.isEmpty())
            context.out() << "  " << (config->pattern.isEmpty() ? QStringLiteral("*") : config->pattern) << " -> "
                          << config->type;
        if (config.ok() && config->stableMs > 0)
            context.out() << "  stable " << config->stableMs << " ms in "
                          << QDir::toNativeSeparators(config->stableFolder());
        context.out() << Qt::endl;
    }
    return ExitOk;
}

} // namespace

void SpoolCommand::addOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(
        QStringLiteral("dir"), QStringLiteral("add: the spool folder (created if missing)."), QStringLiteral("dir")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("type"), QStringLiteral("add: the task type of data files."), QStringLiteral("type")));
    parser.addOption(QCommandLineOption(QStringLiteral("pattern"),
        QStringLiteral("add: which files are data files, e.g. *.jpg (default: every file but *.json, *.jsonl)."),
        QStringLiteral("glob")));
    parser.addOption(QCommandLineOption(QStringLiteral("payload-template"),
        QStringLiteral("add: the data task's payload; {path} {name} {stem} {ext} {spool} are replaced."),
        QStringLiteral("json")));
    parser.addOption(QCommandLineOption(QStringLiteral("queue"),
        QStringLiteral("add: the data tasks' queue (default \"default\")."), QStringLiteral("name")));
    parser.addOption(QCommandLineOption(QStringLiteral("stable-ms"),
        QStringLiteral("add: also take files written in place (no rename into new/) once their size and time have "
                       "not changed for this long."),
        QStringLiteral("ms")));
    parser.addOption(QCommandLineOption(QStringLiteral("stable-dir"),
        QStringLiteral("add: with --stable-ms, the folder to take them from (default: the spool folder; on the "
                       "same file system)."),
        QStringLiteral("dir")));
}

int SpoolCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const QStringList args = parser.positionalArguments();
    const QString action = args.value(0);
    if (action == u"list") {
        if (args.size() != 1)
            return context.usageError(QStringLiteral("spool list takes no name."), command);
        return runList(context);
    }
    if (action != u"add" && action != u"remove" && action != u"pause" && action != u"resume")
        return context.usageError(
            QStringLiteral("Unknown spool action \"%1\" (add, list, remove, pause, resume).").arg(action), command);
    if (args.size() != 2)
        return context.usageError(QStringLiteral("spool %1 needs a NAME.").arg(action), command);
    const QString name = args.at(1);
    if (action == u"add")
        return runAdd(context, parser, name);
    return changeSourceRow(context, QStringLiteral("spool"), QStringLiteral("Spool"), action, name);
}

} // namespace qd::cli
