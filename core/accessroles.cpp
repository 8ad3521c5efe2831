#include "accessroles.h"

namespace qd {

namespace {

constexpr AccessLevel grantedLevels[] = {AccessLevel::Viewer, AccessLevel::Operator, AccessLevel::Admin};

// What the operator may change beyond the viewer's SELECT on everything: the writes of enqueue, retry, run now,
// cancel, pause and resume with their audit rows, and those of a process running workers (claims and results,
// counts, heartbeats, the metrics history, lease renewal, the alert monitor's lease and history, sources' run
// states and relay cursors). Not: DELETE on tasks or their history (purge), settings, keys, producer keys, alert
// rules, sources, queue settings other than `paused`, the schema.
struct TableGrant {
    const char* table;
    const char* privileges;
};
constexpr TableGrant operatorGrants[] = {
    {"tasks", "INSERT, UPDATE"},
    {"task_events", "INSERT"},
    {"task_counts", "INSERT, UPDATE"},
    {"queues", "INSERT, UPDATE (paused)"},
    {"audit_log", "INSERT, UPDATE (task_count)"},
    {"processes", "INSERT, UPDATE, DELETE"},
    {"metrics", "INSERT, UPDATE, DELETE"},
    {"metrics_cursor", "INSERT, UPDATE"},
    {"source_states", "INSERT, UPDATE, DELETE"},
    {"source_cursors", "INSERT, UPDATE"},
    {"alert_monitor", "UPDATE"},
    {"alert_history", "INSERT"},
};

QString quotedIdentifier(RoleServer server, const QString& name)
{
    if (server == RoleServer::MariaDb)
        return QLatin1Char('`') + QString(name).replace(QLatin1Char('`'), QLatin1String("``")) + QLatin1Char('`');
    return QLatin1Char('"') + QString(name).replace(QLatin1Char('"'), QLatin1String("\"\"")) + QLatin1Char('"');
}

QString quotedString(const QString& text)
{
    return QLatin1Char('\'') + QString(text).replace(QLatin1Char('\''), QLatin1String("''")) + QLatin1Char('\'');
}

} // namespace

QString accessLevelName(AccessLevel level)
{
    switch (level) {
    case AccessLevel::None:
        return QStringLiteral("none");
    case AccessLevel::Viewer:
        return QStringLiteral("viewer");
    case AccessLevel::Operator:
        return QStringLiteral("operator");
    case AccessLevel::Admin:
        return QStringLiteral("admin");
    }
    return QStringLiteral("none");
}

QString accessRoleName(AccessLevel level)
{
    return QStringLiteral("queuedesk_") + accessLevelName(level);
}

std::optional<AccessLevel> parseAccessLevel(const QString& text)
{
    for (AccessLevel level : grantedLevels) {
        if (text == accessLevelName(level) || text == accessRoleName(level))
            return level;
    }
    return std::nullopt;
}

QString quotedLogin(RoleServer server, const QString& login)
{
    if (server == RoleServer::Postgres)
        return quotedIdentifier(server, login);
    const qsizetype at = login.lastIndexOf(QLatin1Char('@'));
    const QString user = at < 0 ? login : login.left(at);
    const QString host = at < 0 ? QStringLiteral("%") : login.mid(at + 1);
    return quotedString(user) + QLatin1Char('@') + quotedString(host);
}

QStringList roleInstallStatements(RoleServer server, const QString& schema)
{
    const QString viewer = accessRoleName(AccessLevel::Viewer), operatorRole = accessRoleName(AccessLevel::Operator),
                  admin = accessRoleName(AccessLevel::Admin);
    const QString s = quotedIdentifier(server, schema);
    QStringList sql;
    for (AccessLevel level : grantedLevels) {
        const QString role = accessRoleName(level);
        sql.append(server == RoleServer::MariaDb
                ? QStringLiteral("CREATE ROLE IF NOT EXISTS %1").arg(role)
                : QStringLiteral(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '%1') THEN "
                    "CREATE ROLE %1 NOLOGIN; END IF; END $$")
                      .arg(role));
    }
    // Each level holds the one below it, so a login needs one role.
    sql.append(QStringLiteral("GRANT %1 TO %2").arg(viewer, operatorRole));
    sql.append(QStringLiteral("GRANT %1 TO %2").arg(operatorRole, admin));
    if (server == RoleServer::MariaDb) {
        // Database-wide grants cover the tables later migrations add; the operator's are per table.
        sql.append(QStringLiteral("GRANT SELECT ON %1.* TO %2").arg(s, viewer));
        for (const TableGrant& grant : operatorGrants)
            sql.append(QStringLiteral("GRANT %1 ON %2.%3 TO %4")
                           .arg(QLatin1String(grant.privileges), s, QLatin1String(grant.table), operatorRole));
        // Creating a missing queue is INSERT ... ON DUPLICATE KEY UPDATE name = name here (mariadbdialect.cpp),
        // which MariaDB lets run only with UPDATE on every column it inserts (none of which it changes).
        sql.append(QStringLiteral("GRANT UPDATE (name, created_at) ON %1.queues TO %2").arg(s, operatorRole));
        // Every write transaction bumps the change counter (see TaskStore::commit()).
        sql.append(QStringLiteral("GRANT UPDATE ON %1.queuedesk_changes TO %2").arg(s, operatorRole));
        sql.append(QStringLiteral("GRANT ALL PRIVILEGES ON %1.* TO %2").arg(s, admin));
        return sql;
    }
    sql.append(QStringLiteral("GRANT USAGE ON SCHEMA %1 TO %2").arg(s, viewer));
    sql.append(QStringLiteral("GRANT SELECT ON ALL TABLES IN SCHEMA %1 TO %2").arg(s, viewer));
    for (const TableGrant& grant : operatorGrants)
        sql.append(QStringLiteral("GRANT %1 ON %2.%3 TO %4")
                       .arg(QLatin1String(grant.privileges), s, QLatin1String(grant.table), operatorRole));
    sql.append(QStringLiteral("GRANT USAGE ON ALL SEQUENCES IN SCHEMA %1 TO %2").arg(s, operatorRole));
    sql.append(QStringLiteral("GRANT ALL ON ALL TABLES IN SCHEMA %1 TO %2").arg(s, admin));
    sql.append(QStringLiteral("GRANT ALL ON ALL SEQUENCES IN SCHEMA %1 TO %2").arg(s, admin));
    // Tables a later migration creates (as the role running this, the owner): the viewer and the admin get theirs at
    // once; the operator's are per table, so `roles install` runs again after an upgrade.
    sql.append(QStringLiteral("ALTER DEFAULT PRIVILEGES IN SCHEMA %1 GRANT SELECT ON TABLES TO %2").arg(s, viewer));
    sql.append(QStringLiteral("ALTER DEFAULT PRIVILEGES IN SCHEMA %1 GRANT ALL ON TABLES TO %2").arg(s, admin));
    sql.append(QStringLiteral("ALTER DEFAULT PRIVILEGES IN SCHEMA %1 GRANT ALL ON SEQUENCES TO %2").arg(s, admin));
    return sql;
}

QStringList roleGrantStatements(
    RoleServer server, const QString& login, AccessLevel level, const QStringList& heldRoles)
{
    const QString who = quotedLogin(server, login);
    const QString role = accessRoleName(level);
    QStringList sql;
    for (const QString& held : heldRoles) {
        if (held != role && parseAccessLevel(held))
            sql.append(QStringLiteral("REVOKE %1 FROM %2").arg(held, who));
    }
    sql.append(QStringLiteral("GRANT %1 TO %2").arg(role, who));
    // MariaDB activates no role at connect unless it is the login's default one.
    if (server == RoleServer::MariaDb)
        sql.append(QStringLiteral("SET DEFAULT ROLE %1 FOR %2").arg(role, who));
    return sql;
}

} // namespace qd
