// Alert rules (schema 4): their definitions, their history, and the lease of the one process that evaluates them.
#include "taskstore_p.h"

#include <QDateTime>

#include <cmath>

namespace qd {

using namespace storeimpl;

Status TaskStore::recordRuleAudit(const QString& action, qint64 ruleId, qint64 now, const QByteArray& definition)
{
    AuditEntry entry;
    entry.at = now;
    entry.action = action;
    entry.target = QString::number(ruleId);
    entry.detail = QString::fromUtf8(definition);
    return recordAudit(entry);
}

Result<QList<AlertRuleRecord>> TaskStore::alertRules()
{
    QSqlQuery& q
        = prepared(QStringLiteral("SELECT id, definition, created_at, updated_at FROM alert_rules ORDER BY id"));
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the alert rules"));
    QList<AlertRuleRecord> rules;
    while (q.next())
        rules.append(AlertRuleRecord {
            q.value(0).toLongLong(), q.value(1).toString().toUtf8(), q.value(2).toLongLong(), q.value(3).toLongLong()});
    q.finish();
    return rules;
}

Result<qint64> TaskStore::addAlertRule(const QByteArray& definition, qint64 now)
{
    qint64 id = 0;
    const Status added = atomically([&]() -> Status {
        // The new id: RETURNING where the driver gives its row back (not Qt's MySQL driver), else the insert id.
        const bool returning = m_dialect.postgres;
        QSqlQuery& q
            = prepared(QStringLiteral("INSERT INTO alert_rules(definition, created_at, updated_at) VALUES (?, ?, ?)")
                + (returning ? QStringLiteral(" RETURNING id") : QString()));
        q.bindValue(0, QString::fromUtf8(definition));
        q.bindValue(1, now);
        q.bindValue(2, now);
        if (!q.exec() || (returning && !q.next()))
            return sqlError(q.lastError(), QStringLiteral("Cannot add the alert rule"));
        id = returning ? q.value(0).toLongLong() : q.lastInsertId().toLongLong();
        q.finish();
        return recordRuleAudit(auditaction::alertRuleAdd, id, now, definition);
    });
    if (!added)
        return added.error();
    return id;
}

Status TaskStore::updateAlertRule(qint64 id, const QByteArray& definition, qint64 now)
{
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("UPDATE alert_rules SET definition = ?, updated_at = ? WHERE id = ?"));
        q.bindValue(0, QString::fromUtf8(definition));
        q.bindValue(1, now);
        q.bindValue(2, id);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot change the alert rule %1").arg(id));
        if (q.numRowsAffected() == 0)
            return Error {ErrorCode::NotFound, QStringLiteral("There is no alert rule %1").arg(id)};
        return recordRuleAudit(auditaction::alertRuleChange, id, now, definition);
    });
}

Status TaskStore::removeAlertRule(qint64 id)
{
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("DELETE FROM alert_rules WHERE id = ?"));
        q.bindValue(0, id);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot remove the alert rule %1").arg(id));
        if (q.numRowsAffected() == 0)
            return Error {ErrorCode::NotFound, QStringLiteral("There is no alert rule %1").arg(id)};
        return recordRuleAudit(auditaction::alertRuleRemove, id, QDateTime::currentMSecsSinceEpoch(), {});
    });
}

Result<std::optional<QByteArray>> TaskStore::takeAlertMonitor(const QString& owner, qint64 now, qint64 leaseMs)
{
    std::optional<QByteArray> states;
    const Status taken = atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("UPDATE alert_monitor SET owner = ?, lease_expires_at = ? WHERE id = 1"
                                               " AND (owner IS NULL OR owner = ? OR lease_expires_at < ?)"));
        q.bindValue(0, owner);
        q.bindValue(1, now + leaseMs);
        q.bindValue(2, owner);
        q.bindValue(3, now);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot take the alert monitor's lease"));
        const bool held = q.numRowsAffected() > 0;
        q.finish();
        if (!held)
            return success();
        QSqlQuery& read = prepared(QStringLiteral("SELECT states FROM alert_monitor WHERE id = 1"));
        if (!read.exec() || !read.next())
            return sqlError(read.lastError(), QStringLiteral("Cannot read the alert states"));
        states = read.value(0).toString().toUtf8();
        read.finish();
        return success();
    });
    if (!taken)
        return taken.error();
    return states;
}

Status TaskStore::saveAlertEvaluation(
    const QString& owner, const QByteArray& states, const QList<AlertHistoryRecord>& changes)
{
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("UPDATE alert_monitor SET states = ? WHERE id = 1 AND owner = ?"));
        q.bindValue(0, QString::fromUtf8(states));
        q.bindValue(1, owner);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot save the alert states"));
        if (q.numRowsAffected() == 0)
            return Error {ErrorCode::WrongState,
                QStringLiteral("Another process evaluates the alert rules now (%1 lost its lease)").arg(owner)};
        q.finish();
        return recordAlertHistory(changes);
    });
}

Status TaskStore::recordAlertHistory(const QList<AlertHistoryRecord>& records)
{
    if (records.isEmpty())
        return success();
    return atomically([&]() -> Status {
        QSqlQuery& add = prepared(QStringLiteral(
            "INSERT INTO alert_history(rule_id, rule_name, kind, at, figure, message) VALUES (?, ?, ?, ?, ?, ?)"));
        for (const AlertHistoryRecord& record : records) {
            add.bindValue(0, record.ruleId);
            add.bindValue(1, record.ruleName);
            add.bindValue(2, record.kind);
            add.bindValue(3, record.at);
            // A figure of "never" (a queue that will not drain) or none (a command without an exit code) is NULL.
            add.bindValue(4, std::isfinite(record.figure) ? QVariant(record.figure) : QVariant());
            add.bindValue(5, record.message);
            if (!add.exec())
                return sqlError(add.lastError(), QStringLiteral("Cannot record the alert history"));
        }
        return success();
    });
}

Status TaskStore::releaseAlertMonitor(const QString& owner)
{
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(
            QStringLiteral("UPDATE alert_monitor SET owner = NULL, lease_expires_at = 0 WHERE id = 1 AND owner = ?"));
        q.bindValue(0, owner);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot give the alert monitor's lease up"));
        return success();
    });
}

Result<AlertMonitorRecord> TaskStore::alertMonitorRecord()
{
    QSqlQuery& q = prepared(QStringLiteral("SELECT owner, lease_expires_at, states FROM alert_monitor WHERE id = 1"));
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the alert states"));
    AlertMonitorRecord record;
    if (q.next())
        record = AlertMonitorRecord {q.value(0).toString(), q.value(1).toLongLong(), q.value(2).toString().toUtf8()};
    q.finish();
    return record;
}

Result<QList<AlertHistoryRecord>> TaskStore::alertHistory(qint64 from, int limit)
{
    QSqlQuery& q = prepared(QStringLiteral("SELECT id, rule_id, rule_name, kind, at, figure, message FROM alert_history"
                                           " WHERE at >= ? ORDER BY id DESC LIMIT ?"));
    q.bindValue(0, from);
    q.bindValue(1, limit);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the alert history"));
    QList<AlertHistoryRecord> history;
    while (q.next()) {
        history.append(AlertHistoryRecord {q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toString(),
            q.value(3).toString(), q.value(4).toLongLong(),
            q.value(5).isNull() ? std::numeric_limits<double>::infinity() : q.value(5).toDouble(),
            q.value(6).toString()});
    }
    q.finish();
    return history;
}

} // namespace qd
