#include "cli_bridgecommand.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_signalwatcher.h"
#include "cli_sourcerows.h"
#include "core/amqp/amqpbridge.h"
#include "core/amqp/amqpservice.h"
#include "core/amqp/amqpurl.h"
#include "core/queueengine.h"
#include "core/source.h"
#include "core/taskstore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qd::cli {

namespace {

const QString command = QStringLiteral("bridge");
const QString kind = QStringLiteral("amqp");

// The bridge's settings from the options; the URL and queue are required.
Result<AmqpBridgeConfig> configFrom(const QCommandLineParser& parser)
{
    AmqpBridgeConfig config;
    if (!parser.isSet(QStringLiteral("url")) || !parser.isSet(QStringLiteral("from")))
        return Error {ErrorCode::InvalidArgument, QStringLiteral("A bridge needs --url URL and --from QUEUE.")};
    config.url = parser.value(QStringLiteral("url"));
    config.from = parser.value(QStringLiteral("from"));
    if (parser.isSet(QStringLiteral("into")))
        config.queue = parser.value(QStringLiteral("into"));
    config.type = parser.value(QStringLiteral("type"));
    const Result<qint64> prefetch
        = CommandOptions::integer(parser, QStringLiteral("prefetch"), config.prefetch, 1, 65535);
    const Result<qint64> batch = CommandOptions::integer(parser, QStringLiteral("batch"), config.batch, 1, 65535);
    const Result<qint64> batchMs
        = CommandOptions::integer(parser, QStringLiteral("batch-ms"), config.batchMs, 0, 10'000);
    for (const Result<qint64>* r : {&prefetch, &batch, &batchMs}) {
        if (!r->ok())
            return r->error();
    }
    config.prefetch = int(prefetch.value());
    config.batch = int(qMin(batch.value(), prefetch.value()));
    config.batchMs = int(batchMs.value());
    if (parser.isSet(QStringLiteral("dead-letter-exchange")))
        config.deadLetterExchange = parser.value(QStringLiteral("dead-letter-exchange"));
    if (parser.isSet(QStringLiteral("dead-letter-queue")))
        config.deadLetterQueue = parser.value(QStringLiteral("dead-letter-queue"));
    if (std::optional<Error> error = config.check())
        return *error;
    return config;
}

// Checks the task type against the engine's handlers, as `spool add` does.
std::optional<Error> checkType(const AmqpBridgeConfig& config, QueueEngine& engine)
{
    if (config.type.isEmpty() || engine.handlers().types().contains(config.type))
        return std::nullopt;
    return Error {ErrorCode::InvalidArgument,
        QStringLiteral("Unknown task type \"%1\" (known: %2).")
            .arg(config.type, engine.handlers().types().join(QStringLiteral(", ")))};
}

// A configuration for people and JSON output: the URL without its password.
QJsonObject shownConfig(const QByteArray& json)
{
    QJsonObject o = QJsonDocument::fromJson(json).object();
    o.insert(QStringLiteral("url"), amqpDisplayUrl(o.value(QStringLiteral("url")).toString()));
    return o;
}

QString statusLine(const QString& name, const AmqpBridgeStatus& s)
{
    QString line = QStringLiteral("bridge %1: %2").arg(name, amqpBridgeStateName(s.state));
    if (!s.reason.isEmpty())
        line += QStringLiteral(" (%1)").arg(s.reason);
    return line;
}

QJsonObject countsJson(const AmqpBridgeStatus& s)
{
    return QJsonObject {{QStringLiteral("state"), amqpBridgeStateName(s.state)},
        {QStringLiteral("received"), s.received}, {QStringLiteral("stored"), s.stored},
        {QStringLiteral("duplicates"), s.duplicates}, {QStringLiteral("deadLettered"), s.deadLettered},
        {QStringLiteral("reconnects"), s.reconnects}};
}

int runForeground(CliContext& context, const QCommandLineParser& parser)
{
    const Result<AmqpBridgeConfig> config = configFrom(parser);
    if (!config.ok())
        return context.usageError(config.errorString(), command);
    SignalWatcher watcher; // before the bridge starts, so an early signal is not lost
    if (!watcher.isValid())
        return context.fail(ErrorCode::Internal, QStringLiteral("Cannot install the signal handlers."));
    const Result<QueueEngine*> engine = context.engine();
    if (!engine.ok())
        return context.fail(engine.error());
    if (std::optional<Error> error = checkType(config.value(), *engine.value()))
        return context.fail(*error);

    QEventLoop loop;
    const QString name = config->from;
    AmqpBridge bridge(name, config.value(), *engine.value());
    QString lastLine; // a retry with the same error moves only the next try: not noted again
    bridge.onStatus = [&](const AmqpBridgeStatus& status) {
        QMetaObject::invokeMethod(
            &loop,
            [&context, &lastLine, name, status] {
                if (const QString line = statusLine(name, status); line != lastLine)
                    context.note(lastLine = line);
            },
            Qt::QueuedConnection);
    };
    QObject::connect(&watcher, &SignalWatcher::signalReceived, &loop, [&](int) { loop.quit(); });
    context.note(QStringLiteral("bridging %1 queue %2 into queue %3; SIGINT or SIGTERM stops.")
                     .arg(amqpDisplayUrl(config->url), config->from, config->queue));
    bridge.start();
    if (!SignalWatcher::interrupted().load())
        loop.exec();
    bridge.stop(); // stores and acks what it holds
    QCoreApplication::sendPostedEvents(&loop);
    const AmqpBridgeStatus status = bridge.status();
    if (context.json())
        context.printJson(countsJson(status));
    else
        context.out() << "bridged: " << status.received << " received, " << status.stored << " stored, "
                      << status.duplicates << " already stored, " << status.deadLettered << " dead-lettered, "
                      << status.reconnects << " reconnects" << Qt::endl;
    return ExitOk;
}

int runAdd(CliContext& context, const QCommandLineParser& parser, const QString& name)
{
    const Result<AmqpBridgeConfig> config = configFrom(parser);
    if (!config.ok())
        return context.usageError(config.errorString(), command);
    const Result<QueueEngine*> engine = context.engine();
    if (!engine.ok())
        return context.fail(engine.error());
    if (std::optional<Error> error = checkType(config.value(), *engine.value()))
        return context.fail(*error);
    const SourceRecord record {0, kind, name, config->toJson(), false, 0};
    const Status added = engine.value()->runInWriter(
        [&](TaskStore& store) { return store.addSource(record, QDateTime::currentMSecsSinceEpoch()); });
    if (!added.ok())
        return context.fail(added.error());
    if (context.json())
        context.printJson(
            QJsonObject {{QStringLiteral("name"), name}, {QStringLiteral("config"), shownConfig(record.config)}});
    else
        context.out() << "Bridge \"" << name << "\" takes " << config->from << " from " << amqpDisplayUrl(config->url)
                      << " into queue " << config->queue << "; `queuedesk-cli work` runs it." << Qt::endl;
    return ExitOk;
}

int runList(CliContext& context)
{
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const Result<QList<SourceRecord>> rows = store.value()->sources(kind);
    if (!rows.ok())
        return context.fail(rows.error());
    QJsonArray list;
    for (const SourceRecord& row : rows.value()) {
        const QJsonObject config = shownConfig(row.config);
        if (context.json()) {
            list.append(QJsonObject {{QStringLiteral("name"), row.name}, {QStringLiteral("paused"), row.paused},
                {QStringLiteral("config"), config}});
            continue;
        }
        context.out() << row.name << (row.paused ? "  (paused)" : "") << "  "
                      << config.value(QStringLiteral("url")).toString() << "  "
                      << config.value(QStringLiteral("from")).toString() << " -> "
                      << config.value(QStringLiteral("queue")).toString();
        if (config.contains(QStringLiteral("type")))
            context.out() << " (" << config.value(QStringLiteral("type")).toString() << ")";
        context.out() << Qt::endl;
    }
    if (context.json())
        context.printJson(list);
    return ExitOk;
}

} // namespace

void BridgeCommand::addOptions(QCommandLineParser& parser)
{
    const auto add = [&](const char* name, const char* help, const char* value) {
        parser.addOption(
            QCommandLineOption(QString::fromLatin1(name), QString::fromLatin1(help), QString::fromLatin1(value)));
    };
    add("url", "amqp|add: the broker, amqp://user:password@host:port/vhost or amqps://...?cacert=FILE.", "url");
    add("from", "amqp|add: the AMQP queue to consume (it must exist).", "queue");
    add("into", "amqp|add: the QueueDesk queue of the tasks (default \"default\").", "queue");
    add("type", "amqp|add: the task type of messages that are not task JSON (default: reject them).", "type");
    add("prefetch", "amqp|add: unacknowledged messages in flight (default 4000).", "n");
    add("batch", "amqp|add: messages stored per transaction (default 1000).", "n");
    add("batch-ms", "amqp|add: how long a batch waits to fill up (default 5).", "ms");
    add("dead-letter-exchange", "amqp|add: where invalid messages go (default queuedesk.dead-letter).", "name");
    add("dead-letter-queue", "amqp|add: the queue bound there for them (default FROM.dead-letter; \"\": none).",
        "name");
}

int BridgeCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const QStringList args = parser.positionalArguments();
    const QString action = args.value(0);
    if (action == u"amqp" || action == u"list") {
        if (args.size() != 1)
            return context.usageError(QStringLiteral("bridge %1 takes no name.").arg(action), command);
        return action == u"amqp" ? runForeground(context, parser) : runList(context);
    }
    if (action != u"add" && action != u"remove" && action != u"pause" && action != u"resume")
        return context.usageError(
            QStringLiteral("Unknown bridge action \"%1\" (amqp, add, list, remove, pause, resume).").arg(action),
            command);
    if (args.size() != 2)
        return context.usageError(QStringLiteral("bridge %1 needs a NAME.").arg(action), command);
    const QString name = args.at(1);
    if (action == u"add")
        return runAdd(context, parser, name);
    return changeSourceRow(context, kind, QStringLiteral("Bridge"), action, name);
}

