#include "cli_keyscommand.h"

#include "cli_commandoptions.h"
#include "cli_context.h"
#include "cli_producerkeyscommand.h"
#include "core/crypto/desktopkeyring.h"
#include "core/crypto/keyfile.h"
#include "core/oneshotwriter.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

namespace qd::cli {

namespace {

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// A new key added to the key file, before any database names it: a crash between the two leaves an unused key,
// never a database sealed with a key that no file holds.
Result<crypto::DataKey> addKeyToFile(const QString& keyFile)
{
    if (!crypto::sodiumReady())
        return Error {ErrorCode::Internal, QStringLiteral("libsodium cannot be initialised")};
    auto keys = crypto::readKeyFile(keyFile);
    if (!keys && keys.error().code != ErrorCode::NotFound)
        return keys.error();
    crypto::KeyRing ring = keys ? std::move(*keys) : crypto::KeyRing();
    const crypto::DataKey key = crypto::KeyRing::generate();
    ring.add(key);
    if (Status s = crypto::writeKeyFile(keyFile, ring); !s)
        return s.error();
    return key;
}

// A new key stored in the desktop keyring, before any database names it (as addKeyToFile).
Result<crypto::DataKey> addKeyToKeyring()
{
    if (!crypto::sodiumReady())
        return Error {ErrorCode::Internal, QStringLiteral("libsodium cannot be initialised")};
    const crypto::DataKey key = crypto::KeyRing::generate();
    if (Status s = crypto::writeKeyringKey(key); !s)
        return Error {s.error().code, s.errorString() + QStringLiteral(": nothing was changed")};
    return key;
}

// Where the sealing key is held, as the status says it.
QString keyHolder(const EncryptionStatus& status)
{
    if (status.keyInKeyring)
        return QStringLiteral("held in the desktop keyring");
    if (status.keyLoaded)
        return QStringLiteral("held in %1").arg(status.keyFile);
    const QString keyring
        = status.keyringError.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(status.keyringError);
    return QStringLiteral("not in %1 nor in the desktop keyring%2: payloads read as \"encrypted\"")
        .arg(status.keyFile, keyring);
}

// Seals every task with the sealing key, pass after pass (workers may write with an older key meanwhile) until a
// pass finds nothing to do, then retires the other keys. Returns the tasks re-sealed.
Result<qint64> resealAll(TaskStore& store, int batch, const QString& queue)
{
    qint64 total = 0;
    for (int pass = 0; pass < 20; ++pass) {
        qint64 resealed = 0;
        ResealProgress progress;
        do {
            auto step = store.resealTasks(progress.lastId, batch, queue);
            if (!step)
                return step.error();
            progress = *step;
            resealed += progress.resealed;
        } while (!progress.done);
        total += resealed;
        if (resealed == 0) {
            if (Status s = store.retireOtherKeys(now(), queue); !s)
                return s.error();
            if (Status s = store.scrubLog(); !s)
                return s.error();
            return total;
        }
    }
    return Error {ErrorCode::WrongState,
        QStringLiteral("Workers kept writing with an older key for 20 passes; run keys rotate again")};
}

int printStatus(CliContext& context, TaskStore& store, const QString& queue)
{
    const auto status = store.encryptionStatus(queue);
    if (!status)
        return context.fail(status.error());
    if (context.json()) {
        QJsonObject byKey;
        for (auto it = status->payloadsByKey.cbegin(); it != status->payloadsByKey.cend(); ++it)
            byKey.insert(it.key().isEmpty() ? QStringLiteral("plain") : it.key(), it.value());
        context.printJson(QJsonObject {{QStringLiteral("queue"), queue},
            {QStringLiteral("encrypted"), !status->keyIds.isEmpty()},
            {QStringLiteral("encryptedQueues"), QJsonArray::fromStringList(status->encryptedQueues)},
            {QStringLiteral("keyIds"), QJsonArray::fromStringList(status->keyIds)},
            {QStringLiteral("retiredKeyIds"), QJsonArray::fromStringList(status->retiredKeyIds)},
            {QStringLiteral("sealingKeyId"), status->sealingKeyId}, {QStringLiteral("keyLoaded"), status->keyLoaded},
            {QStringLiteral("keySource"),
                !status->keyLoaded         ? QString()
                    : status->keyInKeyring ? QStringLiteral("keyring")
                                           : QStringLiteral("file")},
            {QStringLiteral("keyFile"), status->keyFile}, {QStringLiteral("keyringError"), status->keyringError},
            {QStringLiteral("payloadsByKey"), byKey}});
        return ExitOk;
    }
    QTextStream& out = context.out();
    const QString scope = queue.isEmpty() ? QStringLiteral("The database") : QStringLiteral("Queue %1").arg(queue);
    if (status->keyIds.isEmpty()) {
        out << scope << " has no key of its own (queuedesk-cli keys init"
            << (queue.isEmpty() ? QString() : QStringLiteral(" --queue %1").arg(queue)) << " encrypts it)." << Qt::endl;
    } else {
        out << scope << " is encrypted with key " << status->sealingKeyId << " (" << keyHolder(*status) << ")."
            << Qt::endl;
        out << "Keys: " << status->keyIds.join(QStringLiteral(", "));
        if (!status->retiredKeyIds.isEmpty())
            out << " (retired: " << status->retiredKeyIds.join(QStringLiteral(", ")) << ")";
        out << Qt::endl;
    }
    if (queue.isEmpty() && !status->encryptedQueues.isEmpty())
        out << "Queues with keys of their own: " << status->encryptedQueues.join(QStringLiteral(", ")) << Qt::endl;
    for (auto it = status->payloadsByKey.cbegin(); it != status->payloadsByKey.cend(); ++it)
        out << "  " << (it.key().isEmpty() ? QStringLiteral("plain") : it.key()) << ": " << it.value() << " task(s)"
            << Qt::endl;
    return ExitOk;
}

} // namespace

void KeysCommand::addOptions(QCommandLineParser& parser)
{
    parser.addOption(QCommandLineOption(QStringLiteral("batch"),
        QStringLiteral("Tasks re-sealed per transaction by init and rotate (default 500)."), QStringLiteral("n"),
        QStringLiteral("500")));
    parser.addOption(QCommandLineOption(QStringLiteral("keyring"),
        QStringLiteral("init and rotate keep the new key in the desktop keyring instead of the key file.")));
    parser.addOption(QCommandLineOption(QStringLiteral("queue"),
        QStringLiteral("init, status and rotate the keys of this queue only: its tasks are sealed with a key of its"
                       " own, other queues are left as they are."),
        QStringLiteral("name")));
}

int KeysCommand::run(CliContext& context, const QCommandLineParser& parser)
{
    const QString action = parser.positionalArguments().value(0);
    if (ProducerKeysCommand::handles(action))
        return ProducerKeysCommand::run(context, parser);
    if (parser.positionalArguments().size() > 1)
        return context.usageError(QStringLiteral("keys %1 takes no argument.").arg(action), QStringLiteral("keys"));
    const Result<qint64> batch
        = CommandOptions::parseInteger(parser.value(QStringLiteral("batch")), QStringLiteral("--batch"), 1, 100000);
    if (!batch.ok())
        return context.usageError(batch.errorString(), QStringLiteral("keys"));
    const QString queue = parser.value(QStringLiteral("queue"));
    if (action == QLatin1String("status")) {
        const Result<TaskStore*> store = context.store();
        if (!store.ok())
            return context.fail(store.error());
        return printStatus(context, *store.value(), queue);
    }
    if (action != QLatin1String("init") && action != QLatin1String("rotate"))
        return context.usageError(
            QStringLiteral("Give init, status, rotate, new-producer, add-producer, list or revoke."),
            QStringLiteral("keys"));
    const bool init = action == QLatin1String("init");
    const Result<OneShotWriter*> writer = context.writer(init);
    if (!writer.ok())
        return context.fail(writer.error());
    const Result<TaskStore*> opened = context.store();
    if (!opened.ok())
        return context.fail(opened.error());
    TaskStore& store = *opened.value();
    const auto status = store.encryptionStatus(queue);
    if (!status)
        return context.fail(status.error());
    const QString scope = queue.isEmpty() ? QStringLiteral("The database") : QStringLiteral("Queue %1").arg(queue);
    const QString queueOption = queue.isEmpty() ? QString() : QStringLiteral(" --queue %1").arg(queue);
    if (init && !status->keyIds.isEmpty())
        return context.fail(ErrorCode::WrongState,
            QStringLiteral("%1 is already encrypted: keys rotate%2 changes its key.").arg(scope, queueOption));
    if (!init && status->keyIds.isEmpty())
        return context.fail(ErrorCode::WrongState,
            QStringLiteral("%1 has no key of its own: run keys init%2.").arg(scope, queueOption));
    if (!init) {
        // The current key must be here: its values are opened to be sealed again.
        if (!status->keyLoaded)
            return context.fail(ErrorCode::ReadOnly,
                QStringLiteral("Neither the key file %1 nor the desktop keyring holds the current key %2%3: nothing was"
                               " changed.")
                    .arg(status->keyFile, status->sealingKeyId,
                        status->keyringError.isEmpty() ? QString()
                                                       : QStringLiteral(" (%1)").arg(status->keyringError)));
    }
    const bool inKeyring = parser.isSet(QStringLiteral("keyring"));
    const auto key = inKeyring ? addKeyToKeyring() : addKeyToFile(crypto::keyFileToUse(context.keyFile()));
    if (!key)
        return context.fail(key.error());
    if (Status s = store.addEncryptionKey(*key, now(), queue); !s)
        return context.fail(s.error());
    const auto resealed = resealAll(store, int(batch.value()), queue);
    if (!resealed)
        return context.fail(resealed.error());
    if (context.json()) {
        context.printJson(QJsonObject {{QStringLiteral("keyId"), key->id}, {QStringLiteral("sealed"), *resealed}});
    } else {
        context.out() << (queue.isEmpty() ? QString() : QStringLiteral("Queue %1: ").arg(queue))
                      << (init ? "Encrypted with key " : "Rotated to key ") << key->id << ": " << *resealed
                      << " task(s) sealed. Keep a copy of "
                      << (inKeyring ? QStringLiteral("the key (desktop keyring, service %1, entry %2)")
                                          .arg(crypto::keyringService(), key->id)
                                    : crypto::keyFileToUse(context.keyFile()))
                      << " somewhere safe: without it the tasks cannot be read." << Qt::endl;
    }
    return ExitOk;
}

} // namespace qd::cli
