#include "storeencryption.h"

#include "core/crypto/desktopkeyring.h"
#include "core/crypto/keyfile.h"
#include "core/crypto/sealedvalue.h"

namespace qd::storeimpl {

namespace {

QByteArray context(SealedField field, qint64 taskId)
{
    static constexpr const char* names[] = {"payload", "result", "error", "event-detail"};
    return QByteArrayLiteral("queuedesk/") + names[int(field)] + '/' + QByteArray::number(taskId);
}

const QByteArray encryptedText = QByteArrayLiteral("encrypted");

} // namespace

StoreEncryption::StoreEncryption(QList<DatabaseKey> databaseKeys, crypto::KeyRing keys, QString keyFile)
    : m_databaseKeys(std::move(databaseKeys))
    , m_keys(std::move(keys))
    , m_keyFile(std::move(keyFile))
{
    for (const DatabaseKey& key : std::as_const(m_databaseKeys)) {
        if (!key.retired && !m_keys.find(key.id)) {
            m_soughtIds.insert(key.id);
            fetchKey(key.id);
        }
    }
    for (auto key = m_databaseKeys.crbegin(); key != m_databaseKeys.crend(); ++key) {
        if (!key->retired) {
            setSealingKeyId(key->id);
            break;
        }
    }
}

QByteArray StoreEncryption::checkContext(const QString& keyId)
{
    return QByteArrayLiteral("queuedesk/key-check/") + keyId.toLatin1();
}

QByteArray StoreEncryption::checkText()
{
    return QByteArrayLiteral("QueueDesk key check");
}

Status StoreEncryption::verify() const
{
    for (const DatabaseKey& key : m_databaseKeys) {
        if (!m_keys.find(key.id))
            continue;
        const auto opened = crypto::open(m_keys, key.checkValue, checkContext(key.id));
        if (!opened || *opened != checkText()) {
            const QString holder = m_keyringIds.contains(key.id) ? QStringLiteral("the desktop keyring")
                                                                 : QStringLiteral("the key file %1").arg(m_keyFile);
            return Error {ErrorCode::InvalidArgument,
                QStringLiteral("Wrong key: %1 holds a key with id %2, but it is not the key this database was"
                               " encrypted with")
                    .arg(holder, key.id)};
        }
    }
    return success();
}

void StoreEncryption::setSealingKeyId(const QString& id)
{
    if (id == m_sealingKeyId && m_sealingKey)
        return;
    m_sealingKeyId = id;
    m_sealingKey = m_keys.find(id);
    if (!m_sealingKey && fetchKey(id))
        m_sealingKey = m_keys.find(id);
}

bool StoreEncryption::fetchKey(const QString& id) const
{
    if (id.isEmpty())
        return false;
    const auto add = [&](const crypto::DataKey& key) {
        m_keys.add(key);
        // The ring's list may have moved: point into it again.
        m_sealingKey = m_sealingKeyId.isEmpty() ? nullptr : m_keys.find(m_sealingKeyId);
    };
    if (!m_keyFile.isEmpty()) {
        if (auto reread = crypto::readKeyFile(m_keyFile); reread) {
            if (const crypto::DataKey* key = reread->find(id)) {
                add(*key);
                return true;
            }
        }
    }
    auto fromKeyring = crypto::readKeyringKey(id);
    if (!fromKeyring) {
        if (fromKeyring.error().code != ErrorCode::NotFound)
            m_keyringError = fromKeyring.errorString();
        return false;
    }
    m_keyringError.clear();
    m_keyringIds.insert(id);
    add(*fromKeyring);
    return true;
}

QStringList StoreEncryption::databaseKeyIds() const
{
    QStringList ids;
    for (const DatabaseKey& key : m_databaseKeys)
        ids.append(key.id);
    return ids;
}

Error StoreEncryption::noKeyError() const
{
    const QString keyring = m_keyringError.isEmpty()
        ? QStringLiteral("nor does the desktop keyring")
        : QStringLiteral("nor does the desktop keyring (%1)").arg(m_keyringError);
    return Error {ErrorCode::ReadOnly,
        QStringLiteral("This database is encrypted with key %1; the key file %2 does not hold it, %3: nothing was"
                       " written. Give the key file with --key-file or QUEUEDESK_KEY_FILE, or unlock the keyring")
            .arg(m_sealingKeyId, m_keyFile, keyring)};
}

Result<QByteArray> StoreEncryption::seal(SealedField field, qint64 taskId, QByteArrayView plain) const
{
    if (!m_sealingKey)
        return noKeyError();
    return crypto::seal(*m_sealingKey, plain, context(field, taskId));
}

void StoreEncryption::learnKey(const QString& id) const
{
    if (id.isEmpty() || m_keys.find(id) || m_soughtIds.contains(id))
        return;
    m_soughtIds.insert(id);
    fetchKey(id);
}

Result<QByteArray> StoreEncryption::openField(SealedField field, qint64 taskId, QByteArrayView stored) const
{
    if (!crypto::isSealed(stored))
        return stored.toByteArray();
    learnKey(crypto::sealedKeyId(stored));
    return crypto::open(m_keys, stored, context(field, taskId));
}

void StoreEncryption::open(Task& task) const
{
    const auto openInPlace = [&](SealedField field, QByteArray& value) {
        if (!crypto::isSealed(value))
            return;
        auto opened = openField(field, task.id, value);
        value = opened ? std::move(*opened) : encryptedText;
        task.sealed = task.sealed || !opened;
    };
    openInPlace(SealedField::Payload, task.payload);
    openInPlace(SealedField::Result, task.result);
    if (task.lastError.startsWith(QLatin1String("qdenc1:"))) {
        QByteArray error = task.lastError.toLatin1();
        openInPlace(SealedField::Error, error);
        task.lastError = QString::fromUtf8(error);
    }
}

void StoreEncryption::open(TaskEvent& event) const
{
    if (!event.detail.startsWith(QLatin1String("qdenc1:")))
        return;
    auto opened = openField(SealedField::EventDetail, event.taskId, event.detail.toLatin1());
    event.detail = opened ? QString::fromUtf8(*opened) : QString::fromLatin1(encryptedText);
}

} // namespace qd::storeimpl
