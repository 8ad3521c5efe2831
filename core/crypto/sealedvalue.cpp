#include "sealedvalue.h"

#include <sodium.h>

namespace qd::crypto {

namespace {

constexpr QByteArrayView prefix("qdenc1:");
constexpr qsizetype nonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr qsizetype tagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;

const unsigned char* bytes(QByteArrayView view)
{
    return reinterpret_cast<const unsigned char*>(view.data());
}

} // namespace

bool isSealed(QByteArrayView stored)
{
    return stored.startsWith(prefix);
}

QString sealedKeyId(QByteArrayView stored)
{
    if (!isSealed(stored))
        return {};
    const QByteArrayView rest = stored.sliced(prefix.size());
    const qsizetype colon = rest.indexOf(':');
    return colon < 0 ? QString() : QString::fromLatin1(rest.first(colon));
}

QByteArray seal(const DataKey& key, QByteArrayView plain, QByteArrayView context)
{
    if (!sodiumReady())
        qFatal("libsodium cannot be initialised");
    Q_ASSERT(key.secret.size() == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
    QByteArray box(nonceBytes + plain.size() + tagBytes, Qt::Uninitialized);
    auto* nonce = reinterpret_cast<unsigned char*>(box.data());
    randombytes_buf(nonce, nonceBytes);
    unsigned long long sealedLength = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + nonceBytes, &sealedLength, bytes(plain),
        (unsigned long long)plain.size(), bytes(context), (unsigned long long)context.size(), nullptr, nonce,
        bytes(key.secret));
    QByteArray stored;
    stored.reserve(prefix.size() + key.id.size() + 1 + (box.size() + 2) / 3 * 4);
    stored.append(prefix.data(), prefix.size()).append(key.id.toLatin1()).append(':').append(box.toBase64());
    return stored;
}

Result<QByteArray> open(const KeyRing& keys, QByteArrayView stored, QByteArrayView context)
{
    const QString id = sealedKeyId(stored);
    if (id.isEmpty())
        return Error {ErrorCode::Corrupt, QStringLiteral("Not a sealed value")};
    const DataKey* key = keys.find(id);
    if (!key)
        return Error {ErrorCode::InvalidArgument, QStringLiteral("No key with id %1 is loaded").arg(id)};
    const auto decoded = QByteArray::fromBase64Encoding(
        stored.sliced(prefix.size() + id.size() + 1).toByteArray(), QByteArray::AbortOnBase64DecodingErrors);
    const QByteArray& box = decoded.decoded;
    if (!decoded || box.size() < nonceBytes + tagBytes)
        return Error {ErrorCode::Corrupt, QStringLiteral("A value sealed with key %1 is damaged").arg(id)};
    QByteArray plain(box.size() - nonceBytes - tagBytes, Qt::Uninitialized);
    unsigned long long plainLength = 0;
    const auto* nonce = bytes(box);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &plainLength,
            nullptr, nonce + nonceBytes, (unsigned long long)(box.size() - nonceBytes), bytes(context),
            (unsigned long long)context.size(), nonce, bytes(key->secret))
        != 0)
        return Error {ErrorCode::Corrupt,
            QStringLiteral("A value sealed with key %1 does not open: it was changed, moved from another row, or"
                           " the key file holds another key under that id")
                .arg(id)};
    return plain;
}

} // namespace qd::crypto
