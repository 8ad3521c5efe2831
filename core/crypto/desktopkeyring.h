#pragma once
// The desktop keyring (the Secret Service of GNOME or KDE, macOS Keychain, Windows Credential Store) through
// QtKeychain: data keys kept under the service "QueueDesk", each named by its key id.
//
// Thread contract: call from any thread but the GUI thread of a QGuiApplication (refused there: the GUI never waits
// on the keyring). Each call runs a QtKeychain job on the keyring's own thread (an event loop started on first use,
// stopped when the QCoreApplication is destroyed) and waits for it, at most keyringTimeoutMs().

#include "core/result.h"
#include "keyring.h"

#include <QStringList>

namespace qd::crypto {

// The service name under which keys are stored.
QString keyringService();

// How long a call waits for the keyring (a locked keyring may ask its user for a password): 60 s, or
// $QUEUEDESK_KEYRING_TIMEOUT_MS.
int keyringTimeoutMs();

// The key of `id`: NotFound when the keyring holds none of that id; Unavailable, with the keyring's reason, when no
// keyring can be reached (no D-Bus session, no Secret Service, locked and not unlocked, timed out).
Result<DataKey> readKeyringKey(const QString& id);

// Stores `key` under its id; Unavailable when no keyring can be reached. Nothing else is written on failure.
Status writeKeyringKey(const DataKey& key);

// Removes the key of `id`; success when there was none.
Status deleteKeyringKey(const QString& id);

} // namespace qd::crypto
