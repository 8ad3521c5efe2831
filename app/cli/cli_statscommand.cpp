#include "cli_statscommand.h"

#include "cli_capacityreport.h"
#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_output.h"
#include "core/export/exportcodec.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QMap>

namespace qd::cli {

namespace {

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

} // namespace

void StatsCommand::addOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(QStringLiteral("capacity"),
        QStringLiteral("Rates, queueing predictions and the drain forecast per queue, instead of the counts.")));
    parser.addOption(QCommandLineOption(QStringLiteral("window"),
        QStringLiteral("--capacity: the minutes the rates are measured over: 1, 5 (default) or 15."),
        QStringLiteral("minutes")));
}

int StatsCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const auto window = CommandOptions::integer(parser, QStringLiteral("window"), 5, 1, 15);
    if (!window.ok() || (window.value() != 1 && window.value() != 5 && window.value() != 15))
        return context.usageError(QStringLiteral("--window must be 1, 5 or 15 (minutes)."), QStringLiteral("stats"));
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
    if (parser.isSet(QStringLiteral("capacity")))
        return printCapacityReport(context, store, counts.value(), queues, now, int(window.value()) * 60);
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

} // namespace qd::cli
