// Signed tasks in the store (schema 12): producer keys, a queue's demand for signatures, the checks an enqueue runs
// before it writes, and which key verified a task.
#include "taskstore_p.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace qd {

using namespace storeimpl;

namespace {

crypto::ProducerKey readProducerKey(const StoreStatement& row)
{
    crypto::ProducerKey key;
    key.id = row.text(0);
    key.name = row.text(1);
    key.publicKey = QByteArray::fromBase64(row.text(2).toLatin1());
    key.addedAt = row.integer(3);
    key.revokedAt = row.integer(4);
    return key;
}

const QString producerKeyColumns = QStringLiteral("key_id, name, public_key, added_at, revoked_at");

} // namespace

Status TaskStore::addProducerKey(const crypto::ProducerKey& key, qint64 now)
{
    if (crypto::producerKeyId(key.publicKey) != key.id)
        return Error {ErrorCode::InvalidArgument, QStringLiteral("Not a producer public key (32 bytes and its id)")};
    if (key.name.trimmed().isEmpty() || key.name.size() > 200)
        return Error {ErrorCode::InvalidArgument, QStringLiteral("A producer key needs a name of 1 to 200 characters")};
    return atomically([&]() -> Status {
        StoreStatement find = statement(QStringLiteral("SELECT name FROM producer_keys WHERE key_id = ?"));
        find.bind(1, key.id);
        const bool exists = find.next();
        const QString existingName = exists ? find.text(0) : QString();
        if (!find.finish())
            return find.error(QStringLiteral("Cannot read the producer keys"));
        if (exists)
            return Error {ErrorCode::InvalidArgument,
                QStringLiteral("Key %1 is already a producer key (\"%2\")").arg(key.id, existingName)};
        StoreStatement insert = statement(QStringLiteral(
            "INSERT INTO producer_keys(key_id, name, public_key, added_at, revoked_at) VALUES (?, ?, ?, ?, NULL)"));
        insert.bind(1, key.id);
        insert.bind(2, key.name.trimmed());
        insert.bind(3, QString::fromLatin1(key.publicKey.toBase64()));
        insert.bind(4, now);
        if (!insert.run())
            return insert.error(QStringLiteral("Cannot add the producer key"));
        AuditEntry audit;
        audit.at = now;
        audit.action = auditaction::producerKeyAdd;
        audit.target = key.id;
        audit.detail = QString::fromUtf8(
            QJsonDocument(QJsonObject {{QStringLiteral("name"), key.name.trimmed()}}).toJson(QJsonDocument::Compact));
        return recordAudit(audit);
    });
}

Result<QList<crypto::ProducerKey>> TaskStore::producerKeys()
{
    if (!schemaHas(signedTasksSchemaVersion))
        return QList<crypto::ProducerKey>();
    StoreStatement q = statement(QStringLiteral("SELECT ") + producerKeyColumns
        + QStringLiteral(" FROM producer_keys ORDER BY added_at, key_id"));
    QList<crypto::ProducerKey> keys;
    while (q.next())
        keys.append(readProducerKey(q));
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read the producer keys"));
    return keys;
}

Status TaskStore::revokeProducerKey(const QString& keyId, qint64 now)
{
    return atomically([&]() -> Status {
        StoreStatement find = statement(QStringLiteral("SELECT count(*) FROM producer_keys WHERE key_id = ?"));
        find.bind(1, keyId);
        const bool exists = find.next() && find.integer(0) > 0;
        if (!find.finish())
            return find.error(QStringLiteral("Cannot read the producer keys"));
        if (!exists)
            return Error {
                ErrorCode::NotFound, QStringLiteral("There is no producer key %1 (see keys list)").arg(keyId)};
        StoreStatement update = statement(
            QStringLiteral("UPDATE producer_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL"));
        update.bind(1, now);
        update.bind(2, keyId);
        if (!update.run())
            return update.error(QStringLiteral("Cannot revoke the producer key"));
        AuditEntry audit;
        audit.at = now;
        audit.action = auditaction::producerKeyRevoke;
        audit.target = keyId;
        return recordAudit(audit);
    });
}

Status TaskStore::setRequireSigned(const QString& queue, bool required, qint64 now)
{
    return atomically([&]() -> Status {
        if (Status s = ensureQueue(queue, now); !s)
            return s;
        StoreStatement update = statement(QStringLiteral("UPDATE queues SET require_signed = ? WHERE name = ?"));
        update.bind(1, required ? 1 : 0);
        update.bind(2, queue);
        if (!update.run())
            return update.error(QStringLiteral("Cannot set whether queue %1 requires signed tasks").arg(queue));
        AuditEntry audit;
        audit.at = now;
        audit.action = auditaction::requireSigned;
        audit.target = queue;
        audit.detail = required ? QStringLiteral("{\"required\":true}") : QStringLiteral("{\"required\":false}");
        return recordAudit(audit);
    });
}

Result<std::optional<crypto::ProducerKey>> TaskStore::taskSigner(qint64 taskId)
{
    if (!schemaHas(signedTasksSchemaVersion))
        return std::optional<crypto::ProducerKey>();
    StoreStatement q = statement(QStringLiteral("SELECT k.key_id, k.name, k.public_key, k.added_at, k.revoked_at"
                                                " FROM tasks t JOIN producer_keys k ON k.key_id = t.producer_key_id"
                                                " WHERE t.id = ?"));
    q.bind(1, taskId);
    std::optional<crypto::ProducerKey> key;
    if (q.next())
        key = readProducerKey(q);
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read which key signed task %1").arg(taskId));
    return key;
}

Result<QList<std::optional<Error>>> TaskStore::signatureRefusals(const QList<NewTask>& tasks)
{
    EnqueueQueueRows rows;
    return signatureRefusals(tasks, rows);
}

Result<QList<std::optional<Error>>> TaskStore::signatureRefusals(const QList<NewTask>& tasks, EnqueueQueueRows& rows)
{
    QHash<QString, std::optional<crypto::ProducerKey>> keys; // by id; nothing: no such key
    QList<std::optional<Error>> refusals;
    refusals.reserve(tasks.size());
    for (const NewTask& t : tasks) {
        const Result<const EnqueueQueueRow*> queue = enqueueQueueRow(t.queue, rows);
        if (!queue)
            return queue.error();
        const bool required = *queue && (*queue)->requireSigned; // a queue made by this enqueue requires nothing
        const crypto::ProducerKey* key = nullptr;
        if (!t.signatureKeyId.isEmpty()) {
            auto known = keys.find(t.signatureKeyId);
            if (known == keys.end()) {
                StoreStatement q = statement(QStringLiteral("SELECT ") + producerKeyColumns
                    + QStringLiteral(" FROM producer_keys WHERE key_id = ?"));
                q.bind(1, t.signatureKeyId);
                std::optional<crypto::ProducerKey> found;
                if (q.next())
                    found = readProducerKey(q);
                if (!q.finish())
                    return q.error(QStringLiteral("Cannot read the producer keys"));
                known = keys.insert(t.signatureKeyId, found);
            }
            if (known->has_value())
                key = &**known;
        }
        refusals.append(crypto::signatureRefusal(crypto::checkTaskSignature(t, key), t, key, required));
    }
    return refusals;
}

} // namespace qd
