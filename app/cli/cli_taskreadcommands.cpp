#include "cli_taskreadcommands.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_output.h"
#include "core/export/exportcodec.h"
#include "core/taskstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qd::cli {

namespace {

std::optional<TaskSortKey> sortKeyFromName(QStringView name)
{
    static const std::pair<const char16_t*, TaskSortKey> keys[]
        = {{u"id", TaskSortKey::Id}, {u"queue", TaskSortKey::Queue}, {u"type", TaskSortKey::Type},
            {u"state", TaskSortKey::State}, {u"priority", TaskSortKey::Priority}, {u"attempts", TaskSortKey::Attempts},
            {u"run-at", TaskSortKey::RunAt}, {u"finished-at", TaskSortKey::FinishedAt}};
    for (const auto& [text, key] : keys) {
        if (name == QStringView(text))
            return key;
    }
    return std::nullopt;
}

} // namespace

void ListCommand::addOptions(QCommandLineParser& parser)
{
    CommandOptions::addFilterOptions(parser);
    parser.addOption(QCommandLineOption(QStringLiteral("limit"),
        QStringLiteral("At most this many tasks (default 50, at most 10000)."), QStringLiteral("n")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("offset"), QStringLiteral("Skip this many tasks first."), QStringLiteral("n")));
    parser.addOption(QCommandLineOption(QStringLiteral("sort"),
        QStringLiteral("Sort key: id, queue, type, state, priority, attempts, run-at, finished-at; prefix - for "
                       "descending (default id)."),
        QStringLiteral("key")));
}

int ListCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const QString command = QStringLiteral("list");
    TaskQuery query;
    const Result<TaskFilter> filter = CommandOptions::filter(parser, {});
    if (!filter.ok())
        return context.usageError(filter.errorString(), command);
    query.filter = filter.value();
    const auto limit = CommandOptions::integer(parser, QStringLiteral("limit"), 50, 1, 10'000);
    if (!limit.ok())
        return context.usageError(limit.errorString(), command);
    const auto offset
        = CommandOptions::integer(parser, QStringLiteral("offset"), 0, 0, std::numeric_limits<qint64>::max());
    if (!offset.ok())
        return context.usageError(offset.errorString(), command);
    query.limit = int(limit.value());
    query.offset = offset.value();
    if (parser.isSet(QStringLiteral("sort"))) {
        QString sort = parser.value(QStringLiteral("sort"));
        if (sort.startsWith(u'-')) {
            query.descending = true;
            sort.remove(0, 1);
        }
        const std::optional<TaskSortKey> key = sortKeyFromName(sort);
        if (!key)
            return context.usageError(QStringLiteral("Unknown sort key \"%1\".").arg(sort), command);
        query.sortKey = *key;
    }

    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const Result<qint64> total = store.value()->countTasks(query.filter);
    if (!total.ok())
        return context.fail(total.error());
    const Result<QList<Task>> tasks = store.value()->listTasks(query);
    if (!tasks.ok())
        return context.fail(tasks.error());

    if (context.json()) {
        QJsonArray array;
        for (const Task& task : tasks.value())
            array.append(ExportCodec::taskToJson(task));
        context.printJson(QJsonObject {{QStringLiteral("total"), total.value()},
            {QStringLiteral("offset"), query.offset}, {QStringLiteral("tasks"), array}});
        return ExitOk;
    }
    QList<QStringList> rows {{QStringLiteral("ID"), QStringLiteral("STATE"), QStringLiteral("QUEUE"),
        QStringLiteral("TYPE"), QStringLiteral("PRI"), QStringLiteral("ATTEMPTS"), QStringLiteral("CREATED"),
        QStringLiteral("LAST ERROR")}};
    for (const Task& task : tasks.value()) {
        rows.append({QString::number(task.id), taskStateName(task.state), task.queue, task.type,
            QString::number(task.priority), QStringLiteral("%1/%2").arg(task.attempts).arg(task.maxAttempts),
            ExportCodec::isoTime(task.createdAt), oneLine(task.lastError, 60)});
    }
    printTable(context.out(), rows);
    const qint64 shown = tasks->size();
    context.out() << "(" << (shown == 0 ? 0 : query.offset + 1) << "-" << query.offset + shown << " of "
                  << total.value() << " task(s))" << Qt::endl;
    return ExitOk;
}

int ShowCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const Result<qint64> id = CommandOptions::parseInteger(
        parser.positionalArguments().value(0), QStringLiteral("The task id"), 1, std::numeric_limits<qint64>::max());
    if (!id.ok())
        return context.usageError(id.errorString(), QStringLiteral("show"));
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const Result<TaskWithEvents> found = store.value()->taskWithEvents(id.value());
    if (!found.ok())
        return context.fail(found.error());

    const Task& task = found->task;
    if (context.json()) {
        QJsonObject object = ExportCodec::taskToJson(task);
        QJsonArray events;
        for (const TaskEvent& event : found->events)
            events.append(ExportCodec::eventToJson(event));
        object.insert(QStringLiteral("events"), events);
        context.printJson(object);
        return ExitOk;
    }
    const QJsonObject object = ExportCodec::taskToJson(task);
    QList<QStringList> rows;
    for (const QLatin1String& column : ExportCodec::taskColumns()) {
        const QJsonValue value = object.value(column);
        QString text;
        if (value.isObject())
            text = QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
        else if (value.isArray())
            text = QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
        else if (value.isBool())
            text = value.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
        else
            text = value.toVariant().toString();
        rows.append({QString(column) + u':', text});
    }
    printTable(context.out(), rows);
    context.out() << Qt::endl << "History (" << found->events.size() << " event(s)):" << Qt::endl;
    QList<QStringList> events {
        {QStringLiteral("AT"), QStringLiteral("EVENT"), QStringLiteral("FROM"), QStringLiteral("TO"),
            QStringLiteral("ATTEMPT"), QStringLiteral("WORKER"), QStringLiteral("MS"), QStringLiteral("DETAIL")}};
    for (const TaskEvent& event : found->events) {
        events.append({ExportCodec::isoTime(event.at), event.kind,
            event.fromState ? taskStateName(*event.fromState) : QStringLiteral("-"), taskStateName(event.toState),
            QString::number(event.attempt), event.worker.isEmpty() ? QStringLiteral("-") : event.worker,
            event.durationMs < 0 ? QStringLiteral("-") : QString::number(event.durationMs), oneLine(event.detail, 80)});
    }
    printTable(context.out(), events);
    return ExitOk;
}

} // namespace qd::cli
