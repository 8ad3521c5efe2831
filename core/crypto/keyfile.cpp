#include "keyfile.h"

#include "core/ownerfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

namespace qd::crypto {

namespace {

constexpr QByteArrayView keyTag("qdkey1");

} // namespace

QString defaultKeyFilePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QLatin1String("/QueueDesk/queuedesk.key");
}

QString keyFileToUse(const QString& given, bool* chosen)
{
    const QString fromEnvironment = qEnvironmentVariable("QUEUEDESK_KEY_FILE");
    const QString path = !given.isEmpty() ? given : fromEnvironment;
    if (chosen)
        *chosen = !path.isEmpty();
    return path.isEmpty() ? defaultKeyFilePath() : path;
}

Result<KeyRing> readKeyFile(const QString& path)
{
    QFile file(path);
    if (!file.exists())
        return Error {ErrorCode::NotFound, QStringLiteral("The key file %1 does not exist").arg(path)};
    const QFileDevice::Permissions others
        = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ReadOther | QFileDevice::WriteOther;
    if (file.permissions() & others)
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("The key file %1 may be read by other users: make it private (chmod 600) first").arg(path)};
    if (!file.open(QIODevice::ReadOnly))
        return Error {ErrorCode::Io, QStringLiteral("Cannot read the key file %1: %2").arg(path, file.errorString())};
    KeyRing keys;
    int lineNumber = 0;
    while (!file.atEnd()) {
        ++lineNumber;
        const QByteArray line = file.readLine().trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> fields = line.simplified().split(' ');
        const auto secret = fields.size() == 3
            ? QByteArray::fromBase64Encoding(fields.at(2), QByteArray::AbortOnBase64DecodingErrors)
            : QByteArray::FromBase64Result {};
        if (fields.size() != 3 || fields.at(0) != keyTag || !secret
            || !keys.add({QString::fromLatin1(fields.at(1)), secret.decoded}))
            return Error {ErrorCode::InvalidArgument,
                QStringLiteral("The key file %1 is malformed at line %2").arg(path).arg(lineNumber)};
    }
    if (keys.isEmpty())
        return Error {ErrorCode::InvalidArgument, QStringLiteral("The key file %1 holds no key").arg(path)};
    return keys;
}

Status writeKeyFile(const QString& path, const KeyRing& keys)
{
    const QString folder = QFileInfo(path).absolutePath();
    if (!QFileInfo::exists(folder)) {
        if (!QDir().mkpath(folder))
            return Error {ErrorCode::Io, QStringLiteral("Cannot create the folder %1").arg(folder)};
        QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !restrictToOwner(file))
        return Error {ErrorCode::Io, QStringLiteral("Cannot write the key file %1: %2").arg(path, file.errorString())};
    QByteArray text = QByteArrayLiteral("# QueueDesk key file: whoever reads it reads the encrypted tasks. Back it up;"
                                        " without it they are lost.\n");
    for (const DataKey& key : keys.keys())
        text += keyTag.toByteArray() + ' ' + key.id.toLatin1() + ' ' + key.secret.toBase64() + '\n';
    if (file.write(text) != text.size() || !file.commit())
        return Error {ErrorCode::Io, QStringLiteral("Cannot write the key file %1: %2").arg(path, file.errorString())};
    return success();
}

} // namespace qd::crypto
