#include "cli_bulkcommands.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_failurescommand.h"
#include "core/oneshotwriter.h"
#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QJsonObject>

namespace qd::cli {

namespace {

enum class BulkAction { Retry, Cancel, Purge };

int runBulk(CliContext& context, const QCommandLineParser& parser, BulkAction action)
{
    const QString command = action == BulkAction::Retry ? QStringLiteral("retry")
        : action == BulkAction::Cancel                  ? QStringLiteral("cancel")
                                                        : QStringLiteral("purge");
    Result<TaskFilter> filter = CommandOptions::filter(parser, parser.positionalArguments());
    if (!filter.ok())
        return context.usageError(filter.errorString(), command);
    const bool cluster = parser.isSet(QStringLiteral("cluster"));
    if (cluster) {
        // The cluster's tasks, narrowed by any other filter option given with it.
        if (!filter->ids.isEmpty())
            return context.usageError(QStringLiteral("Give task ids or --cluster, not both."), command);
        const Result<TaskFilter> tasks
            = FailuresCommand::clusterFilter(context, parser.value(QStringLiteral("cluster")));
        if (!tasks.ok())
            return context.fail(tasks.error());
        filter->ids = tasks->ids;
    }
    const bool dryRun = parser.isSet(QStringLiteral("dry-run"));
    if (filter->isEmpty() && !dryRun && !parser.isSet(QStringLiteral("yes"))) {
        return context.usageError(
            QStringLiteral("Refusing to %1 every task: give task ids, a filter, or --yes.").arg(command), command);
    }
    if (!filter->ids.isEmpty() && !cluster) {
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
    Result<qint64> count = qint64(0);
    if (action == BulkAction::Purge) {
        // An engine's purge commits in batches and gives back the disk reserve when the disk is full.
        const Result<QueueEngine*> engine = context.engine();
        if (!engine.ok())
            return context.fail(engine.error());
        count = engine.value()->purge(filter.value());
    } else {
        const Result<OneShotWriter*> writer = context.writer();
        if (!writer.ok())
            return context.fail(writer.error());
        count = action == BulkAction::Retry ? writer.value()->retry(filter.value())
                                            : writer.value()->cancel(filter.value());
    }
    if (!count.ok())
        return context.fail(count.error());
    if (context.json())
        context.printJson(QJsonObject {{done, count.value()}});
    else
        context.out() << count.value() << " task(s) " << done << "." << Qt::endl;
    return ExitOk;
}

} // namespace

void BulkCommands::addOptions(QCommandLineParser& parser)
{
    CommandOptions::addFilterOptions(parser);
    parser.addOption(QCommandLineOption(QStringLiteral("yes"),
        QStringLiteral("Confirm that the command applies to every task when no filter is given.")));
    parser.addOption(QCommandLineOption(QStringLiteral("cluster"),
        QStringLiteral("The tasks of this failure cluster (the ID column of `failures`); other filters narrow it."),
        QStringLiteral("ID")));
    parser.addOption(QCommandLineOption(QStringLiteral("dry-run"),
        QStringLiteral("Change nothing: say how many tasks the command would change (as the window's confirmation "
                       "does).")));
}

int BulkCommands::runRetry(CliContext& context, const QCommandLineParser& parser)
{
    return runBulk(context, parser, BulkAction::Retry);
}

int BulkCommands::runCancel(CliContext& context, const QCommandLineParser& parser)
{
    return runBulk(context, parser, BulkAction::Cancel);
}

int BulkCommands::runPurge(CliContext& context, const QCommandLineParser& parser)
{
    return runBulk(context, parser, BulkAction::Purge);
}

} // namespace qd::cli
