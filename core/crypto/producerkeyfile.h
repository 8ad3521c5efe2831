#pragma once

#include "core/result.h"
#include "tasksignature.h"

#include <QString>

namespace qd::crypto {

// A producer's key files, one key a file, each a line of text:
//   secret (PATH, mode 0600): `qdsign1 <key id> <base64 of the 64-byte secret key>`
//   public (PATH.pub):        `qdpub1 <key id> <base64 of the 32-byte public key>`
// Lines starting with # are comments.

QString publicKeyPathFor(const QString& secretKeyPath); // PATH.pub

// Writes both files; refuses to replace an existing one (a producer's key is not lost by a typo).
Status writeProducerKeyFiles(const QString& secretKeyPath, const ProducerKeyPair& key);

// InvalidArgument when malformed, when the id does not match the key, or (secret) when others may read it.
Result<ProducerKeyPair> readProducerSecretKey(const QString& path);
// The public key (id and 32 bytes); name and times are the database's.
Result<ProducerKey> readProducerPublicKey(const QString& path);

} // namespace qd::crypto
