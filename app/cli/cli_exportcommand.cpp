#include "cli_exportcommand.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_signalwatcher.h"
#include "core/export/historyexporter.h"
#include "core/taskstore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>

namespace qd::cli {

void ExportCommand::addOptions(QCommandLineParser& parser)
{
    CommandOptions::addFilterOptions(parser, false);
    parser.addOption(QCommandLineOption(QStringLiteral("format"),
        QStringLiteral("csv or jsonl (default: from the output's extension, else csv)."), QStringLiteral("format")));
    parser.addOption(QCommandLineOption(QStringLiteral("excel-safe"),
        QStringLiteral("csv: write text cells starting with = + - @ as text for spreadsheets (a leading ')."
                       " Without it cells are exactly as stored.")));
    parser.addOption(QCommandLineOption({QStringLiteral("o"), QStringLiteral("output")},
        QStringLiteral("The file to write (default -: stdout). Written to a temporary file and renamed at the end."),
        QStringLiteral("path")));
    parser.addOption(QCommandLineOption(QStringLiteral("from"),
        QStringLiteral("From this ISO 8601 time (tasks: created; events: happened; metrics: sampled)."),
        QStringLiteral("time")));
    parser.addOption(
        QCommandLineOption(QStringLiteral("to"), QStringLiteral("Before this ISO 8601 time."), QStringLiteral("time")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("action"), QStringLiteral("audit: only this action."), QStringLiteral("action")));
    parser.addOption(QCommandLineOption(QStringLiteral("resolution"),
        QStringLiteral("metrics: 1 (per second) or 60 (per minute, the default)."), QStringLiteral("seconds")));
}

int ExportCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const QString command = QStringLiteral("export");
    const QString kind = parser.positionalArguments().value(0);
    if (kind != u"tasks" && kind != u"events" && kind != u"metrics" && kind != u"audit")
        return context.usageError(
            QStringLiteral("Export tasks, events, metrics or audit, not \"%1\".").arg(kind), command);
    const QString output
        = parser.isSet(QStringLiteral("output")) ? parser.value(QStringLiteral("output")) : QStringLiteral("-");
    std::optional<ExportFormat> format = ExportFormat::Csv;
    if (parser.isSet(QStringLiteral("format"))) {
        format = exportFormatFromName(parser.value(QStringLiteral("format")));
        if (!format)
            return context.usageError(
                QStringLiteral("Unknown format \"%1\" (csv or jsonl).").arg(parser.value(QStringLiteral("format"))),
                command);
    } else if (output.endsWith(QLatin1String(".jsonl"), Qt::CaseInsensitive)
        || output.endsWith(QLatin1String(".ndjson"), Qt::CaseInsensitive)) {
        format = ExportFormat::JsonLines;
    }
    if (parser.isSet(QStringLiteral("excel-safe"))) {
        if (*format != ExportFormat::Csv)
            return context.usageError(QStringLiteral("--excel-safe applies to csv only."), command);
        format = ExportFormat::SpreadsheetCsv;
    }
    const auto range = CommandOptions::timeRange(parser);
    if (!range.ok())
        return context.usageError(range.errorString(), command);
    const Result<TaskFilter> filterResult = CommandOptions::filter(parser, {});
    if (!filterResult.ok())
        return context.usageError(filterResult.errorString(), command);
    TaskFilter filter = filterResult.value();
    if (kind != u"tasks" && (!filter.states.isEmpty() || !filter.types.isEmpty() || !filter.search.isEmpty()))
        return context.usageError(QStringLiteral("--state, --type and --search apply to tasks only."), command);
    if (kind == u"audit" && !filter.queues.isEmpty())
        return context.usageError(QStringLiteral("--queue does not apply to audit."), command);
    const QString action = parser.value(QStringLiteral("action"));
    if (!action.isEmpty() && (kind != u"audit" || !auditActionNames().contains(action)))
        return context.usageError(kind != u"audit" ? QStringLiteral("--action applies to audit only.")
                                                   : QStringLiteral("Unknown action \"%1\" (one of %2).")
                                                         .arg(action, auditActionNames().join(QStringLiteral(", "))),
            command);
    const AuditQuery auditQuery {range->first, range->second, action, 0};
    const auto resolution = CommandOptions::integer(parser, QStringLiteral("resolution"), 60, 1, 86'400);
    if (!resolution.ok() || (resolution.value() != 1 && resolution.value() != 60))
        return context.usageError(QStringLiteral("--resolution must be 1 or 60."), command);

    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());

    // SIGINT/SIGTERM cancel the export: the flag is polled every 1000 rows, and the temporary file is removed.
    SignalWatcher watcher;
    ExportControl control;
    control.cancelFlag = &SignalWatcher::interrupted();

    Result<qint64> rows = qint64(0);
    QFile stdoutFile;
    if (output == u"-") {
        if (!stdoutFile.open(stdout, QIODevice::WriteOnly))
            return context.fail(ErrorCode::Io, QStringLiteral("Cannot write to stdout."));
        context.out().flush();
        if (kind == u"tasks") {
            filter.createdFrom = range->first;
            filter.createdTo = range->second;
            rows = HistoryExporter::exportTasks(*store.value(), filter, *format, stdoutFile, control);
        } else if (kind == u"events") {
            rows = HistoryExporter::exportEvents(
                *store.value(), range->first, range->second, filter.queues, *format, stdoutFile, control);
        } else if (kind == u"audit") {
            rows = HistoryExporter::exportAudit(*store.value(), auditQuery, *format, stdoutFile, control);
        } else {
            rows = HistoryExporter::exportSamples(*store.value(), filter.queues, int(resolution.value()), range->first,
                range->second, *format, stdoutFile, control);
        }
        stdoutFile.flush();
        if (!rows.ok())
            return context.fail(rows.error());
        return ExitOk;
    }

    if (kind == u"tasks") {
        filter.createdFrom = range->first;
        filter.createdTo = range->second;
        rows = HistoryExporter::exportTasks(*store.value(), filter, *format, output, control);
    } else if (kind == u"events") {
        rows = HistoryExporter::exportEvents(
            *store.value(), range->first, range->second, filter.queues, *format, output, control);
    } else if (kind == u"audit") {
        rows = HistoryExporter::exportAudit(*store.value(), auditQuery, *format, output, control);
    } else {
        rows = HistoryExporter::exportSamples(*store.value(), filter.queues, int(resolution.value()), range->first,
            range->second, *format, output, control);
    }
    if (!rows.ok())
        return context.fail(rows.error());
    if (context.json()) {
        context.printJson(QJsonObject {{QStringLiteral("kind"), kind}, {QStringLiteral("rows"), rows.value()},
            {QStringLiteral("path"), QFileInfo(output).absoluteFilePath()},
            {QStringLiteral("format"), isCsv(*format) ? QStringLiteral("csv") : QStringLiteral("jsonl")}});
    } else {
        context.out() << "Exported " << rows.value() << " "
                      << (kind == u"metrics"        ? QStringLiteral("samples")
                                 : kind == u"audit" ? QStringLiteral("audit rows")
                                                    : kind)
                      << " to " << QDir::toNativeSeparators(output) << "." << Qt::endl;
    }
    return ExitOk;
}

} // namespace qd::cli
