#pragma once

#include "core/result.h"
#include "keyring.h"

#include <QString>

namespace qd::crypto {

// A key file holds a KeyRing as text, one key a line (`qdkey1 <id> <base64 of 32 bytes>`), oldest first; lines
// starting with # are comments. It is created with mode 0600 whatever the umask, and refused when others may read it.

// $XDG_CONFIG_HOME/QueueDesk/queuedesk.key (~/.config/QueueDesk/queuedesk.key): one file per user, holding the keys
// of any number of databases (each database names the ids it uses).
QString defaultKeyFilePath();

// The key file a process uses: `given` (--key-file), else $QUEUEDESK_KEY_FILE, else defaultKeyFilePath().
// `chosen` tells whether it was named (given or by the environment) rather than the default.
QString keyFileToUse(const QString& given, bool* chosen = nullptr);

// NotFound when the file does not exist; InvalidArgument when it is malformed or group or others may read it.
Result<KeyRing> readKeyFile(const QString& path);

// Replaces the file at once (a new file renamed over it), mode 0600; creates its folder (0700) when missing.
Status writeKeyFile(const QString& path, const KeyRing& keys);

} // namespace qd::crypto
