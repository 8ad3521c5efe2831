// Encryption at rest in the store: the database's keys (schema 5) and queues' keys (schema 14), opening rows, and
// re-sealing for keys rotate.
#include "taskstore_p.h"

#include "core/crypto/keyfile.h"
#include "core/crypto/sealedvalue.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

namespace qd {

using namespace storeimpl;

namespace {

constexpr auto sealedPrefix = "qdenc1:%";

// The tasks of one scope: a queue's own ("queue = ?"), or the database's, every queue without keys of its own.
QString scopeCondition(const QString& scope)
{
    return scope.isEmpty() ? QStringLiteral("queue NOT IN (SELECT queue FROM encryption_keys WHERE queue IS NOT NULL)")
                           : QStringLiteral("queue = ?");
}

} // namespace

Status TaskStore::loadEncryption()
{
    m_encryption.reset();
    // A read-only look at a database older than schema 5 has no table of keys.
    QString tableCount;
    switch (m_dialect.engine) {
    case SqlDialect::Engine::Sqlite:
        tableCount = QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'encryption_keys'");
        break;
    case SqlDialect::Engine::Postgres:
        tableCount = QStringLiteral("SELECT CASE WHEN to_regclass('encryption_keys') IS NULL THEN 0 ELSE 1 END");
        break;
    case SqlDialect::Engine::MariaDb:
        tableCount = QStringLiteral("SELECT count(*) FROM information_schema.tables"
                                    " WHERE table_schema = DATABASE() AND table_name = 'encryption_keys'");
        break;
    }
    auto exists = singleInteger(tableCount, "Cannot read the database's encryption keys");
    if (!exists)
        return exists.error();
    if (*exists == 0)
        return success();
    QList<DatabaseKey> databaseKeys;
    const auto readKeys = [&](const QString& queueColumn) {
        databaseKeys.clear();
        StoreStatement q = statement(QStringLiteral("SELECT key_id, check_value, retired_at IS NOT NULL, ")
            + queueColumn + QStringLiteral(" FROM encryption_keys ORDER BY created_at, key_id"));
        while (q.next())
            databaseKeys.append({q.text(0), q.utf8(1), q.flag(2), q.text(3)});
        return q.finish() ? success() : Status(q.error(QStringLiteral("Cannot read the database's encryption keys")));
    };
    // A read-only look at a database older than schema 14 has no queue keys.
    if (Status s = readKeys(QStringLiteral("COALESCE(queue, '')")); !s) {
        if (!m_options.readOnly)
            return s;
        if (Status old = readKeys(QStringLiteral("''")); !old)
            return old;
    }
    if (databaseKeys.isEmpty())
        return success();
    if (!crypto::sodiumReady())
        return Error {ErrorCode::Internal, QStringLiteral("libsodium cannot be initialised")};
    bool named = false;
    const QString keyFile = crypto::keyFileToUse(m_options.keyFile, &named);
    auto keys = crypto::readKeyFile(keyFile);
    // Without a key file the database is shown, its sealed fields as "encrypted"; a key file named but absent, or
    // unreadable, is an error.
    if (!keys && (named || keys.error().code != ErrorCode::NotFound))
        return keys.error();
    auto encryption = std::make_unique<StoreEncryption>(
        std::move(databaseKeys), keys ? std::move(*keys) : crypto::KeyRing(), keyFile);
    if (Status s = encryption->verify(); !s)
        return s;
    m_encryption = std::move(encryption);
    return success();
}

Status TaskStore::refreshSealingKey()
{
    // Few rows (one per scope, and keys not yet retired): read at each write transaction, as keys init and rotate
    // may have named a key since.
    StoreStatement q = statement(QStringLiteral("SELECT key_id, COALESCE(queue, '') FROM encryption_keys"
                                                " WHERE retired_at IS NULL ORDER BY created_at, key_id"));
    QHash<QString, QString> idsByScope;
    while (q.next())
        idsByScope.insert(q.text(1), q.text(0));
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read the database's encryption keys"));
    m_encryption->setSealingKeyIds(idsByScope);
    return success();
}

Result<QString> TaskStore::queueToSeal(qint64 id, const LeasedTask* known)
{
    if (!m_encryption->hasQueueKeys())
        return QString();
    if (known)
        return known->queue;
    StoreStatement q = statement(QStringLiteral("SELECT queue FROM tasks WHERE id = ?"));
    q.bind(1, id);
    const QString queue = q.next() ? q.text(0) : QString();
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read the queue of task %1").arg(id));
    return queue;
}

Task TaskStore::readTask(const StoreStatement& row) const
{
    Task task = taskFromRow(row);
    if (m_encryption)
        m_encryption->open(task);
    return task;
}

TaskEvent TaskStore::readEvent(const StoreStatement& row) const
{
    TaskEvent event = eventFromRow(row);
    if (m_encryption)
        m_encryption->open(event);
    return event;
}

Result<EncryptionStatus> TaskStore::encryptionStatus(const QString& queue)
{
    EncryptionStatus status;
    status.queue = queue;
    if (!m_encryption)
        return status;
    if (Status s = refreshSealingKey(); !s)
        return s.error();
    StoreStatement keys = statement(QStringLiteral("SELECT key_id, retired_at IS NOT NULL FROM encryption_keys WHERE ")
        + (queue.isEmpty() ? QStringLiteral("queue IS NULL") : QStringLiteral("queue = ?"))
        + QStringLiteral(" ORDER BY created_at, key_id"));
    if (!queue.isEmpty())
        keys.bind(1, queue);
    while (keys.next()) {
        status.keyIds.append(keys.text(0));
        if (keys.flag(1))
            status.retiredKeyIds.append(keys.text(0));
    }
    if (!keys.finish())
        return keys.error(QStringLiteral("Cannot read the database's encryption keys"));
    status.encryptedQueues = m_encryption->keyedQueues();
    status.sealingKeyId = m_encryption->scopeSealingKeyId(queue);
    status.keyLoaded = m_encryption->scopeSealingKey(queue) != nullptr;
    status.keyInKeyring = status.keyLoaded && m_encryption->inKeyring(status.sealingKeyId);
    status.keyFile = m_encryption->keyFile();
    status.keyringError = m_encryption->keyringError();
    // The key id follows the 7-character prefix (see crypto::seal).
    StoreStatement counts = statement(
        QStringLiteral("SELECT CASE WHEN payload LIKE 'qdenc1:%' THEN substr(payload, 8, 16) ELSE '' END AS k, count(*)"
                       " FROM tasks")
        + (queue.isEmpty() ? QString() : QStringLiteral(" WHERE queue = ?")) + QStringLiteral(" GROUP BY k"));
    if (!queue.isEmpty())
        counts.bind(1, queue);
    while (counts.next())
        status.payloadsByKey.insert(counts.text(0), counts.integer(1));
    if (!counts.finish())
        return counts.error(QStringLiteral("Cannot count encrypted tasks"));
    return status;
}

Status TaskStore::addEncryptionKey(const crypto::DataKey& key, qint64 now, const QString& queue)
{
    if (!crypto::sodiumReady())
        return Error {ErrorCode::Internal, QStringLiteral("libsodium cannot be initialised")};
    Status s = atomically([&]() -> Status {
        // The newest key seals: later than every key before it, even within one millisecond or a clock step back.
        auto newest = singleInteger(
            QStringLiteral("SELECT COALESCE(max(created_at), 0) FROM encryption_keys"), "Cannot read the keys");
        if (!newest)
            return newest.error();
        StoreStatement insert = statement(
            QStringLiteral("INSERT INTO encryption_keys(key_id, check_value, created_at, queue) VALUES (?, ?, ?, ?)"));
        insert.bind(1, key.id);
        // Bound without a copy on SQLite: it must live until the insert ran.
        const QByteArray checkValue
            = crypto::seal(key, StoreEncryption::checkText(), StoreEncryption::checkContext(key.id));
        insert.bind(2, checkValue);
        insert.bind(3, std::max(now, *newest + 1));
        insert.bindOrNull(4, queue);
        if (!insert.run())
            return insert.error(QStringLiteral("Cannot store the key %1").arg(key.id));
        AuditEntry audit;
        audit.at = now;
        audit.action = auditaction::keyAdd;
        audit.target = key.id;
        if (!queue.isEmpty())
            audit.detail = QString::fromUtf8(
                QJsonDocument(QJsonObject {{QStringLiteral("queue"), queue}}).toJson(QJsonDocument::Compact));
        return recordAudit(audit);
    });
    if (!s)
        return s;
    return loadEncryption();
}

Error TaskStore::notEncrypted(const QString& queue) const
{
    return Error {ErrorCode::InvalidArgument,
        queue.isEmpty() ? QStringLiteral("This database is not encrypted as a whole (only some queues are, if any)")
                        : QStringLiteral("Queue %1 has no key of its own").arg(queue)};
}

Result<ResealProgress> TaskStore::resealTasks(qint64 afterId, int limit, const QString& queue)
{
    if (!m_encryption)
        return Error {ErrorCode::InvalidArgument, QStringLiteral("This database is not encrypted")};
    ResealProgress progress;
    progress.lastId = afterId;
    // SQLite: the plain text a re-sealed value replaces is overwritten with zeros, not left in free space.
    if (m_dialect.engine == SqlDialect::Engine::Sqlite) {
        if (Status s = exec(QStringLiteral("PRAGMA secure_delete = ON")); !s)
            return s.error();
    }
    const auto resealBatch = [&]() -> Status {
        if (Status refreshed = refreshSealingKey(); !refreshed)
            return refreshed;
        const QString sealingId = m_encryption->scopeSealingKeyId(queue);
        if (sealingId.isEmpty())
            return notEncrypted(queue);
        if (!m_encryption->scopeSealingKey(queue))
            return m_encryption->noKeyError(queue);
        const auto stale
            = [&](const QByteArray& value) { return !value.isEmpty() && crypto::sealedKeyId(value) != sealingId; };
        struct Row {
            qint64 id;
            QByteArray fields[3];
            bool nulls[3];
        };
        QList<Row> rows;
        StoreStatement read
            = statement(QStringLiteral("SELECT id, payload, result, last_error FROM tasks t WHERE id > ? AND ")
                + scopeCondition(queue) + QStringLiteral(" ORDER BY id LIMIT ?") + m_dialect.lockTaskRow);
        int param = 1;
        read.bind(param++, afterId);
        if (!queue.isEmpty())
            read.bind(param++, queue);
        read.bind(param, limit);
        while (read.next())
            rows.append({read.integer(0), {read.utf8(1), read.utf8(2), read.utf8(3)},
                {read.isNull(1), read.isNull(2), read.isNull(3)}});
        if (!read.finish())
            return read.error(QStringLiteral("Cannot read tasks to re-seal"));
        progress.done = rows.size() < limit;
        static constexpr SealedField fields[] = {SealedField::Payload, SealedField::Result, SealedField::Error};
        static constexpr const char* columns[] = {"payload", "result", "last_error"};
        for (const Row& row : rows) {
            progress.lastId = row.id;
            bool changed = false;
            for (int f = 0; f < 3; ++f) {
                if (row.nulls[f] || !stale(row.fields[f]))
                    continue;
                auto plain = m_encryption->openField(fields[f], row.id, row.fields[f]);
                if (!plain)
                    return Error {
                        plain.error().code, QStringLiteral("Task %1: %2").arg(row.id).arg(plain.error().message)};
                auto sealedValue = m_encryption->sealWith(sealingId, fields[f], row.id, *plain);
                if (!sealedValue)
                    return sealedValue.error();
                StoreStatement update = statement(QLatin1String("UPDATE tasks SET ") + QLatin1String(columns[f])
                    + QLatin1String(" = ? WHERE id = ?"));
                update.bind(1, *sealedValue);
                update.bind(2, row.id);
                if (!update.run())
                    return update.error(QStringLiteral("Cannot re-seal task %1").arg(row.id));
                changed = true;
            }
            // The error is also in the history of failures and retries.
            StoreStatement events = statement(QStringLiteral(
                "SELECT id, detail FROM task_events WHERE task_id = ? AND kind IN ('failed', 'retry_scheduled')"));
            events.bind(1, row.id);
            QList<std::pair<qint64, QByteArray>> details;
            while (events.next()) {
                if (!events.isNull(1) && stale(events.utf8(1)))
                    details.append({events.integer(0), events.utf8(1)});
            }
            if (!events.finish())
                return events.error(QStringLiteral("Cannot read the history of task %1").arg(row.id));
            for (const auto& [eventId, detail] : details) {
                auto plain = m_encryption->openField(SealedField::EventDetail, row.id, detail);
                if (!plain)
                    return plain.error();
                auto sealedValue = m_encryption->sealWith(sealingId, SealedField::EventDetail, row.id, *plain);
                if (!sealedValue)
                    return sealedValue.error();
                StoreStatement update = statement(QStringLiteral("UPDATE task_events SET detail = ? WHERE id = ?"));
                update.bind(1, *sealedValue);
                update.bind(2, eventId);
                if (!update.run())
                    return update.error(QStringLiteral("Cannot re-seal the history of task %1").arg(row.id));
                changed = true;
            }
            if (changed)
                ++progress.resealed;
        }
        return success();
    };
    // On a server, a deadlock with the writers of workers running meanwhile rolls the batch back whole (nothing of it
    // was written): it is tried again.
    Status s = success();
    for (int attempt = 1;; ++attempt) {
        progress = ResealProgress {afterId, 0, false};
        s = atomically(resealBatch);
        if (s || s.error().code != ErrorCode::DatabaseLocked || inTransaction() || attempt == 10)
            break;
        QThread::msleep(10 * attempt);
    }
    if (!s)
        return s.error();
    return progress;
}

Status TaskStore::scrubLog()
{
    if (m_dialect.engine != SqlDialect::Engine::Sqlite)
        return success();
    return exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
}

Status TaskStore::retireOtherKeys(qint64 now, const QString& queue)
{
    if (!m_encryption)
        return Error {ErrorCode::InvalidArgument, QStringLiteral("This database is not encrypted")};
    return atomically([&]() -> Status {
        if (Status refreshed = refreshSealingKey(); !refreshed)
            return refreshed;
        const QString current = m_encryption->scopeSealingKeyId(queue);
        if (current.isEmpty())
            return notEncrypted(queue);
        StoreStatement left = statement(
            QStringLiteral("SELECT count(*) FROM tasks WHERE ((payload LIKE ? AND substr(payload, 8, 16) <> ?)"
                           " OR (result LIKE ? AND substr(result, 8, 16) <> ?) OR (last_error LIKE ? AND "
                           "substr(last_error, 8, 16) <> ?)) AND ")
            + scopeCondition(queue));
        for (int i = 0; i < 3; ++i) {
            left.bind(2 * i + 1, QString::fromLatin1(sealedPrefix));
            left.bind(2 * i + 2, current);
        }
        if (!queue.isEmpty())
            left.bind(7, queue);
        const qint64 remaining = left.next() ? left.integer(0) : 0;
        if (!left.finish())
            return left.error(QStringLiteral("Cannot count values sealed with old keys"));
        if (remaining > 0)
            return Error {ErrorCode::WrongState,
                QStringLiteral("%1 tasks still hold values sealed with an older key").arg(remaining)};
        StoreStatement retire = statement(
            QStringLiteral("UPDATE encryption_keys SET retired_at = ? WHERE key_id <> ? AND retired_at IS NULL AND ")
            + (queue.isEmpty() ? QStringLiteral("queue IS NULL") : QStringLiteral("queue = ?")));
        retire.bind(1, now);
        retire.bind(2, current);
        if (!queue.isEmpty())
            retire.bind(3, queue);
        if (!retire.run())
            return retire.error(QStringLiteral("Cannot retire old keys"));
        // The key left sealing; detail: how many keys were retired, and the queue they sealed.
        AuditEntry audit;
        audit.at = now;
        audit.action = auditaction::keysRetire;
        audit.target = current;
        QJsonObject detail {{QStringLiteral("retired"), retire.changes()}};
        if (!queue.isEmpty())
            detail.insert(QStringLiteral("queue"), queue);
        audit.detail = QString::fromUtf8(QJsonDocument(detail).toJson(QJsonDocument::Compact));
        return recordAudit(audit);
    });
}

} // namespace qd
