// `queuedesk-cli roles`: the statements that install QueueDesk's three roles on this server and give a login one of
// them (core/accessroles.cpp writes them), running them, and who holds which.
#include "taskstore_p.h"

#include "core/databaseurl.h"

namespace qd {

using namespace storeimpl;

namespace {

Error noRoles()
{
    return Error {ErrorCode::InvalidArgument,
        QStringLiteral("A SQLite file has no roles: who may change it is who may write the file (open it read-only "
                       "to look without writing)")};
}

// MariaDB grants a new role to its creator WITH ADMIN OPTION: such rows are not a login's access.
const QString mariaDbMembers = QStringLiteral(
    "SELECT CONCAT(m.User, '@', m.Host), m.Role, COALESCE(u.default_role = m.Role, 0) FROM mysql.roles_mapping m"
    " LEFT JOIN mysql.user u ON u.User = m.User AND u.Host = m.Host"
    " WHERE m.Host <> '' AND m.Admin_option = 'N' AND m.Role IN ('queuedesk_admin', 'queuedesk_operator', "
    "'queuedesk_viewer')"
    " ORDER BY 1, 2");
const QString mariaDbOwnRoles = QStringLiteral(
    "SELECT GRANTEE, ROLE_NAME, IS_DEFAULT = 'YES' FROM information_schema.APPLICABLE_ROLES"
    " WHERE GRANTEE = CURRENT_USER() AND ROLE_NAME IN ('queuedesk_admin', 'queuedesk_operator', 'queuedesk_viewer')");
const QString postgresMembers = QStringLiteral(
    "SELECT m.rolname, r.rolname, 1 FROM pg_catalog.pg_auth_members a"
    " JOIN pg_catalog.pg_roles r ON r.oid = a.roleid JOIN pg_catalog.pg_roles m ON m.oid = a.member"
    " WHERE r.rolname IN ('queuedesk_admin', 'queuedesk_operator', 'queuedesk_viewer')"
    " AND m.rolname NOT IN ('queuedesk_admin', 'queuedesk_operator', 'queuedesk_viewer') ORDER BY 1, 2");

} // namespace

Result<QStringList> TaskStore::roleInstallSql()
{
    if (!m_dialect.server)
        return noRoles();
    QSqlQuery q(m_db);
    if (!q.exec(isMariaDb() ? QStringLiteral("SELECT DATABASE()") : QStringLiteral("SELECT current_schema()"))
        || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the schema of %1").arg(m_url->displayName()));
    return roleInstallStatements(isMariaDb() ? RoleServer::MariaDb : RoleServer::Postgres, q.value(0).toString());
}

Result<QStringList> TaskStore::roleGrantSql(const QString& login, AccessLevel level)
{
    if (!m_dialect.server)
        return noRoles();
    const Result<QList<RoleMember>> members = roleMembers();
    if (!members)
        return members.error();
    const RoleServer server = isMariaDb() ? RoleServer::MariaDb : RoleServer::Postgres;
    // MariaDB's user@host as the mapping table spells it (host % when not given).
    const QString who
        = server == RoleServer::MariaDb && !login.contains(QLatin1Char('@')) ? login + QLatin1String("@%") : login;
    QStringList held;
    for (const RoleMember& member : *members) {
        if (member.login == who)
            held.append(member.role);
    }
    return roleGrantStatements(server, who, level, held);
}

Status TaskStore::runRoleStatements(const QStringList& statements)
{
    if (!m_dialect.server)
        return noRoles();
    // PostgreSQL: all or nothing. MariaDB commits each GRANT by itself; every statement may run again.
    const bool transaction = m_dialect.postgres && m_txDepth == 0;
    if (transaction) {
        if (Status s = begin(); !s)
            return s;
    }
    for (const QString& statement : statements) {
        if (Status s = exec(statement); !s) {
            if (transaction)
                rollback();
            return Error {s.error().code, QStringLiteral("%1 (in: %2)").arg(s.errorString(), statement)};
        }
    }
    return transaction ? commit() : success();
}

Result<QList<RoleMember>> TaskStore::roleMembers()
{
    if (!m_dialect.server)
        return noRoles();
    QSqlQuery q(m_db);
    // MariaDB's mapping table is readable only with rights on the `mysql` database: other logins see their own roles.
    const bool ok = q.exec(isMariaDb() ? mariaDbMembers : postgresMembers) || (isMariaDb() && q.exec(mariaDbOwnRoles));
    if (!ok)
        return sqlError(q.lastError(), QStringLiteral("Cannot read the roles of %1").arg(m_url->displayName()));
    QList<RoleMember> members;
    while (q.next())
        members.append(RoleMember {q.value(0).toString(), q.value(1).toString(), q.value(2).toBool()});
    return members;
}

} // namespace qd
