#include "tasksignature.h"

#include "keyring.h"

#include <QDateTime>

#include <sodium.h>

namespace qd::crypto {

namespace {

constexpr QByteArrayView signingDomain("queuedesk-task-signature-v1\n");

void appendField(QByteArray& message, QByteArrayView field)
{
    const quint32 size = quint32(field.size());
    const char length[4] = {char(size >> 24), char(size >> 16), char(size >> 8), char(size)};
    message.append(length, 4);
    message.append(field);
}

const unsigned char* bytes(QByteArrayView view)
{
    return reinterpret_cast<const unsigned char*>(view.data());
}

} // namespace

QString producerKeyId(QByteArrayView publicKey)
{
    if (publicKey.size() != crypto_sign_PUBLICKEYBYTES || !sodiumReady())
        return {};
    unsigned char digest[16];
    crypto_generichash(digest, sizeof digest, bytes(publicKey), size_t(publicKey.size()), nullptr, 0);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char*>(digest), 8).toHex());
}

ProducerKeyPair generateProducerKey()
{
    if (!sodiumReady())
        qFatal("libsodium cannot be initialised"); // no entropy source: no key may be made
    ProducerKeyPair pair;
    pair.publicKey = QByteArray(crypto_sign_PUBLICKEYBYTES, Qt::Uninitialized);
    pair.secretKey = QByteArray(crypto_sign_SECRETKEYBYTES, Qt::Uninitialized);
    crypto_sign_keypair(reinterpret_cast<unsigned char*>(pair.publicKey.data()),
        reinterpret_cast<unsigned char*>(pair.secretKey.data()));
    pair.id = producerKeyId(pair.publicKey);
    return pair;
}

QByteArray taskSigningMessage(const NewTask& task)
{
    const QByteArray queue = task.queue.toUtf8();
    const QByteArray type = task.type.toUtf8();
    const QByteArray key = task.idempotencyKey.toUtf8();
    QByteArray message;
    message.reserve(signingDomain.size() + 16 + queue.size() + type.size() + task.payload.size() + key.size());
    message.append(signingDomain);
    appendField(message, queue);
    appendField(message, type);
    appendField(message, task.payload);
    appendField(message, key);
    return message;
}

bool signTask(NewTask& task, const ProducerKeyPair& key)
{
    if (key.secretKey.size() != crypto_sign_SECRETKEYBYTES || !sodiumReady())
        return false;
    const QByteArray message = taskSigningMessage(task);
    QByteArray signature(crypto_sign_BYTES, Qt::Uninitialized);
    crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr, bytes(message),
        size_t(message.size()), bytes(key.secretKey));
    task.signature = signature;
    task.signatureKeyId = key.id;
    return true;
}

SignatureCheck checkTaskSignature(const NewTask& task, const ProducerKey* key)
{
    if (task.signature.isEmpty() && task.signatureKeyId.isEmpty())
        return SignatureCheck::Unsigned;
    if (task.signature.size() != crypto_sign_BYTES || task.signatureKeyId.isEmpty())
        return SignatureCheck::Malformed;
    if (!key || key->id != task.signatureKeyId || key->publicKey.size() != crypto_sign_PUBLICKEYBYTES)
        return SignatureCheck::UnknownKey;
    if (key->revokedAt > 0)
        return SignatureCheck::RevokedKey;
    if (!sodiumReady())
        return SignatureCheck::BadSignature;
    const QByteArray message = taskSigningMessage(task);
    const bool valid = crypto_sign_verify_detached(
                           bytes(task.signature), bytes(message), size_t(message.size()), bytes(key->publicKey))
        == 0;
    return valid ? SignatureCheck::Valid : SignatureCheck::BadSignature;
}

std::optional<Error> signatureRefusal(
    SignatureCheck check, const NewTask& task, const ProducerKey* key, bool queueRequiresSigned)
{
    auto refused = [](QString message) { return Error {ErrorCode::InvalidArgument, std::move(message)}; };
    const QString keyName = key ? QStringLiteral("%1 (%2)").arg(task.signatureKeyId, key->name) : task.signatureKeyId;
    switch (check) {
    case SignatureCheck::Valid:
        return std::nullopt;
    case SignatureCheck::Unsigned:
        if (!queueRequiresSigned)
            return std::nullopt;
        return refused(QStringLiteral("Queue \"%1\" requires signed tasks and this task is not signed"
                                      " (sign it with a producer key: enqueue --sign-with KEYFILE)")
                           .arg(task.queue));
    case SignatureCheck::Malformed:
        return refused(QStringLiteral("The task's signature is malformed: it needs a 64-byte Ed25519 signature and"
                                      " the id of the key that made it"));
    case SignatureCheck::UnknownKey:
        return refused(QStringLiteral("The task is signed by key %1, which is not a producer key of this database"
                                      " (add it with keys add-producer)")
                           .arg(task.signatureKeyId));
    case SignatureCheck::RevokedKey:
        return refused(
            QStringLiteral("The task is signed by key %1, which was revoked on %2")
                .arg(keyName, QDateTime::fromMSecsSinceEpoch(key ? key->revokedAt : 0, Qt::UTC).toString(Qt::ISODate)));
    case SignatureCheck::BadSignature:
        return refused(QStringLiteral("The task's signature does not verify with key %1: its queue, type, payload"
                                      " or idempotency key differ from what was signed")
                           .arg(keyName));
    }
    return refused(QStringLiteral("The task's signature cannot be checked"));
}

} // namespace qd::crypto
