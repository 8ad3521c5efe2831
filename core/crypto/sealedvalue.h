#pragma once

#include "core/result.h"
#include "keyring.h"

#include <QByteArray>
#include <QByteArrayView>

namespace qd::crypto {

// A value sealed with XChaCha20-Poly1305 (libsodium), stored as text:
//   qdenc1:<key id>:<base64 of a random 24-byte nonce and the ciphertext with its tag>
// The prefix says a value is sealed and which key sealed it; `context` (the associated data: the field, the task id
// and its queue) is authenticated but not stored, so a value moved to another row or field does not open.

// True when `stored` starts with the prefix of a sealed value.
bool isSealed(QByteArrayView stored);
// The id of the key that sealed `stored`; empty when it is not sealed.
QString sealedKeyId(QByteArrayView stored);

QByteArray seal(const DataKey& key, QByteArrayView plain, QByteArrayView context);

// The plain text. InvalidArgument when `keys` lacks the key; Corrupt when the value does not open with it (changed,
// moved from another row, or sealed by another key of the same id).
Result<QByteArray> open(const KeyRing& keys, QByteArrayView stored, QByteArrayView context);

} // namespace qd::crypto
