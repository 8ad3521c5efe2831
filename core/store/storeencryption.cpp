#include "storeencryption.h"

#include "core/crypto/desktopkeyring.h"
#include "core/crypto/keyfile.h"
#include "core/crypto/sealedvalue.h"

#include <algorithm>

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
    QHash<QString, QString> sealing;
    for (const DatabaseKey& key : std::as_const(m_databaseKeys)) {
        if (key.retired)
            continue;
        sealing.insert(key.queue, key.id); // oldest first: the newest of each scope wins
        if (!m_keys.find(key.id)) {
            m_soughtIds.insert(key.id);
            fetchKey(key.id);
        }
    }
    m_sealingIds = std::move(sealing);
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

QString StoreEncryption::sealingKeyId(const QString& queue) const
{
    if (const auto own = m_sealingIds.constFind(queue); !queue.isEmpty() && own != m_sealingIds.cend())
        return *own;
    return m_sealingIds.value(QString());
}

const crypto::DataKey* StoreEncryption::sealingKey(const QString& queue) const
{
    const QString id = sealingKeyId(queue);
    if (id.isEmpty())
        return nullptr;
    learnKey(id);
    return m_keys.find(id);
}

const crypto::DataKey* StoreEncryption::scopeSealingKey(const QString& scope) const
{
    const QString id = m_sealingIds.value(scope);
    if (id.isEmpty())
        return nullptr;
    learnKey(id);
    return m_keys.find(id);
}

void StoreEncryption::setSealingKeyIds(const QHash<QString, QString>& idsByScope)
{
    m_sealingIds = idsByScope;
}

QStringList StoreEncryption::keyedQueues() const
{
    QStringList queues;
    for (auto it = m_sealingIds.cbegin(); it != m_sealingIds.cend(); ++it) {
        if (!it.key().isEmpty())
            queues.append(it.key());
    }
    std::sort(queues.begin(), queues.end());
    return queues;
}

bool StoreEncryption::fetchKey(const QString& id) const
{
    if (id.isEmpty())
        return false;
    if (!m_keyFile.isEmpty()) {
        if (auto reread = crypto::readKeyFile(m_keyFile); reread) {
            if (const crypto::DataKey* key = reread->find(id)) {
                m_keys.add(*key);
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
    m_keys.add(*fromKeyring);
    return true;
}

bool StoreEncryption::firstRefusal(const QString& queue) const
{
    if (m_refusedQueues.contains(queue))
        return false;
    m_refusedQueues.insert(queue);
    return true;
}

Error StoreEncryption::noKeyError(const QString& queue) const
{
    const QString keyId = sealingKeyId(queue);
    const bool own = !queue.isEmpty() && m_sealingIds.contains(queue);
    const QString what = own ? QStringLiteral("Queue %1 is encrypted with key %2").arg(queue, keyId)
                             : QStringLiteral("This database is encrypted with key %1").arg(keyId);
    const QString keyring = m_keyringError.isEmpty()
        ? QStringLiteral("nor does the desktop keyring")
        : QStringLiteral("nor does the desktop keyring (%1)").arg(m_keyringError);
    return Error {ErrorCode::ReadOnly,
        QStringLiteral("%1; the key file %2 does not hold it, %3: nothing was written. Give the key file with"
                       " --key-file or QUEUEDESK_KEY_FILE, or unlock the keyring")
            .arg(what, m_keyFile, keyring)};
}

Result<QByteArray> StoreEncryption::seal(
    SealedField field, qint64 taskId, const QString& queue, QByteArrayView plain) const
{
    const crypto::DataKey* key = sealingKey(queue);
    if (!key)
        return noKeyError(queue);
    return crypto::seal(*key, plain, context(field, taskId));
}

Result<QByteArray> StoreEncryption::sealWith(
    const QString& keyId, SealedField field, qint64 taskId, QByteArrayView plain) const
{
    learnKey(keyId);
    const crypto::DataKey* key = m_keys.find(keyId);
    if (!key)
        return Error {ErrorCode::ReadOnly,
            QStringLiteral("Neither the key file %1 nor the desktop keyring holds key %2").arg(m_keyFile, keyId)};
    return crypto::seal(*key, plain, context(field, taskId));
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
