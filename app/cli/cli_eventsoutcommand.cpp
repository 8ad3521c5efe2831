#include "cli_eventsoutcommand.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_sourcerows.h"
#include "core/amqp/amqpeventsoutconfig.h"
#include "core/amqp/amqpurl.h"
#include "core/queueengine.h"
#include "core/source.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qd::cli {

namespace {

const QString command = QStringLiteral("events-out");
const QString kind = QStringLiteral("amqp-out");

Result<AmqpEventsOutConfig> configFrom(const QCommandLineParser& parser)
{
    AmqpEventsOutConfig config;
    if (!parser.isSet(QStringLiteral("url")) || !parser.isSet(QStringLiteral("exchange")))
        return Error {ErrorCode::InvalidArgument, QStringLiteral("A relay needs --url URL and --exchange NAME.")};
    config.url = parser.value(QStringLiteral("url"));
    config.exchange = parser.value(QStringLiteral("exchange"));
    if (parser.isSet(QStringLiteral("exchange-type")))
        config.exchangeType = parser.value(QStringLiteral("exchange-type"));
    if (parser.isSet(QStringLiteral("routing-key-prefix")))
        config.routingKeyPrefix = parser.value(QStringLiteral("routing-key-prefix"));
    const Result<qint64> batch = CommandOptions::integer(parser, QStringLiteral("batch"), config.batch, 1, 10'000);
    if (!batch.ok())
        return batch.error();
    config.batch = int(batch.value());
    if (std::optional<Error> error = config.check())
        return *error;
    return config;
}

QJsonObject shownConfig(const QByteArray& json)
{
    QJsonObject o = QJsonDocument::fromJson(json).object();
    o.insert(QStringLiteral("url"), amqpDisplayUrl(o.value(QStringLiteral("url")).toString()));
    return o;
}

int runAdd(CliContext& context, const QCommandLineParser& parser, const QString& name)
{
    const Result<AmqpEventsOutConfig> config = configFrom(parser);
    if (!config.ok())
        return context.usageError(config.errorString(), command);
    const Result<QueueEngine*> engine = context.engine();
    if (!engine.ok())
        return context.fail(engine.error());
    const SourceRecord record {0, kind, name, config->toJson(), false, 0};
    // The row and its cursor (at the newest event) in one transaction.
    const Status added = engine.value()->runInWriter([&](TaskStore& store) -> Status {
        return store.atomically([&]() -> Status {
            if (Status s = store.addSource(record, QDateTime::currentMSecsSinceEpoch()); !s.ok())
                return s;
            const Result<qint64> last = store.lastEventId();
            if (!last.ok())
                return last.error();
            return store.setSourceCursor(name, last.value(), false);
        });
    });
    if (!added.ok())
        return context.fail(added.error());
    if (context.json())
        context.printJson(
            QJsonObject {{QStringLiteral("name"), name}, {QStringLiteral("config"), shownConfig(record.config)}});
    else
        context.out() << "Relay \"" << name << "\" publishes the events of ended tasks to exchange " << config->exchange
                      << " on " << amqpDisplayUrl(config->url) << "; `queuedesk-cli work` runs it." << Qt::endl;
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
    const Result<qint64> last = store.value()->lastEventId();
    if (!last.ok())
        return context.fail(last.error());
    QJsonArray list;
    for (const SourceRecord& row : rows.value()) {
        const QJsonObject config = shownConfig(row.config);
        const Result<std::optional<qint64>> cursor = store.value()->sourceCursor(row.name);
        if (!cursor.ok())
            return context.fail(cursor.error());
        const qint64 at = cursor->value_or(0);
        if (context.json()) {
            list.append(QJsonObject {{QStringLiteral("name"), row.name}, {QStringLiteral("paused"), row.paused},
                {QStringLiteral("config"), config}, {QStringLiteral("cursor"), at},
                {QStringLiteral("eventsBehind"), qMax<qint64>(0, last.value() - at)}});
            continue;
        }
        context.out() << row.name << (row.paused ? "  (paused)" : "") << "  "
                      << config.value(QStringLiteral("url")).toString() << "  exchange "
                      << config.value(QStringLiteral("exchange")).toString() << "  cursor " << at << " ("
                      << qMax<qint64>(0, last.value() - at) << " events behind)" << Qt::endl;
    }
    if (context.json())
        context.printJson(list);
    return ExitOk;
}

} // namespace

void EventsOutCommand::addOptions(QCommandLineParser& parser)
{
    const auto add = [&](const char* name, const char* help, const char* value) {
        parser.addOption(
            QCommandLineOption(QString::fromLatin1(name), QString::fromLatin1(help), QString::fromLatin1(value)));
    };
    add("url", "amqp add: the broker, amqp://user:password@host:port/vhost or amqps://...?cacert=FILE.", "url");
    add("exchange", "amqp add: the exchange the events go to (declared durable if missing).", "name");
    add("exchange-type", "amqp add: topic (default), direct, fanout or headers.", "type");
    add("routing-key-prefix", "amqp add: routing keys are PREFIX + state + \".\" + queue (default \"queuedesk.\").",
        "prefix");
    add("batch", "amqp add: events published per confirm wait (default 500).", "n");
}

int EventsOutCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const QStringList args = parser.positionalArguments();
    const QString action = args.value(0);
    if (action == u"list") {
        if (args.size() != 1)
            return context.usageError(QStringLiteral("events-out list takes no name."), command);
        return runList(context);
    }
    if (action == u"amqp") {
        if (args.size() != 3 || args.at(1) != u"add")
            return context.usageError(QStringLiteral("Use: events-out amqp add NAME --url URL --exchange X."), command);
        return runAdd(context, parser, args.at(2));
    }
    if (action != u"remove" && action != u"pause" && action != u"resume")
        return context.usageError(
            QStringLiteral("Unknown events-out action \"%1\" (amqp add, list, remove, pause, resume).").arg(action),
            command);
    if (args.size() != 2)
        return context.usageError(QStringLiteral("events-out %1 needs a NAME.").arg(action), command);
    return changeSourceRow(context, kind, QStringLiteral("Relay"), action, args.at(1));
}

} // namespace qd::cli