std::unique_ptr<AmqpService> BridgeCommand::startConfigured(CliContext& context, QueueEngine& engine, QObject* receiver)
{
    AmqpServiceOptions options;
    options.store = context.storeOptions();
    auto service = std::make_unique<AmqpService>(engine, options);
    auto lastLines = std::make_shared<QHash<QString, QString>>(); // by bridge: a retry with the same error is not noted
    QObject::connect(service.get(), &AmqpService::statusChanged, receiver,
        [&context, lastLines](const QString& name, const AmqpBridgeStatus& status) {
            const QString line = statusLine(name, status);
            if (lastLines->value(name) == line)
                return;
            lastLines->insert(name, line);
            context.note(QStringLiteral("work: ") + line,
                status.state == AmqpBridgeStatus::State::Error ? QtWarningMsg : QtInfoMsg);
        });
    QObject::connect(service.get(), &AmqpService::relayStatusChanged, receiver,
        [&context](const QString& name, const AmqpRelayStatus& status) {
            QString line = QStringLiteral("work: events-out %1: %2").arg(name, amqpBridgeStateName(status.state));
            if (!status.reason.isEmpty())
                line += QStringLiteral(" (%1)").arg(status.reason);
            context.note(line, status.state == AmqpBridgeStatus::State::Error ? QtWarningMsg : QtInfoMsg);
        });
    QObject::connect(service.get(), &AmqpService::errorOccurred, receiver,
        [&context](const QString& message) { context.note(QStringLiteral("work: ") + message, QtWarningMsg); });
    service->start();
    return service;
}

} // namespace qd::cli
