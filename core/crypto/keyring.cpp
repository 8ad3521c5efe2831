#include "keyring.h"

#include <sodium.h>

namespace qd::crypto {

bool sodiumReady()
{
    static const bool ready = sodium_init() >= 0;
    return ready;
}

DataKey KeyRing::generate()
{
    if (!sodiumReady())
        qFatal("libsodium cannot be initialised"); // no entropy source: no key may be made
    DataKey key;
    QByteArray id(8, Qt::Uninitialized);
    randombytes_buf(id.data(), size_t(id.size()));
    key.id = QString::fromLatin1(id.toHex());
    key.secret = QByteArray(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, Qt::Uninitialized);
    crypto_aead_xchacha20poly1305_ietf_keygen(reinterpret_cast<unsigned char*>(key.secret.data()));
    return key;
}

bool KeyRing::add(const DataKey& key)
{
    if (key.secret.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES || key.id.isEmpty() || find(key.id))
        return false;
    m_keys.append(key);
    return true;
}

const DataKey* KeyRing::find(const QString& id) const
{
    for (const DataKey& key : m_keys) {
        if (key.id == id)
            return &key;
    }
    return nullptr;
}

QStringList KeyRing::ids() const
{
    QStringList ids;
    for (const DataKey& key : m_keys)
        ids.append(key.id);
    return ids;
}

} // namespace qd::crypto
