#include "cli_queuecommands.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "core/oneshotwriter.h"
#include "core/taskstore.h"

#include <QJsonObject>

namespace qd::cli {

namespace {

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

    const Result<OneShotWriter*> writer = context.writer();
    if (!writer.ok())
        return context.fail(writer.error());
    if (!all) {
        if (std::optional<Error> error = checkQueueExists(context, queue))
            return context.fail(*error);
    }
    const Status status = writer.value()->setPaused(queue, pause);
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

} // namespace

void QueueCommands::addAllOption(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(QStringLiteral("all"), QStringLiteral("Every queue.")));
}

int QueueCommands::runPause(CliContext& context, const QCommandLineParser& parser)
{
    return runPauseOrResume(context, parser, true);
}

int QueueCommands::runResume(CliContext& context, const QCommandLineParser& parser)
{
    return runPauseOrResume(context, parser, false);
}

int QueueCommands::runSetConcurrency(CliContext& context, const QCommandLineParser& parser)
{
    const QString queue = parser.positionalArguments().value(0);
    const Result<qint64> limit = CommandOptions::parseInteger(
        parser.positionalArguments().value(1), QStringLiteral("The concurrency"), 0, 1000);
    if (!limit.ok())
        return context.usageError(limit.errorString(), QStringLiteral("set-concurrency"));
    const Result<OneShotWriter*> writer = context.writer();
    if (!writer.ok())
        return context.fail(writer.error());
    if (std::optional<Error> error = checkQueueExists(context, queue))
        return context.fail(*error);
    const Status status = writer.value()->setConcurrency(queue, int(limit.value()));
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

int QueueCommands::runRequireSigned(CliContext& context, const QCommandLineParser& parser)
{
    const QString queue = parser.positionalArguments().value(0);
    const QString state = parser.positionalArguments().value(1);
    if (state != QLatin1String("on") && state != QLatin1String("off"))
        return context.usageError(
            QStringLiteral("Give on or off, not \"%1\".").arg(state), QStringLiteral("require-signed"));
    const bool required = state == QLatin1String("on");
    // Creates a missing database and queue: a queue is made to require signatures before its producers start.
    const Result<OneShotWriter*> writer = context.writer(true);
    if (!writer.ok())
        return context.fail(writer.error());
    const Status status = writer.value()->setRequireSigned(queue, required);
    if (!status.ok())
        return context.fail(status.error());
    if (context.json()) {
        context.printJson(QJsonObject {{QStringLiteral("queue"), queue}, {QStringLiteral("requireSigned"), required}});
    } else if (required) {
        context.out() << "Queue \"" << queue << "\" takes only tasks signed by a producer key in use (see keys list)."
                      << Qt::endl;
    } else {
        context.out() << "Queue \"" << queue << "\" takes unsigned tasks too (signed ones are still verified)."
                      << Qt::endl;
    }
    return ExitOk;
}

} // namespace qd::cli
