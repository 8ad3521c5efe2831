#include "cli_commands.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_democommand.h"
#include "cli_linereader.h"
#include "cli_signalwatcher.h"
#include "cli_spoolcommand.h"
#include "cli_tasklineparser.h"
#include "cli_workcommand.h"
#include "core/export/exportcodec.h"
#include "core/export/historyexporter.h"
#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace qd::cli {

namespace {

constexpr int enqueueBatchSize = 1000;

struct Command {
    QString name;
    QString syntax; // what follows the name in the usage line
    QString summary;
    QString details; // extra help text after the options
    int minArgs = 0;
    int maxArgs = 0; // -1: any number
    void (*addOptions)(QCommandLineParser&) = nullptr;
    int (*run)(CliContext&, const QCommandLineParser&) = nullptr;
};

QString oneLine(QString text, int maxLength)
{
    text.replace(u'\r', u' ');
    text.replace(u'\n', u' ');
    if (text.size() > maxLength)
        text = text.left(maxLength - 1) + u'…';
    return text;
}

// Prints rows as left-aligned columns separated by two spaces.
void printTable(QTextStream& out, const QList<QStringList>& rows)
{
    if (rows.isEmpty())
        return;
    QList<qsizetype> widths(rows.first().size(), 0);
    for (const QStringList& row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i)
            widths[i] = qMax(widths[i], row[i].size());
    }
    for (const QStringList& row : rows) {
        QString line;
        for (qsizetype i = 0; i < row.size(); ++i) {
            if (i + 1 == row.size())
                line += row[i];
            else
                line += row[i].leftJustified(widths[i] + 2);
        }
        out << line.trimmed() << Qt::endl;
    }
}

// ---------------------------------------------------------------------------------------------- enqueue

void addEnqueueOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(
        QStringLiteral("queue"), QStringLiteral("The queue (default \"default\")."), QStringLiteral("name")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("type"), QStringLiteral("The task type, e.g. noop or sleep."), QStringLiteral("type")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("payload"), QStringLiteral("The payload, a JSON object (default {})."), QStringLiteral("json")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("priority"), QStringLiteral("0..100, higher runs first (default 0)."), QStringLiteral("n")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("delay-ms"), QStringLiteral("Run no earlier than this from now."), QStringLiteral("ms")));
    parser.addOption(QCommandLineOption(QStringLiteral("max-attempts"),
        QStringLiteral("Attempts before the task fails (default: the queue's)."), QStringLiteral("n")));
    parser.addOption(QCommandLineOption(QStringLiteral("timeout-ms"),
        QStringLiteral("Stop a run after this long (default: the queue's)."), QStringLiteral("ms")));
    parser.addOption(QCommandLineOption(QStringLiteral("key"),
        QStringLiteral("Idempotency key: enqueueing the same key again returns the existing task."),
        QStringLiteral("key")));
    parser.addOption(QCommandLineOption(QStringLiteral("file"),
        QStringLiteral("Enqueue one task per line of this JSON Lines file (- reads stdin)."), QStringLiteral("path")));
}

