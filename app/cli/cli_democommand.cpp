#include "cli_democommand.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "core/handlers/demoworkload.h"
#include "core/queueengine.h"

#include "core/databaseurl.h"
#include <QDir>

#include <QFileInfo>
#include <QJsonObject>

namespace qd::cli {

void DemoCommand::addOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(QStringLiteral("scratch"),
        QStringLiteral("Where to generate the input files (default: demo/ next to the database)."),
        QStringLiteral("dir")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("images"), QStringLiteral("Images to generate (default 12)."), QStringLiteral("n")));
    parser.addOption(QCommandLineOption(QStringLiteral("sink-url"),
        QStringLiteral("A webhook receiver for the notify tasks (none by default: no notify tasks)."),
        QStringLiteral("url")));
    parser.addOption(QCommandLineOption(
        QStringLiteral("seed"), QStringLiteral("Same seed, same workload (default 1)."), QStringLiteral("n")));
}

int DemoCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const Result<qint64> images = CommandOptions::integer(parser, QStringLiteral("images"), 12, 0, 10'000);
    if (!images.ok())
        return context.usageError(images.errorString(), QStringLiteral("demo"));
    const Result<qint64> seed = CommandOptions::integer(parser, QStringLiteral("seed"), 1, 0, 0xffffffffLL);
    if (!seed.ok())
        return context.usageError(seed.errorString(), QStringLiteral("demo"));
    DemoWorkload::Options options;
    options.images = int(images.value());
    options.seed = quint32(seed.value());
    if (parser.isSet(QStringLiteral("sink-url"))) {
        const QUrl sink(parser.value(QStringLiteral("sink-url")), QUrl::StrictMode);
        if (!sink.isValid() || (sink.scheme() != u"http" && sink.scheme() != u"https"))
            return context.usageError(
                QStringLiteral("--sink-url must be an http or https URL"), QStringLiteral("demo"));
        options.sinkUrl = sink;
    }
    const Result<QueueEngine*> engine = context.engine();
    if (!engine.ok())
        return context.fail(engine.error());
    // After opening: the default database may have been used at its old place.
    const QString scratch = parser.isSet(QStringLiteral("scratch")) ? parser.value(QStringLiteral("scratch"))
        : isServerUrl(context.databasePath()) // the demo's images and logs live beside the database file
        ? QDir::tempPath() + QLatin1String("/queuedesk-demo")
        : QFileInfo(context.databasePath()).absolutePath() + QLatin1String("/demo");
    DemoWorkload workload(QDir(scratch).absolutePath());
    auto tasks = workload.build(options);
    if (!tasks.ok())
        return context.fail(tasks.error());
    auto stored = engine.value()->enqueueBatch(tasks.value());
    if (!stored.ok())
        return context.fail(stored.error());
    if (context.json()) {
        context.printJson(QJsonObject {{QStringLiteral("enqueued"), qint64(stored->size())},
            {QStringLiteral("scratch"), workload.scratchDirectory()}});
    } else {
        context.out() << "Enqueued " << stored->size() << " demo tasks; input files in " << workload.scratchDirectory()
                      << ".\nRun `queuedesk-cli work` or open the GUI to process them." << Qt::endl;
    }
    return ExitOk;
}

} // namespace qd::cli
