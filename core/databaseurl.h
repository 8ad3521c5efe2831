#pragma once

#include "result.h"

#include <QString>

namespace qd {

// Where a QueueDesk database lives, parsed from what an admin types in the GUI's open dialog, the CLI's --db or the
// settings:
//   /path/to/file.db, sqlite:/path/to/file.db                  the embedded SQLite file (the default)
//   postgresql://user:password@host:port/dbname?schema=name    a PostgreSQL server (postgres:// too); the host may be
//   postgresql:///dbname?host=/run/postgresql&port=5432        a socket directory, given as ?host=/dir
// `schema` keeps several QueueDesk databases apart in one PostgreSQL database (tests use one schema each).
struct DatabaseUrl {
    enum class Backend { Sqlite, Postgres };
    Backend backend = Backend::Sqlite;
    QString sqlitePath;
    QString host; // a name, an address, or a socket directory (starts with '/')
    int port = 5432;
    QString user;
    QString password;
    QString databaseName;
    QString schema;

    static Result<DatabaseUrl> parse(const QString& text);
    bool isPostgres() const { return backend == Backend::Postgres; }
    // For titles, logs and error messages: never shows the password.
    QString displayName() const;
};

// True when text names a PostgreSQL server rather than a SQLite file (cheap; no validation).
bool isPostgresUrl(const QString& text);

// What to show of a database location: the file path, or the URL without its password.
QString databaseDisplayName(const QString& location);

} // namespace qd
