#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace qd {

// What a connection may do to a QueueDesk database, least first. Found at connect (TaskStore::accessLevel()):
// from the server's privileges on PostgreSQL and MariaDB; a read-only store is a viewer, a writable SQLite file an
// admin.
enum class AccessLevel {
    None, // may not even read the tasks
    Viewer, // reads everything the window shows
    Operator, // also enqueue, retry, run now, cancel, pause and resume, and run workers
    Admin, // everything: purge, settings, keys, alert rules, queue settings (the owner is one too)
};

// "viewer", "operator", "admin" ("none").
QString accessLevelName(AccessLevel level);
// The group role that grants a level on a server: queuedesk_viewer, queuedesk_operator, queuedesk_admin.
QString accessRoleName(AccessLevel level);
// Either form above; nothing for anything else (and for "none").
std::optional<AccessLevel> parseAccessLevel(const QString& text);

// The statements `queuedesk-cli roles install` runs, and what they grant (see core/accessroles.cpp for the lists).
// `schema`: PostgreSQL's schema, or MariaDB's database, that holds QueueDesk's tables.
enum class RoleServer { Postgres, MariaDb };
QStringList roleInstallStatements(RoleServer server, const QString& schema);
// A login's one QueueDesk role: the other two revoked (`heldRoles`: the ones it has now), `level`'s granted and, on
// MariaDB, made its default role. `login`: PostgreSQL's role name, or MariaDB's user@host (host % when missing).
QStringList roleGrantStatements(
    RoleServer server, const QString& login, AccessLevel level, const QStringList& heldRoles);
// MariaDB's 'user'@'host' for user@host (host % when missing); PostgreSQL's quoted identifier.
QString quotedLogin(RoleServer server, const QString& login);

// One login and the QueueDesk role it holds (`roles list`).
struct RoleMember {
    QString login;
    QString role; // queuedesk_viewer, queuedesk_operator or queuedesk_admin
    bool defaultRole = true; // MariaDB: the role is the login's default one (else it is not active at connect)
};

} // namespace qd
