#pragma once

#include "auditactor.h"
#include "task.h"

#include <QList>
#include <QString>

#include <optional>

namespace qd {

// One row of `audit_log`: an admin action, who did it, when, on what and how many tasks it changed. Written in the
// transaction of the action itself (TaskStore::recordAudit), so the two commit or fail together; purges leave it.
struct AuditEntry {
    qint64 id = 0;
    qint64 at = 0; // ms since the epoch; 0 when recorded: now
    QString actor; // OS user; empty when recorded: the store's actor (StoreOptions::actor)
    QString host;
    QString client; // "gui", "cli" or a program's name
    QString dbRole; // PostgreSQL and MariaDB: the session's database role; empty on SQLite
    QString action; // one of auditActionNames()
    QString target; // a queue ("*": every queue), an alert rule's id, a key id, a source's name, a process's id;
                    // empty for task actions
    QString filter; // the TaskFilter as compact JSON (auditFilterText); empty when the action takes none
    qint64 count = -1; // tasks the action created or changed; -1 when it is not about tasks
    QString detail; // a JSON object's text with what else the action set; empty when nothing
};

// What to read of the audit log.
struct AuditQuery {
    qint64 since = 0; // rows with at >= since
    qint64 until = 0; // and at < until; 0: no bound
    QString action; // empty: every action
    int limit = 0; // newest rows first, at most this many; 0: no limit
};

// The actions the log knows, in the order a user picks them.
namespace auditaction {
inline const QString enqueue = QStringLiteral("enqueue");
inline const QString retry = QStringLiteral("retry");
inline const QString runNow = QStringLiteral("run-now");
inline const QString cancel = QStringLiteral("cancel");
inline const QString purge = QStringLiteral("purge");
inline const QString pause = QStringLiteral("pause");
inline const QString resume = QStringLiteral("resume");
inline const QString concurrency = QStringLiteral("concurrency");
inline const QString queueSettings = QStringLiteral("queue-settings");
inline const QString settings = QStringLiteral("settings"); // the database's settings (TaskStore::recordAudit)
inline const QString alertRuleAdd = QStringLiteral("alert-rule-add");
inline const QString alertRuleChange = QStringLiteral("alert-rule-change");
inline const QString alertRuleRemove = QStringLiteral("alert-rule-remove");
inline const QString keyAdd = QStringLiteral("key-add");
inline const QString keysRetire = QStringLiteral("keys-retire");
inline const QString producerKeyAdd = QStringLiteral("producer-key-add");
inline const QString producerKeyRevoke = QStringLiteral("producer-key-revoke");
inline const QString requireSigned = QStringLiteral("require-signed");
inline const QString sourceAdd = QStringLiteral("source-add"); // a spool, AMQP bridge or events-out source
inline const QString sourcePause = QStringLiteral("source-pause");
inline const QString sourceResume = QStringLiteral("source-resume");
inline const QString sourceRemove = QStringLiteral("source-remove");
inline const QString processForget = QStringLiteral("process-forget"); // a lost process's heartbeat row removed
} // namespace auditaction
const QStringList& auditActionNames();

// A filter as compact JSON with only the fields it sets ("{}": every task); more than 20 ids are written as their
// count, first and last, so a bulk action over a million ids stays one short row.
QString auditFilterText(const TaskFilter& filter);

// Ties the transactions of one admin action done in parts (a purge in batches, a window's bulk action in chunks of
// ids) to one audit row: the first part inserts it, each later part adds its count to it. The caller keeps it
// across the parts and waits for each.
struct AuditSpan {
    qint64 rowId = 0; // set by the first part
    std::optional<TaskFilter> filter; // recorded instead of the first part's filter (the user's, not a chunk's)
};

// Whether an enqueue leaves an audit row: an admin's (the window, `queuedesk-cli enqueue`) does, one per call; tasks
// that programs, bridges and spools enqueue at volume do not.
enum class EnqueueAudit { Skip, Record };

} // namespace qd
