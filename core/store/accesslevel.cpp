// What this connection may do (TaskStore::accessLevel()), asked of the server once at connect: PostgreSQL's
// privileges on `tasks`, MariaDB's active QueueDesk role or the login's own privileges. A viewer's store turns
// read-only, as if opened so.
#include "taskstore_p.h"

#include "core/databaseurl.h"

namespace qd {

using namespace storeimpl;

namespace {

// DELETE on tasks (purge) is the admin's, UPDATE the operator's, SELECT the viewer's.
const QString postgresLevel = QStringLiteral(
    "SELECT CASE WHEN to_regclass('tasks') IS NULL THEN"
    " CASE WHEN current_schema() IS NOT NULL AND has_schema_privilege(current_schema(), 'CREATE') THEN 3 ELSE 0 END"
    " WHEN has_table_privilege('tasks', 'DELETE') THEN 3 WHEN has_table_privilege('tasks', 'UPDATE') THEN 2"
    " WHEN has_table_privilege('tasks', 'SELECT') THEN 1 ELSE 0 END");

// MariaDB's information_schema shows a role's privileges nowhere, so the roles count by name; a login's own
// privileges (global, on this database, on `tasks`) by kind.
const QString mariaDbGrantee
    = QStringLiteral("CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), "
                     "'@', -1), '''')");
const QString mariaDbPrivilegeLevel = QStringLiteral(
    "max(CASE PRIVILEGE_TYPE WHEN 'DELETE' THEN 3 WHEN 'UPDATE' THEN 2 WHEN 'SELECT' THEN 1 ELSE 0 END)");
const QString mariaDbLevel = QStringLiteral(
    "SELECT GREATEST("
    "COALESCE((SELECT max(CASE ROLE_NAME WHEN 'queuedesk_admin' THEN 3 WHEN 'queuedesk_operator' THEN 2"
    " WHEN 'queuedesk_viewer' THEN 1 ELSE 0 END) FROM information_schema.ENABLED_ROLES), 0),"
    " COALESCE((SELECT %1 FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = %2), 0),"
    " COALESCE((SELECT %1 FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = %2"
    " AND TABLE_SCHEMA = DATABASE()), 0),"
    " COALESCE((SELECT %1 FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = %2"
    " AND TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tasks'), 0))")
                                 .arg(mariaDbPrivilegeLevel, mariaDbGrantee);

} // namespace

AccessLevel TaskStore::accessLevel() const
{
    return m_options.readOnly ? std::min(m_access, AccessLevel::Viewer) : m_access;
}

// MariaDB activates a role at connect only when it is the login's default one: a login granted a QueueDesk role
// without that (granted by hand) gets its highest one here, for this session.
Status TaskStore::activateMariaDbRole()
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT ROLE_NAME FROM information_schema.APPLICABLE_ROLES WHERE CURRENT_ROLE() IS NULL"
                               " AND GRANTEE = CURRENT_USER() AND ROLE_NAME IN ('queuedesk_admin',"
                               " 'queuedesk_operator', 'queuedesk_viewer')")))
        return sqlError(q.lastError(), QStringLiteral("Cannot read the roles of %1").arg(m_url->displayName()));
    AccessLevel best = AccessLevel::None;
    while (q.next())
        best = std::max(best, parseAccessLevel(q.value(0).toString()).value_or(AccessLevel::None));
    q.finish();
    if (best == AccessLevel::None)
        return success();
    return exec(QStringLiteral("SET ROLE ") + accessRoleName(best));
}

Status TaskStore::detectAccessLevel()
{
    if (!m_dialect.server) {
        m_access = AccessLevel::Admin; // a file: what the file system allows (a read-only one opens read-only)
        return success();
    }
    const auto level = singleInteger(isMariaDb() ? mariaDbLevel : postgresLevel, "Cannot read this login's privileges");
    if (!level)
        return level.error();
    m_access = AccessLevel(std::clamp(int(*level), 0, int(AccessLevel::Admin)));
    if (m_access == AccessLevel::None)
        return Error {ErrorCode::ReadOnly,
            QStringLiteral("%1: the login %2 may not read QueueDesk's tables here; an admin grants access with "
                           "queuedesk-cli roles grant %2 viewer|operator|admin")
                .arg(m_url->displayName(), m_url->user)};
    if (m_access == AccessLevel::Viewer && !m_options.readOnly) {
        // The session refuses writes itself, and every part of the program that asks isReadOnly() leaves them out.
        m_options.readOnly = true;
        return exec(isMariaDb() ? QStringLiteral("SET SESSION TRANSACTION READ ONLY")
                                : QStringLiteral("SET default_transaction_read_only = on"));
    }
    return success();
}

} // namespace qd
