#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace qd::crypto {

// One 256-bit XChaCha20-Poly1305 key and the id that sealed values carry to name it.
struct DataKey {
    QString id; // 16 hex digits, random
    QByteArray secret; // 32 bytes
};

// The keys a process holds, oldest first: one key file's content. Ids are unique.
class KeyRing {
public:
    // A new random key (libsodium's generator).
    static DataKey generate();

    // False when the id is already there or the key is not 32 bytes.
    bool add(const DataKey& key);
    const DataKey* find(const QString& id) const;
    bool isEmpty() const { return m_keys.isEmpty(); }
    const QList<DataKey>& keys() const { return m_keys; }
    QStringList ids() const;

private:
    QList<DataKey> m_keys;
};

// libsodium, initialised once per process; false when it cannot be (no entropy source).
bool sodiumReady();

} // namespace qd::crypto
