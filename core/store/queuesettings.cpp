// Queue rows: listing, creating on first use, and their settings (pause, concurrency, retries).
#include "taskstore_p.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace qd {

using namespace storeimpl;

namespace {

// The audit row of a change to one queue (or "*": every queue).
AuditEntry queueAudit(const QString& action, const QString& queue, qint64 now, const QJsonObject& detail = {})
{
    AuditEntry entry;
    entry.at = now;
    entry.action = action;
    entry.target = queue.isEmpty() ? QStringLiteral("*") : queue;
    if (!detail.isEmpty())
        entry.detail = QString::fromUtf8(QJsonDocument(detail).toJson(QJsonDocument::Compact));
    return entry;
}

} // namespace

Result<QList<QueueConfig>> TaskStore::queues()
{
    // Before schema 12 (a read-only store of an older database) no queue requires signed tasks.
    static const QString columns = QStringLiteral("SELECT name, paused, concurrency, max_attempts, timeout_ms,"
                                                  " backoff_base_ms, backoff_max_ms, backoff_jitter, ");
    static const QString withFlag = columns + QStringLiteral("require_signed FROM queues ORDER BY name");
    static const QString withoutFlag = columns + QStringLiteral("0 FROM queues ORDER BY name");
    QSqlQuery& q = prepared(schemaHas(signedTasksSchemaVersion) ? withFlag : withoutFlag);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read queues"));
    QList<QueueConfig> result;
    while (q.next()) {
        QueueConfig c;
        c.name = q.value(0).toString();
        c.paused = q.value(1).toBool();
        c.concurrency = q.value(2).toInt();
        c.maxAttempts = q.value(3).toInt();
        c.timeoutMs = q.value(4).toInt();
        c.retryPolicy = {q.value(5).toLongLong(), q.value(6).toLongLong(), q.value(7).toDouble()};
        c.requireSigned = q.value(8).toBool();
        result.append(c);
    }
    q.finish();
    return result;
}

Status TaskStore::ensureQueue(const QString& name, qint64 now)
{
    QSqlQuery& q = prepared(m_dialect.ensureQueue);
    q.bindValue(QStringLiteral(":name"), name);
    q.bindValue(QStringLiteral(":now"), now);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot create queue %1").arg(name));
    return success();
}

Status TaskStore::setQueueConfig(const QueueConfig& c, qint64 now)
{
    return atomically([&]() -> Status {
        if (Status s = ensureQueue(c.name, now); !s)
            return s;
        QSqlQuery& q = prepared(QStringLiteral("UPDATE queues SET paused = ?, concurrency = ?, max_attempts = ?,"
                                               " timeout_ms = ?, backoff_base_ms = ?, backoff_max_ms = ?,"
                                               " backoff_jitter = ? WHERE name = ?"));
        q.bindValue(0, c.paused ? 1 : 0);
        q.bindValue(1, c.concurrency);
        q.bindValue(2, c.maxAttempts);
        q.bindValue(3, c.timeoutMs);
        q.bindValue(4, c.retryPolicy.baseDelayMs);
        q.bindValue(5, c.retryPolicy.maxDelayMs);
        q.bindValue(6, c.retryPolicy.jitter);
        q.bindValue(7, c.name);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot configure queue %1").arg(c.name));
        AuditEntry audit = queueAudit(auditaction::queueSettings, c.name, now,
            {{QStringLiteral("paused"), c.paused}, {QStringLiteral("concurrency"), c.concurrency},
                {QStringLiteral("max_attempts"), c.maxAttempts}, {QStringLiteral("timeout_ms"), c.timeoutMs},
                {QStringLiteral("backoff_base_ms"), c.retryPolicy.baseDelayMs},
                {QStringLiteral("backoff_max_ms"), c.retryPolicy.maxDelayMs},
                {QStringLiteral("backoff_jitter"), c.retryPolicy.jitter}});
        return recordAudit(audit);
    });
}

Status TaskStore::setPaused(const QString& queue, bool paused, qint64 now)
{
    return atomically([&]() -> Status {
        if (!queue.isEmpty()) {
            if (Status s = ensureQueue(queue, now); !s)
                return s;
        }
        QSqlQuery q(m_db);
        q.prepare(queue.isEmpty() ? QStringLiteral("UPDATE queues SET paused = ?")
                                  : QStringLiteral("UPDATE queues SET paused = ? WHERE name = ?"));
        q.bindValue(0, paused ? 1 : 0);
        if (!queue.isEmpty())
            q.bindValue(1, queue);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot pause or resume"));
        AuditEntry audit = queueAudit(paused ? auditaction::pause : auditaction::resume, queue, now);
        return recordAudit(audit);
    });
}

Status TaskStore::setConcurrency(const QString& queue, int concurrency, qint64 now)
{
    return atomically([&]() -> Status {
        if (Status s = ensureQueue(queue, now); !s)
            return s;
        QSqlQuery& q = prepared(QStringLiteral("UPDATE queues SET concurrency = ? WHERE name = ?"));
        q.bindValue(0, concurrency);
        q.bindValue(1, queue);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot set the concurrency of %1").arg(queue));
        AuditEntry audit
            = queueAudit(auditaction::concurrency, queue, now, {{QStringLiteral("concurrency"), concurrency}});
        return recordAudit(audit);
    });
}

} // namespace qd
