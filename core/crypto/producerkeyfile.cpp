#include "producerkeyfile.h"

#include "core/ownerfile.h"

#include <QFile>
#include <QSaveFile>

#include <sodium.h>

namespace qd::crypto {

namespace {

constexpr QByteArrayView secretTag("qdsign1");
constexpr QByteArrayView publicTag("qdpub1");

// The one key line of a key file: its id and its decoded bytes, checked against the tag and size.
Result<std::pair<QString, QByteArray>> readKeyLine(const QString& path, QByteArrayView tag, qsizetype size)
{
    QFile file(path);
    if (!file.exists())
        return Error {ErrorCode::NotFound, QStringLiteral("The key file %1 does not exist").arg(path)};
    if (!file.open(QIODevice::ReadOnly))
        return Error {ErrorCode::Io, QStringLiteral("Cannot read the key file %1: %2").arg(path, file.errorString())};
    const auto malformed = [&] {
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("The key file %1 is not a producer %2 key file (a line \"%3 ID BASE64\")")
                .arg(path, tag == secretTag ? QStringLiteral("secret") : QStringLiteral("public"),
                    QString::fromLatin1(tag))};
    };
    while (!file.atEnd()) {
        const QByteArray line = file.readLine(64 * 1024).trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() != 3 || fields.at(0) != tag)
            return malformed();
        const auto decoded = QByteArray::fromBase64Encoding(fields.at(2), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded || decoded.decoded.size() != size)
            return malformed();
        return std::pair(QString::fromLatin1(fields.at(1)), decoded.decoded);
    }
    return malformed();
}

Status writeKeyLine(const QString& path, const QByteArray& text, bool secret)
{
    if (QFile::exists(path))
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("%1 already exists: choose another path (a key is never overwritten)").arg(path)};
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || (secret && !restrictToOwner(file)) || file.write(text) != text.size()
        || !file.commit())
        return Error {ErrorCode::Io, QStringLiteral("Cannot write the key file %1: %2").arg(path, file.errorString())};
    return success();
}

} // namespace

QString publicKeyPathFor(const QString& secretKeyPath)
{
    return secretKeyPath + QLatin1String(".pub");
}

Status writeProducerKeyFiles(const QString& secretKeyPath, const ProducerKeyPair& key)
{
    const QString publicPath = publicKeyPathFor(secretKeyPath);
    if (QFile::exists(publicPath))
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("%1 already exists: choose another path (a key is never overwritten)").arg(publicPath)};
    const QByteArray id = key.id.toLatin1();
    if (Status s = writeKeyLine(secretKeyPath,
            QByteArrayLiteral("# QueueDesk producer secret key: whoever reads it signs tasks as this producer.\n")
                + secretTag.toByteArray() + ' ' + id + ' ' + key.secretKey.toBase64() + '\n',
            true);
        !s)
        return s;
    return writeKeyLine(publicPath,
        QByteArrayLiteral("# QueueDesk producer public key: add it with queuedesk-cli keys add-producer NAME FILE\n")
            + publicTag.toByteArray() + ' ' + id + ' ' + key.publicKey.toBase64() + '\n',
        false);
}

Result<ProducerKeyPair> readProducerSecretKey(const QString& path)
{
    const QFileDevice::Permissions others
        = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ReadOther | QFileDevice::WriteOther;
    if (QFile::exists(path) && (QFile::permissions(path) & others))
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("The key file %1 may be read by other users: make it private (chmod 600) first").arg(path)};
    auto line = readKeyLine(path, secretTag, crypto_sign_SECRETKEYBYTES);
    if (!line)
        return line.error();
    ProducerKeyPair pair;
    pair.id = line->first;
    pair.secretKey = line->second;
    pair.publicKey = line->second.right(crypto_sign_PUBLICKEYBYTES); // libsodium's secret key ends with it
    if (producerKeyId(pair.publicKey) != pair.id)
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("The key file %1 names key %2, which is not the id of its key").arg(path, pair.id)};
    return pair;
}

Result<ProducerKey> readProducerPublicKey(const QString& path)
{
    auto line = readKeyLine(path, publicTag, crypto_sign_PUBLICKEYBYTES);
    if (!line)
        return line.error();
    ProducerKey key;
    key.id = line->first;
    key.publicKey = line->second;
    if (producerKeyId(key.publicKey) != key.id)
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("The key file %1 names key %2, which is not the id of its key").arg(path, key.id)};
    return key;
}

} // namespace qd::crypto
