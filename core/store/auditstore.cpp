// The audit log: one row per admin action, written in the action's transaction; read newest first or streamed.
#include "taskstore_p.h"

#include <QDateTime>

namespace qd {

using namespace storeimpl;

namespace {

QString auditColumns()
{
    return QStringLiteral("id, at, actor, host, client, db_role, action, target, task_filter, task_count, detail");
}

AuditEntry auditFromRow(const StoreStatement& row)
{
    AuditEntry e;
    e.id = row.integer(0);
    e.at = row.integer(1);
    e.actor = row.text(2);
    e.host = row.text(3);
    e.client = row.text(4);
    e.dbRole = row.text(5);
    e.action = row.text(6);
    e.target = row.text(7);
    e.filter = row.text(8);
    e.count = row.isNull(9) ? -1 : row.integer(9);
    e.detail = row.text(10);
    return e;
}

WhereClause auditWhere(const AuditQuery& query)
{
    WhereClause where;
    if (query.since > 0)
        where.add(QStringLiteral("at >= ?"), {query.since});
    if (query.until > 0)
        where.add(QStringLiteral("at < ?"), {query.until});
    if (!query.action.isEmpty())
        where.add(QStringLiteral("action = ?"), {query.action});
    return where;
}

} // namespace

Status TaskStore::recordAudit(AuditEntry& entry)
{
    if (entry.actor.isEmpty())
        entry.actor = m_actor.user;
    if (entry.host.isEmpty())
        entry.host = m_actor.host;
    if (entry.client.isEmpty())
        entry.client = m_actor.client;
    if (entry.at == 0)
        entry.at = QDateTime::currentMSecsSinceEpoch();
    // One statement: inside a transaction a failure leaves it to the caller's action, which fails with it.
    return atomically(Undo::Transaction, [&]() -> Status {
        const bool returning = m_dialect.postgres;
        StoreStatement insert = statement(QStringLiteral("INSERT INTO audit_log(at, actor, host, client, db_role,"
                                                         " action, target, task_filter, task_count, detail)"
                                                         " VALUES (?, ?, ?, ?, ")
            + m_dialect.auditRole + QStringLiteral(", ?, ?, ?, ?, ?)")
            + (returning ? QStringLiteral(" RETURNING id") : QString()));
        insert.bind(1, entry.at);
        insert.bind(2, entry.actor);
        insert.bind(3, entry.host);
        insert.bind(4, entry.client);
        insert.bind(5, entry.action);
        insert.bindOrNull(6, entry.target);
        insert.bindOrNull(7, entry.filter);
        insert.bindOrNull(8, entry.count >= 0 ? std::optional<qint64>(entry.count) : std::nullopt);
        insert.bindOrNull(9, entry.detail);
        const bool row = insert.next();
        // Before finish(), which drops it (MariaDB).
        entry.id = returning ? (row ? insert.integer(0) : 0) : insert.lastInsertId();
        if (!insert.finish())
            return insert.error(QStringLiteral("Cannot record the action in the audit log"));
        return success();
    });
}

Status TaskStore::recordTaskAction(
    const QString& action, const TaskFilter& filter, qint64 count, qint64 now, AuditSpan* span)
{
    if (span && span->rowId > 0) {
        if (count == 0)
            return success();
        StoreStatement add = statement(QStringLiteral("UPDATE audit_log SET task_count = task_count + ? WHERE id = ?"));
        add.bind(1, count);
        add.bind(2, span->rowId);
        if (!add.run())
            return add.error(QStringLiteral("Cannot record the action in the audit log"));
        if (add.changes() > 0)
            return success();
        // The row's transaction was rolled back (a failed writer cycle): this part starts a new one.
    }
    AuditEntry entry;
    entry.at = now;
    entry.action = action;
    entry.filter = auditFilterText(span && span->filter ? *span->filter : filter);
    entry.count = count;
    if (Status s = recordAudit(entry); !s)
        return s;
    if (span)
        span->rowId = entry.id;
    return success();
}

Result<QList<AuditEntry>> TaskStore::auditEntries(const AuditQuery& query)
{
    if (!schemaHas(auditLogSchemaVersion))
        return QList<AuditEntry>();
    const WhereClause where = auditWhere(query);
    StoreStatement q = statement(QLatin1String("SELECT ") + auditColumns() + QLatin1String(" FROM audit_log WHERE ")
        + where.sql + QLatin1String(" ORDER BY id DESC") + (query.limit > 0 ? QStringLiteral(" LIMIT ?") : QString()));
    bindAll(q, where.values);
    if (query.limit > 0)
        q.bind(int(where.values.size() + 1), qint64(query.limit));
    QList<AuditEntry> rows;
    while (q.next())
        rows.append(auditFromRow(q));
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read the audit log"));
    return rows;
}

Status TaskStore::forEachAuditEntry(const AuditQuery& query, const std::function<bool(const AuditEntry&)>& fn)
{
    if (!schemaHas(auditLogSchemaVersion))
        return success();
    constexpr int batch = 1000;
    const WhereClause where = auditWhere(query);
    StoreStatement q = statement(QLatin1String("SELECT ") + auditColumns() + QLatin1String(" FROM audit_log WHERE ")
        + where.sql + QLatin1String(" AND id > ? ORDER BY id LIMIT ") + QString::number(batch));
    qint64 lastId = 0;
    for (;;) {
        bindAll(q, where.values);
        q.bind(int(where.values.size() + 1), lastId);
        int rows = 0;
        while (q.next()) {
            const AuditEntry entry = auditFromRow(q);
            lastId = entry.id;
            ++rows;
            if (!fn(entry)) {
                q.stop();
                return success();
            }
        }
        if (!q.finish())
            return q.error(QStringLiteral("Cannot read the audit log"));
        if (rows < batch)
            return success();
    }
}

Result<qint64> TaskStore::countAuditEntries(const AuditQuery& query)
{
    if (!schemaHas(auditLogSchemaVersion))
        return qint64(0);
    const WhereClause where = auditWhere(query);
    StoreStatement q = statement(QLatin1String("SELECT count(*) FROM audit_log WHERE ") + where.sql);
    bindAll(q, where.values);
    const qint64 n = q.next() ? q.integer(0) : 0;
    if (!q.finish())
        return q.error(QStringLiteral("Cannot count the audit log's rows"));
    return n;
}

} // namespace qd
