#pragma once

#include "databasetls.h"
#include "result.h"

#include <QString>

namespace qd {

// Where a QueueDesk database lives, parsed from what an admin types in the GUI's open dialog, the CLI's --db or the
// settings:
//   /path/to/file.db, sqlite:/path/to/file.db                  the embedded SQLite file (the default)
//   postgresql://user:password@host:port/dbname?schema=name    a PostgreSQL server (postgres:// too); the host may be
//   postgresql:///dbname?host=/run/postgresql&port=5432        a socket directory, given as ?host=/dir
//   mariadb://user:password@host:port/dbname?schema=name       a MariaDB (10.6+) or MySQL (8.0+) server (mysql:// too)
//   mariadb://user@localhost/dbname?socket=/run/mysqld/mysqld.sock   the same through a Unix socket
// `schema` keeps several QueueDesk databases apart on one server: a schema of its own in the PostgreSQL database; on
// MariaDB, where a schema is a database, the database of that name (created when missing; dbname is only connected
// to). Tests use one schema each. TLS on either server: sslmode, sslrootcert, sslcert and sslkey (databasetls.h).
struct DatabaseUrl {
    enum class Backend { Sqlite, Postgres, MariaDb };
    Backend backend = Backend::Sqlite;
    QString sqlitePath;
    QString host; // a name, an address, or a socket directory (starts with '/')
    int port = 5432; // 3306 on MariaDB
    QString socket; // MariaDB: a Unix socket file, instead of host and port
    QString user;
    QString password;
    QString databaseName;
    QString schema;
    DatabaseTls tls;

    static Result<DatabaseUrl> parse(const QString& text);
    bool isPostgres() const { return backend == Backend::Postgres; }
    bool isMariaDb() const { return backend == Backend::MariaDb; }
    bool isServer() const { return backend != Backend::Sqlite; }
    // For titles, logs, error messages and the recent list: never shows the password or the TLS key's path (the
    // TLS mode and certificates stay, so a connection opened again from it is verified as before).
    QString displayName() const;
};

// True when text names a PostgreSQL server rather than a SQLite file (cheap; no validation).
bool isPostgresUrl(const QString& text);
// True when text names a MariaDB/MySQL server (mariadb:// or mysql://; cheap, no validation).
bool isMariaDbUrl(const QString& text);
// True when text names a database server of any kind rather than a SQLite file.
bool isServerUrl(const QString& text);

// What to show of a database location: the file path, or the URL without its password.
QString databaseDisplayName(const QString& location);

} // namespace qd