int enqueueFromFile(CliContext& context, QueueEngine& engine, const QString& path)
{
    QFile file;
    if (path == u"-") {
        if (!file.open(stdin, QIODevice::ReadOnly))
            return context.fail(ErrorCode::Io, QStringLiteral("Cannot read stdin: %1").arg(file.errorString()));
    } else {
        file.setFileName(path);
        if (!file.exists())
            return context.fail(
                ErrorCode::NotFound, QStringLiteral("There is no file %1.").arg(QDir::toNativeSeparators(path)));
        if (!file.open(QIODevice::ReadOnly))
            return context.fail(ErrorCode::Io,
                QStringLiteral("Cannot read %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    }

    qint64 enqueued = 0, existed = 0, firstId = 0, lastId = 0;
    qint64 lineNumber = 0, batchFirstLine = 1;
    QList<NewTask> batch;
    batch.reserve(enqueueBatchSize);
    const QString source = path == u"-" ? QStringLiteral("stdin") : QDir::toNativeSeparators(path);

    // What is stored after the batch of lines batchFirstLine..lineNumber was refused (`because`: the line that
    // refused it, if it was a line).
    auto outcome = [&](const QString& because) -> QString {
        const QString refused = QStringLiteral("the batch of lines %1-%2 was refused%3.")
                                    .arg(batchFirstLine)
                                    .arg(lineNumber)
                                    .arg(because);
        if (batchFirstLine == 1)
            return QStringLiteral(" Nothing was enqueued: ") + refused;
        return QStringLiteral(" The %1 task(s) of lines 1-%2 are stored; ")
                   .arg(enqueued + existed)
                   .arg(batchFirstLine - 1)
            + refused;
    };
    auto lineOutcome = [&]() -> QString { return outcome(QStringLiteral(" because of line %1").arg(lineNumber)); };
    // All of a batch is stored or none of it (one transaction in the engine).
    auto flush = [&]() -> std::optional<Error> {
        if (batch.isEmpty())
            return std::nullopt;
        const Result<QList<EnqueueResult>> stored = engine.enqueueBatch(batch);
        if (!stored.ok()) {
            return Error {stored.error().code,
                QStringLiteral("%1, lines %2-%3: %4.")
                        .arg(source)
                        .arg(batchFirstLine)
                        .arg(lineNumber)
                        .arg(stored.errorString())
                    + outcome({})};
        }
        for (const EnqueueResult& result : stored.value()) {
            if (result.existed)
                ++existed;
            else
                ++enqueued;
            if (firstId == 0)
                firstId = result.id;
            lastId = result.id;
        }
        batch.clear();
        batchFirstLine = lineNumber + 1;
        return std::nullopt;
    };

    // Lines are read in bounded memory: one longer than the limit is refused as soon as it passes it.
    LineReader reader(file, TaskLineParser::maxLineBytes);
    QByteArray line;
    for (;;) {
        const LineReader::Status status = reader.next(line);
        if (status == LineReader::Status::End || status == LineReader::Status::Error)
            break;
        lineNumber = reader.lineNumber();
        if (status == LineReader::Status::TooLong) {
            return context.fail(ErrorCode::InvalidArgument,
                QStringLiteral("%1, line %2: the line is longer than %3 bytes (a payload may hold at most %4 bytes).")
                        .arg(source)
                        .arg(lineNumber)
                        .arg(TaskLineParser::maxLineBytes)
                        .arg(TaskLineParser::maxPayloadBytes)
                    + lineOutcome());
        }
        if (lineNumber == 1 && line.startsWith("\xEF\xBB\xBF"))
            line.remove(0, 3);
        if (line.trimmed().isEmpty())
            continue;
        Result<NewTask> task = TaskLineParser::parse(line, engine.handlers());
        if (!task.ok()) {
            return context.fail(task.error().code,
                QStringLiteral("%1, line %2: %3.").arg(source).arg(lineNumber).arg(task.errorString()) + lineOutcome());
        }
        batch.append(std::move(task).value());
        if (batch.size() >= enqueueBatchSize) {
            if (std::optional<Error> error = flush())
                return context.fail(*error);
        }
    }
    if (file.error() != QFileDevice::NoError)
        return context.fail(ErrorCode::Io, QStringLiteral("Cannot read %1: %2").arg(source, file.errorString()));
    if (std::optional<Error> error = flush())
        return context.fail(*error);

    if (context.json()) {
        context.printJson(QJsonObject {{QStringLiteral("enqueued"), enqueued}, {QStringLiteral("existed"), existed},
            {QStringLiteral("firstId"), firstId}, {QStringLiteral("lastId"), lastId}});
    } else {
        context.out() << "Enqueued " << enqueued << " task(s)";
        if (existed > 0)
            context.out() << "; " << existed << " already existed (same idempotency key)";
        context.out() << "." << Qt::endl;
    }
    return ExitOk;
}

int runEnqueue(CliContext& context, const QCommandLineParser& parser)
{
    const QString command = QStringLiteral("enqueue");
    const bool fromFile = parser.isSet(QStringLiteral("file"));
    const QStringList singleOptions {QStringLiteral("queue"), QStringLiteral("type"), QStringLiteral("payload"),
        QStringLiteral("priority"), QStringLiteral("delay-ms"), QStringLiteral("max-attempts"),
        QStringLiteral("timeout-ms"), QStringLiteral("key")};
    NewTask task;
    if (fromFile) {
        for (const QString& name : singleOptions) {
            if (parser.isSet(name))
                return context.usageError(QStringLiteral("--%1 cannot be combined with --file.").arg(name), command);
        }
    } else {
        if (!parser.isSet(QStringLiteral("type")))
            return context.usageError(QStringLiteral("--type is required (or --file)."), command);
        task.type = parser.value(QStringLiteral("type"));
        if (parser.isSet(QStringLiteral("queue")))
            task.queue = parser.value(QStringLiteral("queue"));
        const auto priority = CommandOptions::integer(parser, QStringLiteral("priority"), 0, -1'000'000, 1'000'000);
        const auto delay = CommandOptions::integer(parser, QStringLiteral("delay-ms"), 0, 0, qint64(1) << 50);
        const auto attempts = CommandOptions::integer(parser, QStringLiteral("max-attempts"), 0, 0, 1'000'000);
        const auto timeout
            = CommandOptions::integer(parser, QStringLiteral("timeout-ms"), 0, 0, std::numeric_limits<int>::max());
        for (const Result<qint64>* value : {&priority, &delay, &attempts, &timeout}) {
            if (!value->ok())
                return context.usageError(value->errorString(), command);
        }
        task.priority = int(priority.value());
        task.delayMs = delay.value();
        task.maxAttempts = int(attempts.value());
        task.timeoutMs = int(timeout.value());
        task.idempotencyKey = parser.value(QStringLiteral("key"));
        if (parser.isSet(QStringLiteral("payload"))) {
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(parser.value(QStringLiteral("payload")).toUtf8(), &error);
            if (error.error != QJsonParseError::NoError || !doc.isObject()) {
                return context.fail(ErrorCode::InvalidArgument,
                    QStringLiteral("--payload must be a JSON object: %1.")
                        .arg(error.error != QJsonParseError::NoError ? error.errorString()
                                                                     : QStringLiteral("not an object")));
            }
            task.payload = doc.toJson(QJsonDocument::Compact);
        }
    }

    const Result<QueueEngine*> engine = context.engine();
    if (!engine.ok())
        return context.fail(engine.error());
    if (fromFile)
        return enqueueFromFile(context, *engine.value(), parser.value(QStringLiteral("file")));

    // An unknown type's message lists the known types (validateNewTask, core/taskvalidation.cpp).
    if (std::optional<Error> invalid = validateNewTask(task, engine.value()->handlers()))
        return context.fail(*invalid);
    const Result<EnqueueResult> stored = engine.value()->enqueue(task);
    if (!stored.ok())
        return context.fail(stored.error());
    if (context.json()) {
        context.printJson(
            QJsonObject {{QStringLiteral("id"), stored->id}, {QStringLiteral("existed"), stored->existed}});
    } else if (stored->existed) {
        context.out() << "Task " << stored->id << " already exists with this idempotency key." << Qt::endl;
    } else {
        context.out() << "Enqueued task " << stored->id << "." << Qt::endl;
    }
    return ExitOk;
}

// ---------------------------------------------------------------------------------------------- list

void addListOptions(QCommandLineParser& parser)
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

int runList(CliContext& context, const QCommandLineParser& parser)
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

// ---------------------------------------------------------------------------------------------- show

int runShow(CliContext& context, const QCommandLineParser& parser)
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

// ---------------------------------------------------------------------------------------------- stats

struct Activity {
    qint64 enqueued = 0, completed = 0, failed = 0;
    qint64 coveredUntil = 0; // the end of the last sample seen

    QJsonObject toJson() const
    {
        return QJsonObject {{QStringLiteral("enqueued"), enqueued}, {QStringLiteral("completed"), completed},
            {QStringLiteral("failedAttempts"), failed}};
    }
};

Status addActivity(TaskStore& store, const QString& queue, int resolutionSeconds, qint64 from, qint64 to, Activity& sum)
{
    const Result<QList<QueueSample>> samples = store.samples(queue, resolutionSeconds, from, to);
    if (!samples.ok())
        return samples.error();
    for (const QueueSample& sample : samples.value()) {
        sum.enqueued += sample.enqueued;
        sum.completed += sample.completed;
        sum.failed += sample.failed;
        sum.coveredUntil = qMax(sum.coveredUntil, sample.at + qint64(sample.resolutionSeconds) * 1000);
    }
    return success();
}

int runStats(CliContext& context, const QCommandLineParser&)
{
    const Result<TaskStore*> opened = context.store();
    if (!opened.ok())
        return context.fail(opened.error());
    TaskStore& store = *opened.value();
    // The counts are what the engine rebuilds its live counters from at start-up; reading them directly needs
    // no writer, so stats also works with --read-only and on a database another process is busy writing.
    const Result<QHash<QString, StateCounts>> counts = store.countByQueueAndState();
    if (!counts.ok())
        return context.fail(counts.error());
    const Result<QList<QueueConfig>> configs = store.queues();
    if (!configs.ok())
        return context.fail(configs.error());

    QMap<QString, QueueConfig> queues; // sorted by name
    for (const QueueConfig& config : configs.value())
        queues.insert(config.name, config);
    for (auto it = counts->cbegin(); it != counts->cend(); ++it) {
        if (!queues.contains(it.key())) {
            QueueConfig config;
            config.name = it.key();
            queues.insert(it.key(), config);
        }
    }

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QJsonArray array;
    StateCounts totals {};
    QList<QStringList> rows {{QStringLiteral("QUEUE"), QStringLiteral("PAUSED"), QStringLiteral("LIMIT")}};
    for (TaskState state : allTaskStates)
        rows.first().append(taskStateName(state).toUpper());
    rows.first() << QStringLiteral("DONE/1M") << QStringLiteral("FAILED/1M") << QStringLiteral("DONE/1H");

    for (const QueueConfig& config : std::as_const(queues)) {
        const StateCounts queueCounts = counts->value(config.name, StateCounts {});
        QJsonObject countObject;
        QStringList row {config.name, config.paused ? QStringLiteral("yes") : QStringLiteral("no"),
            config.concurrency == 0 ? QStringLiteral("-") : QString::number(config.concurrency)};
        for (TaskState state : allTaskStates) {
            const qint64 n = queueCounts[size_t(state)];
            totals[size_t(state)] += n;
            countObject.insert(taskStateName(state), n);
            row.append(QString::number(n));
        }
        // The last hour: per-minute rows, then the per-second rows of the minute not folded yet.
        Activity lastMinute, lastHour;
        Status read = addActivity(store, config.name, 1, now - 60'000, now + 1, lastMinute);
        if (read.ok())
            read = addActivity(store, config.name, 60, now - 3'600'000, now + 1, lastHour);
        if (read.ok())
            read = addActivity(store, config.name, 1, qMax(lastHour.coveredUntil, now - 3'600'000), now + 1, lastHour);
        if (!read.ok())
            return context.fail(read.error());
        row << QString::number(lastMinute.completed) << QString::number(lastMinute.failed)
            << QString::number(lastHour.completed);
        rows.append(row);
        array.append(QJsonObject {{QStringLiteral("queue"), config.name}, {QStringLiteral("paused"), config.paused},
            {QStringLiteral("concurrency"), config.concurrency}, {QStringLiteral("counts"), countObject},
            {QStringLiteral("lastMinute"), lastMinute.toJson()}, {QStringLiteral("lastHour"), lastHour.toJson()}});
    }

    QJsonObject totalObject;
    QStringList totalRow {QStringLiteral("(all)"), QString(), QString()};
    for (TaskState state : allTaskStates) {
        totalObject.insert(taskStateName(state), totals[size_t(state)]);
        totalRow.append(QString::number(totals[size_t(state)]));
    }
    if (context.json()) {
        context.printJson(QJsonObject {{QStringLiteral("queues"), array}, {QStringLiteral("totals"), totalObject},
            {QStringLiteral("at"), ExportCodec::isoTime(now)}});
        return ExitOk;
    }
    totalRow << QString() << QString() << QString();
    rows.append(totalRow);
    printTable(context.out(), rows);
    return ExitOk;
}

// ---------------------------------------------------------------------------------------------- pause, resume,
// set-concurrency

void addAllOption(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(QStringLiteral("all"), QStringLiteral("Every queue.")));
}

// NotFound when the queue does not exist (yet): a typo must not silently configure a new queue.
std::optional<Error> checkQueueExists(CliContext& context, const QString& queue)
{
    if (!isValidQueueName(queue))
        return Error {ErrorCode::InvalidArgument, QStringLiteral("\"%1\" is not a valid queue name.").arg(queue)};
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return store.error();
    const Result<QList<QueueConfig>> queues = store.value()->queues();
    if (!queues.ok())
        return queues.error();
    for (const QueueConfig& config : queues.value()) {
        if (config.name == queue)
            return std::nullopt;
    }
    return Error {ErrorCode::NotFound, QStringLiteral("There is no queue \"%1\".").arg(queue)};
}

int runPauseOrResume(CliContext& context, const QCommandLineParser& parser, bool pause)
{
    const QString command = pause ? QStringLiteral("pause") : QStringLiteral("resume");
    const bool all = parser.isSet(QStringLiteral("all"));
    const QStringList args = parser.positionalArguments();
    if (all == !args.isEmpty())
        return context.usageError(QStringLiteral("Give one queue name or --all."), command);
    const QString queue = all ? QString() : args.first();

    const Result<QueueEngine*> engine = context.engine();
    if (!engine.ok())
        return context.fail(engine.error());
    if (!all) {
        if (std::optional<Error> error = checkQueueExists(context, queue))
            return context.fail(*error);
    }
    const Status status = engine.value()->setPaused(queue, pause);
    if (!status.ok())
        return context.fail(status.error());
    if (context.json()) {
        context.printJson(
            QJsonObject {{QStringLiteral("queue"), all ? QJsonValue(QJsonValue::Null) : QJsonValue(queue)},
                {QStringLiteral("paused"), pause}});
    } else {
        context.out() << (all ? QStringLiteral("Every queue") : QStringLiteral("Queue \"%1\"").arg(queue)) << " is "
                      << (pause ? "paused" : "running") << "." << Qt::endl;
    }
    return ExitOk;
}

int runPause(CliContext& context, const QCommandLineParser& parser)
{
    return runPauseOrResume(context, parser, true);
}

int runResume(CliContext& context, const QCommandLineParser& parser)
{
    return runPauseOrResume(context, parser, false);
}

int runSetConcurrency(CliContext& context, const QCommandLineParser& parser)
{
    const QString queue = parser.positionalArguments().value(0);
    const Result<qint64> limit = CommandOptions::parseInteger(
        parser.positionalArguments().value(1), QStringLiteral("The concurrency"), 0, 1000);
    if (!limit.ok())
        return context.usageError(limit.errorString(), QStringLiteral("set-concurrency"));
    const Result<QueueEngine*> engine = context.engine();
    if (!engine.ok())
        return context.fail(engine.error());
    if (std::optional<Error> error = checkQueueExists(context, queue))
        return context.fail(*error);
    const Status status = engine.value()->setConcurrency(queue, int(limit.value()));
    if (!status.ok())
        return context.fail(status.error());
    if (context.json()) {
        context.printJson(
            QJsonObject {{QStringLiteral("queue"), queue}, {QStringLiteral("concurrency"), limit.value()}});
    } else if (limit.value() == 0) {
        context.out() << "Queue \"" << queue << "\" runs without a limit of its own." << Qt::endl;
    } else {
        context.out() << "Queue \"" << queue << "\" runs at most " << limit.value() << " task(s) at once per process."
                      << Qt::endl;
    }
    return ExitOk;
}

// ---------------------------------------------------------------------------------------------- retry, cancel, purge

void addBulkOptions(QCommandLineParser& parser)
{
    CommandOptions::addFilterOptions(parser);
    parser.addOption(QCommandLineOption(QStringLiteral("yes"),
        QStringLiteral("Confirm that the command applies to every task when no filter is given.")));
    parser.addOption(QCommandLineOption(QStringLiteral("dry-run"),
        QStringLiteral("Change nothing: say how many tasks the command would change (as the window's confirmation "
                       "does).")));
}

enum class BulkAction { Retry, Cancel, Purge };

int runBulk(CliContext& context, const QCommandLineParser& parser, BulkAction action)
{
    const QString command = action == BulkAction::Retry ? QStringLiteral("retry")
        : action == BulkAction::Cancel                  ? QStringLiteral("cancel")
                                                        : QStringLiteral("purge");
    const Result<TaskFilter> filter = CommandOptions::filter(parser, parser.positionalArguments());
    if (!filter.ok())
        return context.usageError(filter.errorString(), command);
    const bool dryRun = parser.isSet(QStringLiteral("dry-run"));
    if (filter->isEmpty() && !dryRun && !parser.isSet(QStringLiteral("yes"))) {
        return context.usageError(
            QStringLiteral("Refusing to %1 every task: give task ids, a filter, or --yes.").arg(command), command);
    }
    const Result<QueueEngine*> engine = context.engine();
    if (!engine.ok())
        return context.fail(engine.error());
    if (!filter->ids.isEmpty()) {
        const Result<TaskStore*> store = context.store();
        if (!store.ok())
            return context.fail(store.error());
        for (qint64 id : filter->ids) {
            const Result<Task> task = store.value()->task(id);
            if (!task.ok())
                return context.fail(task.error());
        }
    }
    const QString done = action == BulkAction::Retry ? QStringLiteral("retried")
        : action == BulkAction::Cancel               ? QStringLiteral("cancelled")
                                                     : QStringLiteral("purged");
    if (dryRun) {
        // Exactly the tasks the command would change (a retry: the failed and cancelled ones among those matching).
        const AdminAction admin = action == BulkAction::Retry ? AdminAction::Retry
            : action == BulkAction::Cancel                    ? AdminAction::Cancel
                                                              : AdminAction::Purge;
        const std::optional<TaskFilter> changed = changedBy(admin, filter.value());
        const Result<TaskStore*> store = context.store();
        if (!store.ok())
            return context.fail(store.error());
        const Result<qint64> would = changed ? store.value()->countTasks(*changed) : Result<qint64>(qint64(0));
        if (!would.ok())
            return context.fail(would.error());
        if (context.json())
            context.printJson(QJsonObject {{done, would.value()}, {QStringLiteral("dryRun"), true}});
        else
            context.out() << would.value() << " task(s) would be " << done << " (dry run: nothing changed)."
                          << Qt::endl;
        return ExitOk;
    }
    Result<qint64> count = action == BulkAction::Retry ? engine.value()->retry(filter.value())
        : action == BulkAction::Cancel                 ? engine.value()->cancel(filter.value())
                                                       : engine.value()->purge(filter.value());
    if (!count.ok())
        return context.fail(count.error());
    if (context.json())
        context.printJson(QJsonObject {{done, count.value()}});
    else
        context.out() << count.value() << " task(s) " << done << "." << Qt::endl;
    return ExitOk;
}

int runRetry(CliContext& context, const QCommandLineParser& parser)
{
    return runBulk(context, parser, BulkAction::Retry);
}

int runCancel(CliContext& context, const QCommandLineParser& parser)
{
    return runBulk(context, parser, BulkAction::Cancel);
}

int runPurge(CliContext& context, const QCommandLineParser& parser)
{
    return runBulk(context, parser, BulkAction::Purge);
}

// ---------------------------------------------------------------------------------------------- export

void addExportOptions(QCommandLineParser& parser)
{
    CommandOptions::addFilterOptions(parser, false);
    parser.addOption(QCommandLineOption(QStringLiteral("format"),
        QStringLiteral("csv or jsonl (default: from the output's extension, else csv)."), QStringLiteral("format")));
    parser.addOption(QCommandLineOption({QStringLiteral("o"), QStringLiteral("output")},
        QStringLiteral("The file to write (default -: stdout). Written to a temporary file and renamed at the end."),
        QStringLiteral("path")));
    parser.addOption(QCommandLineOption(QStringLiteral("from"),
        QStringLiteral("From this ISO 8601 time (tasks: created; events: happened; metrics: sampled)."),
        QStringLiteral("time")));
    parser.addOption(
        QCommandLineOption(QStringLiteral("to"), QStringLiteral("Before this ISO 8601 time."), QStringLiteral("time")));
    parser.addOption(QCommandLineOption(QStringLiteral("resolution"),
        QStringLiteral("metrics: 1 (per second) or 60 (per minute, the default)."), QStringLiteral("seconds")));
}

int runExport(CliContext& context, const QCommandLineParser& parser)
{
    const QString command = QStringLiteral("export");
    const QString kind = parser.positionalArguments().value(0);
    if (kind != u"tasks" && kind != u"events" && kind != u"metrics")
        return context.usageError(QStringLiteral("Export tasks, events or metrics, not \"%1\".").arg(kind), command);
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
    const auto range = CommandOptions::timeRange(parser);
    if (!range.ok())
        return context.usageError(range.errorString(), command);
    const Result<TaskFilter> filterResult = CommandOptions::filter(parser, {});
    if (!filterResult.ok())
        return context.usageError(filterResult.errorString(), command);
    TaskFilter filter = filterResult.value();
    if (kind != u"tasks" && (!filter.states.isEmpty() || !filter.types.isEmpty() || !filter.search.isEmpty()))
        return context.usageError(QStringLiteral("--state, --type and --search apply to tasks only."), command);
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
    } else {
        rows = HistoryExporter::exportSamples(*store.value(), filter.queues, int(resolution.value()), range->first,
            range->second, *format, output, control);
    }
    if (!rows.ok())
        return context.fail(rows.error());
    if (context.json()) {
        context.printJson(QJsonObject {{QStringLiteral("kind"), kind}, {QStringLiteral("rows"), rows.value()},
            {QStringLiteral("path"), QFileInfo(output).absoluteFilePath()},
            {QStringLiteral("format"),
                *format == ExportFormat::Csv ? QStringLiteral("csv") : QStringLiteral("jsonl")}});
    } else {
        context.out() << "Exported " << rows.value() << " " << (kind == u"metrics" ? QStringLiteral("samples") : kind)
                      << " to " << QDir::toNativeSeparators(output) << "." << Qt::endl;
    }
    return ExitOk;
}

// ---------------------------------------------------------------------------------------------- the table

void noOptions(QCommandLineParser&) { }

const QList<Command>& commands()
{
    static const QList<Command> list {
        {QStringLiteral("enqueue"), QStringLiteral("--type TYPE [options] | --file PATH|-"),
            QStringLiteral("Add one task from flags, or many from a JSON Lines file."),
            QStringLiteral(
                "Each line of --file is a JSON object: {\"queue\", \"type\", \"payload\" (an object), \"priority\",\n"
                "\"delayMs\", \"runAt\", \"maxAttempts\", \"timeoutMs\", \"idempotencyKey\"}; only \"type\" is "
                "required.\n"
                "A payload may hold 1 MiB (1048576 bytes, as compact JSON), a line 2 MiB; a longer line is refused\n"
                "as soon as it is read that far.\n"
                "Lines are stored in batches of 1000, each batch all or nothing. A bad line stops the command with\n"
                "exit code 5 and its line number; the batches before it stay stored, nothing from its batch does."),
            0, 0, addEnqueueOptions, runEnqueue},
        {QStringLiteral("list"), QStringLiteral("[filters] [--limit N] [--offset N] [--sort KEY]"),
            QStringLiteral("List tasks."), {}, 0, 0, addListOptions, runList},
        {QStringLiteral("show"), QStringLiteral("ID"), QStringLiteral("Show a task and its state-transition history."),
            QStringLiteral("Exit code 3 when there is no such task."), 1, 1, noOptions, runShow},
        {QStringLiteral("stats"), QString(),
            QStringLiteral("Task counts per queue and state, and recent throughput from the metrics history."), {}, 0,
            0, noOptions, runStats},
        {QStringLiteral("pause"), QStringLiteral("QUEUE | --all"),
            QStringLiteral("Pause a queue: workers of every process stop claiming its tasks."),
            QStringLiteral("Exit code 3 when there is no such queue."), 0, 1, addAllOption, runPause},
        {QStringLiteral("resume"), QStringLiteral("QUEUE | --all"), QStringLiteral("Resume a paused queue."),
            QStringLiteral("Exit code 3 when there is no such queue."), 0, 1, addAllOption, runResume},
        {QStringLiteral("retry"), QStringLiteral("[ID...] [filters] [--yes]"),
            QStringLiteral("Queue failed or cancelled tasks again with a fresh attempt budget."),
            QStringLiteral("Exit code 3 when a given id does not exist."), 0, -1, addBulkOptions, runRetry},
        {QStringLiteral("cancel"), QStringLiteral("[ID...] [filters] [--yes]"),
            QStringLiteral("Cancel queued and scheduled tasks; ask running ones to stop."),
            QStringLiteral("Exit code 3 when a given id does not exist."), 0, -1, addBulkOptions, runCancel},
        {QStringLiteral("purge"), QStringLiteral("[ID...] [filters] [--yes]"),
            QStringLiteral("Delete tasks and their history (running tasks are never purged)."),
            QStringLiteral("Without ids or a filter, --yes is required."), 0, -1, addBulkOptions, runPurge},
        {QStringLiteral("export"),
            QStringLiteral("tasks|events|metrics [--format csv|jsonl] [--output PATH] [--from T] [--to T]"),
            QStringLiteral("Export tasks, their state-transition history, or the metrics history."),
            QStringLiteral(
                "CSV follows RFC 4180 (header row, CRLF, UTF-8); JSON Lines has one object per line with payload and\n"
                "result embedded as JSON. Times are ISO 8601 UTC with milliseconds; unset times are empty (null).\n"
                "SIGINT cancels the export and leaves no file behind."),
            1, 1, addExportOptions, runExport},
        {QStringLiteral("work"), QStringLiteral("[--concurrency N]"),
            QStringLiteral("Run workers headless until SIGINT or SIGTERM, then stop gracefully."),
            QStringLiteral("Exit code 0 after a signal-initiated stop; 4 when the database becomes unusable."), 0, 0,
            WorkCommand::addOptions, WorkCommand::run},
        {QStringLiteral("demo"), QStringLiteral("[--images N] [--sink-url URL] [--scratch DIR]"),
            QStringLiteral("Generate images and logs and enqueue a realistic mixed workload."),
            QStringLiteral("Some tasks fail on purpose (their payload has a \"note\" saying why)."), 0, 0,
            DemoCommand::addOptions, DemoCommand::run},
        {QStringLiteral("spool"),
            QStringLiteral("add NAME --dir DIR [--type T --pattern GLOB] | list | remove|pause|resume NAME"),
            QStringLiteral("Configure spool folders whose files become tasks (run by `work`)."), {}, 1, 2,
            SpoolCommand::addOptions, SpoolCommand::run},
        {QStringLiteral("set-concurrency"), QStringLiteral("QUEUE N"),
            QStringLiteral("Run at most N tasks of QUEUE at once in each process (0: no limit of its own)."),
            QStringLiteral("Exit code 3 when there is no such queue."), 2, 2, noOptions, runSetConcurrency},
    };
    return list;
}

QString commandHelp(const Command& command, const QCommandLineParser& parser)
{
    QString options = parser.helpText();
    // Qt's first line names the program without the command; ours does.
    const qsizetype firstBreak = options.indexOf(u'\n');
    options = firstBreak >= 0 ? options.mid(firstBreak + 1) : QString();
    QString text
        = QStringLiteral("Usage: queuedesk-cli %1 %2\n\n%3\n").arg(command.name, command.syntax, command.summary);
    if (!command.details.isEmpty())
        text += u'\n' + command.details + u'\n';
    return text + options;
}

int runCommand(CliContext& context, const Command& command, const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    parser.addOptions(CliContext::globalOptions());
    parser.addOption(
        QCommandLineOption({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help.")));
    command.addOptions(parser);
    if (!parser.parse(QStringList {QStringLiteral("queuedesk-cli")} + arguments))
        return context.usageError(parser.errorText(), command.name);
    if (parser.isSet(QStringLiteral("help"))) {
        context.out() << commandHelp(command, parser);
        context.out().flush();
        return ExitOk;
    }
    context.applyGlobalOptions(parser);
    const qsizetype count = parser.positionalArguments().size();
    if (count < command.minArgs || (command.maxArgs >= 0 && count > command.maxArgs)) {
        return context.usageError(count < command.minArgs
                ? QStringLiteral("Missing argument: %1 %2.").arg(command.name, command.syntax)
                : QStringLiteral("Unexpected argument \"%1\".")
                      .arg(parser.positionalArguments().value(command.maxArgs)),
            command.name);
    }
    return command.run(context, parser);
}

const Command* findCommand(const QString& name)
{
    for (const Command& command : commands()) {
        if (command.name == name)
            return &command;
    }
    return nullptr;
}

} // namespace

QString mainHelpText()
{
    QString text = QStringLiteral(
        "Usage: queuedesk-cli [--db PATH] [--json] [--read-only] <command> [options] [arguments]\n"
        "\n"
        "Administers a QueueDesk task queue from scripts and terminals. Safe to use while the QueueDesk window\n"
        "has the same database open.\n"
        "\n"
        "Commands:\n");
    for (const Command& command : commands())
        text += QStringLiteral("  %1%2\n").arg(command.name.leftJustified(17), command.summary);
    text += QStringLiteral(
        "\n"
        "Global options (also accepted after the command):\n"
        "  --db PATH|URL    The database: a SQLite file (default: the GUI's, %1) or postgresql://host/dbname\n"
        "  --json           Machine-readable output: one JSON document on stdout; on stderr at most one, the\n"
        "                   error and any log messages (\"log\": [{\"level\", \"category\", \"message\"}])\n"
        "  --read-only      Open the database without writing (commands that write fail with exit code 4)\n"
        "  -h, --help       This help; 'queuedesk-cli COMMAND --help' describes a command\n"
        "  --version        The version\n"
        "\n"
        "Exit codes:\n"
        "  0  success\n"
        "  1  other error (cannot write a file, export cancelled, internal error)\n"
        "  2  usage error (unknown command or option, missing or malformed argument)\n"
        "  3  not found (no such task, queue, database or input file)\n"
        "  4  database error (locked, read-only, corrupt, full, or written by a newer QueueDesk)\n"
        "  5  invalid input (malformed JSON, unknown task type, payload rejected by its handler)\n"
        "Errors are printed on stderr.\n")
                .arg(QDir::toNativeSeparators(defaultDatabasePath()));
    return text;
}

namespace {

int runArguments(CliContext& context, const QStringList& arguments)
{
    int i = 1;
    // Global options before the command name.
    for (; i < arguments.size(); ++i) {
        const QString& arg = arguments[i];
        if (arg == u"--db") {
            if (i + 1 >= arguments.size())
                return context.usageError(QStringLiteral("--db needs a path."));
            context.setDatabasePath(arguments[++i]);
        } else if (arg.startsWith(QLatin1String("--db="))) {
            context.setDatabasePath(arg.mid(5));
        } else if (arg == u"--json") {
            context.setJson(true);
        } else if (arg == u"--read-only") {
            context.setReadOnly(true);
        } else if (arg == u"-h" || arg == u"--help") {
            context.out() << mainHelpText();
            return ExitOk;
        } else if (arg == u"--version" || arg == u"-v") {
            context.out() << "queuedesk-cli " << QCoreApplication::applicationVersion() << Qt::endl;
            return ExitOk;
        } else if (arg.startsWith(u'-')) {
            return context.usageError(QStringLiteral("Unknown option \"%1\".").arg(arg));
        } else {
            break;
        }
    }
    if (i >= arguments.size()) {
        if (context.json())
            return context.usageError(QStringLiteral("No command given."));
        context.err() << mainHelpText();
        return ExitUsage;
    }
    QString name = arguments[i];
    QStringList rest = arguments.mid(i + 1);
    if (name == u"help") {
        if (rest.isEmpty()) {
            context.out() << mainHelpText();
            return ExitOk;
        }
        name = rest.first();
        rest = {QStringLiteral("--help")};
    }
    const Command* command = findCommand(name);
    if (!command)
        return context.usageError(QStringLiteral("Unknown command \"%1\".").arg(name));
    return runCommand(context, *command, rest);
}

} // namespace

int runCli(const QStringList& arguments)
{
    CliContext context;
    const int exitCode = runArguments(context, arguments);
    return context.finish(exitCode);
}

} // namespace qd::cli
