#include "cli_workcommand.h"

#include "cli_bridgecommand.h"
#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_signalwatcher.h"
#include "core/amqp/amqpconnectiondirectory.h"
#include "core/amqp/amqpservice.h"
#include "core/databaseurl.h"
#include "core/queueengine.h"
#include "core/spool/spoolservice.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QJsonObject>
#include <QThread>
#include <QTimer>

namespace qd::cli {

void WorkCommand::addOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(QStringLiteral("concurrency"),
        QStringLiteral("Worker threads (default: the number of CPU cores)."), QStringLiteral("n")));
    parser.addOption(QCommandLineOption(QStringLiteral("grace-ms"),
        QStringLiteral("On SIGINT/SIGTERM, how long running tasks may finish before being asked to stop "
                       "(default 10000)."),
        QStringLiteral("ms")));
    parser.addOption(QCommandLineOption(QStringLiteral("amqp-url"),
        QStringLiteral("A broker `amqp` tasks may name in \"connection\" (repeatable; also QUEUEDESK_AMQP_URL_NAME "
                       "in the environment, which keeps the password off the command line)."),
        QStringLiteral("name=url")));
    parser.addOption(QCommandLineOption(QStringLiteral("report-ms"),
        QStringLiteral("How often to print what was processed (default 5000; 0: only at the end)."),
        QStringLiteral("ms")));
}

int WorkCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const Result<qint64> concurrency
        = CommandOptions::integer(parser, QStringLiteral("concurrency"), qMax(1, QThread::idealThreadCount()), 1, 256);
    if (!concurrency.ok())
        return context.usageError(concurrency.errorString(), QStringLiteral("work"));
    const Result<qint64> grace = CommandOptions::integer(parser, QStringLiteral("grace-ms"), 10'000, 0, 86'400'000);
    if (!grace.ok())
        return context.usageError(grace.errorString(), QStringLiteral("work"));
    const Result<qint64> reportMs = CommandOptions::integer(parser, QStringLiteral("report-ms"), 5000, 0, 86'400'000);
    if (!reportMs.ok())
        return context.usageError(reportMs.errorString(), QStringLiteral("work"));

    // The brokers of `amqp` tasks, before a worker can run one.
    AmqpConnectionDirectory& brokers = AmqpConnectionDirectory::instance();
    for (const QString& entry : parser.values(QStringLiteral("amqp-url"))) {
        if (Status s = brokers.add(entry); !s.ok())
            return context.usageError(s.errorString(), QStringLiteral("work"));
    }
    if (const Result<int> fromEnvironment = brokers.addFromEnvironment(); !fromEnvironment.ok())
        return context.usageError(fromEnvironment.errorString(), QStringLiteral("work"));

    // Install the handlers before the engine starts so a signal during start-up is not lost.
    SignalWatcher watcher;
    if (!watcher.isValid())
        return context.fail(ErrorCode::Internal, QStringLiteral("Cannot install the signal handlers."));

    const Result<QueueEngine*> opened = context.engine(int(concurrency.value()), 1000, grace.value());
    if (!opened.ok())
        return context.fail(opened.error());
    QueueEngine* engine = opened.value();

    qint64 succeeded = 0, failed = 0, cancelled = 0, retried = 0;
    bool dirty = false;
    int exitCode = ExitOk;
    std::optional<Error> fatal; // what stopped the workers, if not a signal
    QEventLoop loop;

    QObject::connect(engine, &QueueEngine::tasksChanged, &loop, [&](const QList<TaskChange>& changes) {
        for (const TaskChange& change : changes) {
            switch (change.state) {
            case TaskState::Succeeded:
                ++succeeded;
                break;
            case TaskState::Failed:
                ++failed;
                break;
            case TaskState::Cancelled:
                ++cancelled;
                break;
            case TaskState::Scheduled:
                ++retried;
                break;
            default:
                break;
            }
        }
        dirty = true;
    });
    QObject::connect(engine, &QueueEngine::errorOccurred, &loop, [&](const Error& error) {
        context.note(QStringLiteral("work: ") + error.message, QtWarningMsg);
        // A lock is transient (the GUI or another worker held it); these are not, and workers would only spin.
        if (error.code == ErrorCode::Corrupt || error.code == ErrorCode::ReadOnly
            || error.code == ErrorCode::SchemaTooNew) {
            exitCode = exitCodeFor(error.code);
            fatal = error;
            loop.quit();
        }
    });
    QObject::connect(&watcher, &SignalWatcher::signalReceived, &loop, [&](int) { loop.quit(); });

    // The spools of the sources table whose folders are on this host (`queuedesk-cli spool add`).
    SpoolServiceOptions spoolOptions;
    spoolOptions.store = context.storeOptions();
    auto spools = std::make_unique<SpoolService>(*engine, spoolOptions);
    QObject::connect(spools.get(), &SpoolService::problemFound, &loop,
        [&](const QString& source, const QString& file, const QString& reason) {
            context.note(QStringLiteral("work: spool %1: %2: %3").arg(source, file, reason), QtWarningMsg);
        });
    QObject::connect(spools.get(), &SpoolService::errorOccurred, &loop,
        [&](const QString& message) { context.note(QStringLiteral("work: ") + message, QtWarningMsg); });
    spools->start();
    auto bridges = BridgeCommand::startConfigured(context, *engine, &loop); // the AMQP bridges (`bridge add`)

    auto report = [&] {
        if (context.json()) {
            context.printJson(QJsonObject {{QStringLiteral("succeeded"), succeeded}, {QStringLiteral("failed"), failed},
                {QStringLiteral("cancelled"), cancelled}, {QStringLiteral("retryScheduled"), retried}});
        } else {
            context.out() << "processed: " << succeeded << " succeeded, " << failed << " failed, " << cancelled
                          << " cancelled, " << retried << " scheduled for retry" << Qt::endl;
        }
    };
    QTimer reportTimer;
    if (reportMs.value() > 0) {
        QObject::connect(&reportTimer, &QTimer::timeout, &loop, [&] {
            if (dirty) {
                dirty = false;
                report();
            }
        });
        reportTimer.start(int(reportMs.value()));
    }

    context.note(QStringLiteral("working on %1 with %2 workers; SIGINT or SIGTERM stops.")
                     .arg(QDir::toNativeSeparators(databaseDisplayName(context.databasePath())))
                     .arg(concurrency.value()));
    if (!SignalWatcher::interrupted().load())
        loop.exec();
    reportTimer.stop();

    context.note(QStringLiteral("stopping (running tasks have %1 ms to finish)").arg(grace.value()));
    bridges.reset(); // before the engine, whose writes they use; each stores and acks what it holds
    spools.reset(); // before the engine, whose writes it uses
    context.close(); // the engine's destruction stops the workers gracefully and gives back unfinished tasks
    // Changes committed while stopping are still queued for us; count them in the final report.
    QCoreApplication::sendPostedEvents();
    report();
    if (fatal && context.json())
        return context.fail(*fatal); // stderr's JSON document says why (the line above went into its log)
    return exitCode;
}

} // namespace qd::cli
