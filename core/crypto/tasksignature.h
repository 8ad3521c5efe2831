#pragma once

#include "core/result.h"
#include "core/task.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

namespace qd::crypto {

// Signed tasks: a producer signs a task's queue, type, payload and idempotency key with its Ed25519 key (libsodium);
// the database holds the producers' public keys (producer_keys, schema 12) and verifies at enqueue. Pure functions,
// any thread.

// A producer's public key as the database knows it.
struct ProducerKey {
    QString id; // producerKeyId() of the public key
    QString name;
    QByteArray publicKey; // 32 bytes
    qint64 addedAt = 0;
    qint64 revokedAt = 0; // 0: in use
};

// A producer's key pair, as `keys new-producer` makes it.
struct ProducerKeyPair {
    QString id;
    QByteArray publicKey; // 32 bytes
    QByteArray secretKey; // 64 bytes (libsodium's form: seed and public key)
};

// 16 hex digits of a BLAKE2b digest of the public key: what a signature names, derived from the key alone so that a
// producer needs nothing from the database to sign. Empty when the key is not 32 bytes.
QString producerKeyId(QByteArrayView publicKey);

ProducerKeyPair generateProducerKey();

// What a signature covers: a fixed domain and version prefix, then queue, type, payload and idempotency key, each as
// a 4-byte big-endian length and its bytes (UTF-8 for text), so no two different tasks share a message.
QByteArray taskSigningMessage(const NewTask& task);

// Sets task.signature (64 bytes) and task.signatureKeyId. False when the secret key is not 64 bytes.
bool signTask(NewTask& task, const ProducerKeyPair& key);

enum class SignatureCheck {
    Unsigned, // neither signature nor key id
    Valid,
    Malformed, // a signature that is not 64 bytes, or one of signature and key id without the other
    UnknownKey, // `key` is null: no producer key of that id
    RevokedKey,
    BadSignature, // the key is known and in use, but the signature is not its signature of this task
};

// `key` is the producer key that task.signatureKeyId names, null when the database has none of that id.
SignatureCheck checkTaskSignature(const NewTask& task, const ProducerKey* key);

// Why a task is refused (InvalidArgument, one message per check), or nothing when it may be stored: a queue that
// requires signatures takes only Valid; any other queue takes Unsigned and Valid.
std::optional<Error> signatureRefusal(
    SignatureCheck check, const NewTask& task, const ProducerKey* key, bool queueRequiresSigned);

} // namespace qd::crypto
