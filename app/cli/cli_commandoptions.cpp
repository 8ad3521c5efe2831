#include "cli_commandoptions.h"

#include "core/export/exportcodec.h"

namespace qd::cli {

void CommandOptions::addFilterOptions(QCommandLineParser& parser, bool withTimeRange)
{
    parser.addOption(QCommandLineOption(QStringLiteral("queue"),
        QStringLiteral("Only tasks of this queue (repeatable, or comma-separated)."), QStringLiteral("name")));
    parser.addOption(QCommandLineOption(QStringLiteral("state"),
        QStringLiteral("Only tasks in this state: queued, scheduled, running, succeeded, failed, cancelled "
                       "(repeatable, or comma-separated)."),
        QStringLiteral("state")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("type"), QStringLiteral("Only tasks of this type (repeatable)."), QStringLiteral("type")));
    parser.addOption(QCommandLineOption(QStringLiteral("search"),
        QStringLiteral("Only tasks whose payload or last error contains this text."), QStringLiteral("text")));
    if (withTimeRange) {
        parser.addOption(QCommandLineOption(QStringLiteral("from"),
            QStringLiteral("Only tasks created at or after this ISO 8601 time (UTC unless an offset is given)."),
            QStringLiteral("time")));
        parser.addOption(QCommandLineOption(QStringLiteral("to"),
            QStringLiteral("Only tasks created before this ISO 8601 time."), QStringLiteral("time")));
    }
}

QStringList CommandOptions::listValues(const QCommandLineParser& parser, const QString& name)
{
    QStringList result;
    for (const QString& value : parser.values(name)) {
        for (const QString& part : value.split(u',', Qt::SkipEmptyParts))
            result.append(part.trimmed());
    }
    return result;
}

Result<qint64> CommandOptions::parseInteger(const QString& text, const QString& what, qint64 min, qint64 max)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < min || value > max) {
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("%1 must be a whole number from %2 to %3, not \"%4\".")
                .arg(what)
                .arg(min)
                .arg(max)
                .arg(text)};
    }
    return value;
}

Result<qint64> CommandOptions::integer(
    const QCommandLineParser& parser, const QString& name, qint64 fallback, qint64 min, qint64 max)
{
    if (!parser.isSet(name))
        return fallback;
    return parseInteger(parser.value(name), QStringLiteral("--") + name, min, max);
}

Result<std::pair<qint64, qint64>> CommandOptions::timeRange(const QCommandLineParser& parser)
{
    std::pair<qint64, qint64> range {0, 0};
    for (const auto& [name, target] :
        {std::pair {QStringLiteral("from"), &range.first}, std::pair {QStringLiteral("to"), &range.second}}) {
        if (!parser.isSet(name))
            continue;
        const std::optional<qint64> at = ExportCodec::parseIsoTime(parser.value(name));
        if (!at) {
            return Error {ErrorCode::InvalidArgument,
                QStringLiteral("--%1 must be an ISO 8601 time such as 2026-11-25T12:00:00Z, not \"%2\".")
                    .arg(name, parser.value(name))};
        }
        *target = *at;
    }
    return range;
}

Result<TaskFilter> CommandOptions::filter(const QCommandLineParser& parser, const QStringList& idArguments)
{
    TaskFilter filter;
    for (const QString& text : idArguments) {
        const Result<qint64> id
            = parseInteger(text, QStringLiteral("A task id"), 1, std::numeric_limits<qint64>::max());
        if (!id.ok())
            return id.error();
        filter.ids.append(id.value());
    }
    const QStringList options = parser.optionNames();
    if (options.contains(QStringLiteral("queue")))
        filter.queues = listValues(parser, QStringLiteral("queue"));
    if (options.contains(QStringLiteral("state"))) {
        for (const QString& name : listValues(parser, QStringLiteral("state"))) {
            const std::optional<TaskState> state = taskStateFromName(name.toLower());
            if (!state) {
                return Error {ErrorCode::InvalidArgument,
                    QStringLiteral("Unknown state \"%1\" (queued, scheduled, running, succeeded, failed, cancelled).")
                        .arg(name)};
            }
            filter.states.append(*state);
        }
    }
    if (options.contains(QStringLiteral("type")))
        filter.types = listValues(parser, QStringLiteral("type"));
    if (options.contains(QStringLiteral("search")))
        filter.search = parser.value(QStringLiteral("search"));
    if (options.contains(QStringLiteral("from")) || options.contains(QStringLiteral("to"))) {
        const auto range = timeRange(parser);
        if (!range.ok())
            return range.error();
        filter.createdFrom = range->first;
        filter.createdTo = range->second;
    }
    return filter;
}

} // namespace qd::cli
