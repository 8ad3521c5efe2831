#include "cli_producerkeyscommand.h"

#include "cli_context.h"
#include "cli_output.h"
#include "core/crypto/producerkeyfile.h"
#include "core/oneshotwriter.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>

namespace qd::cli {

namespace {

QString isoTime(qint64 ms)
{
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate) : QString();
}

int newProducer(CliContext& context, const QString& path)
{
    if (!crypto::sodiumReady())
        return context.fail(ErrorCode::Internal, QStringLiteral("libsodium cannot be initialised"));
    const crypto::ProducerKeyPair pair = crypto::generateProducerKey();
    if (Status s = crypto::writeProducerKeyFiles(path, pair); !s)
        return context.fail(s.error());
    const QString publicPath = crypto::publicKeyPathFor(path);
    if (context.json()) {
        context.printJson(QJsonObject {{QStringLiteral("keyId"), pair.id}, {QStringLiteral("secretKeyFile"), path},
            {QStringLiteral("publicKeyFile"), publicPath}});
    } else {
        context.out() << "Producer key " << pair.id << ": secret key in " << path << " (mode 0600, keep it with the"
                      << " producer), public key in " << publicPath << " (add it with keys add-producer NAME "
                      << publicPath << ")." << Qt::endl;
    }
    return ExitOk;
}

// add-producer creates a missing database (keys are set up before the first task), revoke does not.
Result<TaskStore*> writableStore(CliContext& context, bool createIfMissing)
{
    const Result<OneShotWriter*> writer = context.writer(createIfMissing);
    if (!writer.ok())
        return writer.error();
    return context.store();
}

int addProducer(CliContext& context, const QString& name, const QString& publicKeyFile)
{
    auto key = crypto::readProducerPublicKey(publicKeyFile);
    if (!key)
        return context.fail(key.error());
    key->name = name;
    const Result<TaskStore*> store = writableStore(context, true);
    if (!store.ok())
        return context.fail(store.error());
    if (Status s = store.value()->addProducerKey(*key, QDateTime::currentMSecsSinceEpoch()); !s)
        return context.fail(s.error());
    if (context.json())
        context.printJson(QJsonObject {{QStringLiteral("keyId"), key->id}, {QStringLiteral("name"), name}});
    else
        context.out() << "Producer key " << key->id << " (" << name << ") added: its signatures are accepted."
                      << Qt::endl;
    return ExitOk;
}

int listProducers(CliContext& context)
{
    const Result<TaskStore*> store = context.store();
    if (!store.ok())
        return context.fail(store.error());
    const auto keys = store.value()->producerKeys();
    if (!keys)
        return context.fail(keys.error());
    if (context.json()) {
        QJsonArray rows;
        for (const crypto::ProducerKey& k : *keys)
            rows.append(QJsonObject {{QStringLiteral("keyId"), k.id}, {QStringLiteral("name"), k.name},
                {QStringLiteral("publicKey"), QString::fromLatin1(k.publicKey.toBase64())},
                {QStringLiteral("addedAt"), isoTime(k.addedAt)},
                {QStringLiteral("revokedAt"), k.revokedAt > 0 ? QJsonValue(isoTime(k.revokedAt)) : QJsonValue()},
                {QStringLiteral("state"), k.revokedAt > 0 ? QStringLiteral("revoked") : QStringLiteral("in use")}});
        context.printJson(rows);
        return ExitOk;
    }
    if (keys->isEmpty()) {
        context.out() << "No producer keys (keys new-producer PATH, then keys add-producer NAME PATH.pub)." << Qt::endl;
        return ExitOk;
    }
    QList<QStringList> rows {{QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("STATE"),
        QStringLiteral("ADDED"), QStringLiteral("REVOKED")}};
    for (const crypto::ProducerKey& k : *keys)
        rows.append({k.id, oneLine(k.name, 40), k.revokedAt > 0 ? QStringLiteral("revoked") : QStringLiteral("in use"),
            isoTime(k.addedAt), isoTime(k.revokedAt)});
    printTable(context.out(), rows);
    return ExitOk;
}

int revokeProducer(CliContext& context, const QString& keyId)
{
    const Result<TaskStore*> store = writableStore(context, false);
    if (!store.ok())
        return context.fail(store.error());
    if (Status s = store.value()->revokeProducerKey(keyId, QDateTime::currentMSecsSinceEpoch()); !s)
        return context.fail(s.error());
    if (context.json())
        context.printJson(QJsonObject {{QStringLiteral("keyId"), keyId}, {QStringLiteral("revoked"), true}});
    else
        context.out() << "Producer key " << keyId << " revoked: tasks it signs are refused from now on." << Qt::endl;
    return ExitOk;
}

} // namespace

bool ProducerKeysCommand::handles(const QString& action)
{
    return action == QLatin1String("new-producer") || action == QLatin1String("add-producer")
        || action == QLatin1String("list") || action == QLatin1String("revoke");
}

int ProducerKeysCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const QStringList args = parser.positionalArguments();
    const QString action = args.value(0);
    const qsizetype wanted = action == QLatin1String("add-producer") ? 3 : action == QLatin1String("list") ? 1 : 2;
    if (args.size() != wanted) {
        static const QHash<QString, QString> syntax {{QStringLiteral("new-producer"), QStringLiteral("PATH")},
            {QStringLiteral("add-producer"), QStringLiteral("NAME PUBKEYFILE")}, {QStringLiteral("list"), QString()},
            {QStringLiteral("revoke"), QStringLiteral("ID")}};
        return context.usageError(
            QStringLiteral("Usage: keys %1 %2").arg(action, syntax.value(action)).trimmed(), QStringLiteral("keys"));
    }
    if (action == QLatin1String("new-producer"))
        return newProducer(context, args.at(1));
    if (action == QLatin1String("add-producer"))
        return addProducer(context, args.at(1), args.at(2));
    if (action == QLatin1String("revoke"))
        return revokeProducer(context, args.at(1));
    return listProducers(context);
}

} // namespace qd::cli
