#include "cli_failurescommand.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_output.h"
#include "core/export/exportcodec.h"
#include "core/taskstore.h"

#include <QJsonArray>
#include <QJsonObject>

namespace qd::cli {

namespace {

QJsonObject toJson(const FailureCluster& c)
{
    return QJsonObject {{QStringLiteral("id"), c.signatureId}, {QStringLiteral("signature"), c.signature},
        {QStringLiteral("count"), c.count}, {QStringLiteral("tasks"), c.taskCount},
        {QStringLiteral("firstSeen"), ExportCodec::isoTime(c.firstSeen)},
        {QStringLiteral("lastSeen"), ExportCodec::isoTime(c.lastSeen)},
        {QStringLiteral("queues"), QJsonArray::fromStringList(c.queues)},
        {QStringLiteral("types"), QJsonArray::fromStringList(c.types)},
        {QStringLiteral("sampleTaskId"), c.sampleTaskId}, {QStringLiteral("sampleError"), c.sampleError},
        {QStringLiteral("encrypted"), c.encrypted}};
}

} // namespace

void FailuresCommand::addOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(QStringLiteral("queue"),
        QStringLiteral("Only failures of this queue (repeatable, or a,b)."), QStringLiteral("Q")));
    parser.addOption(QCommandLineOption(QStringLiteral("since"),
        QStringLiteral("Only attempts that failed at or after this ISO 8601 time."), QStringLiteral("T")));
    parser.addOption(QCommandLineOption(QStringLiteral("limit"),
        QStringLiteral("At most N clusters, newest first (default 50; 0: all)."), QStringLiteral("N")));
}

int FailuresCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    FailureClusterQuery query;
    query.queues = CommandOptions::listValues(parser, QStringLiteral("queue"));
    if (parser.isSet(QStringLiteral("since"))) {
        const std::optional<qint64> since = ExportCodec::parseIsoTime(parser.value(QStringLiteral("since")));
        if (!since) {
            return context.usageError(QStringLiteral("--since must be an ISO 8601 time such as 2026-11-25T12:00:00Z, "
                                                     "not \"%1\".")
                                          .arg(parser.value(QStringLiteral("since"))),
                QStringLiteral("failures"));
        }
        query.since = *since;
    }
    const Result<qint64> limit = CommandOptions::integer(parser, QStringLiteral("limit"), 50, 0, 1'000'000);
    if (!limit.ok())
        return context.usageError(limit.errorString(), QStringLiteral("failures"));
    query.limit = int(limit.value());

    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const Result<QList<FailureCluster>> clusters = store.value()->failureClusters(query);
    if (!clusters.ok())
        return context.fail(clusters.error());
    if (context.json()) {
        QJsonArray list;
        for (const FailureCluster& c : clusters.value())
            list.append(toJson(c));
        context.printJson(list);
        return ExitOk;
    }
    if (clusters->isEmpty()) {
        context.out() << "No failed attempts." << Qt::endl;
        return ExitOk;
    }
    QList<QStringList> rows {{QStringLiteral("ID"), QStringLiteral("COUNT"), QStringLiteral("TASKS"),
        QStringLiteral("LAST SEEN"), QStringLiteral("FIRST SEEN"), QStringLiteral("QUEUES"), QStringLiteral("TYPES"),
        QStringLiteral("SAMPLE"), QStringLiteral("SIGNATURE")}};
    for (const FailureCluster& c : clusters.value()) {
        rows.append({c.signatureId, QString::number(c.count), QString::number(c.taskCount),
            ExportCodec::isoTime(c.lastSeen), ExportCodec::isoTime(c.firstSeen), c.queues.join(QLatin1Char(',')),
            c.types.join(QLatin1Char(',')), QString::number(c.sampleTaskId), oneLine(c.signature, 80)});
    }
    printTable(context.out(), rows);
    return ExitOk;
}

Result<TaskFilter> FailuresCommand::clusterFilter(CliContext& context, const QString& signatureId)
{
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return store.error();
    FailureClusterQuery query;
    query.signatureId = signatureId;
    query.withTaskIds = true;
    const Result<QList<FailureCluster>> clusters = store.value()->failureClusters(query);
    if (!clusters.ok())
        return clusters.error();
    if (clusters->isEmpty() || clusters->first().taskIds.isEmpty()) {
        return Error {ErrorCode::NotFound,
            QStringLiteral("No failure cluster %1 (see `queuedesk-cli failures`).").arg(signatureId)};
    }
    TaskFilter filter;
    filter.ids = clusters->first().taskIds;
    return filter;
}

} // namespace qd::cli
