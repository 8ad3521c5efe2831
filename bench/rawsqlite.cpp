#include "rawsqlite.h"

#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>

namespace qd::bench {

RawSqlite::RawSqlite(const QString& path, bool fullSync)
{
    check(sqlite3_open_v2(path.toUtf8().constData(), &m_db, SQLITE_OPEN_READWRITE, nullptr), "open");
    // The same settings as TaskStore::initialise(), busy timeout first.
    sqlite3_busy_timeout(m_db, 5000);
    exec("PRAGMA journal_mode = WAL");
    exec(fullSync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    exec("PRAGMA temp_store = MEMORY");
    exec("PRAGMA cache_size = -16000");
}

RawSqlite::~RawSqlite()
{
    for (sqlite3_stmt* s : m_statements)
        sqlite3_finalize(s);
    sqlite3_close(m_db);
}

void RawSqlite::check(int rc, const char* what) const
{
    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
        return;
    std::fprintf(stderr, "qd_bench: raw SQLite %s failed: %s\n", what, m_db ? sqlite3_errmsg(m_db) : "no connection");
    std::exit(2);
}

void RawSqlite::exec(const char* sql)
{
    check(sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr), sql);
}

sqlite3_stmt* RawSqlite::prepare(const char* sql)
{
    sqlite3_stmt* statement = nullptr;
    check(sqlite3_prepare_v3(m_db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr), sql);
    m_statements.push_back(statement);
    return statement;
}

void RawSqlite::run(sqlite3_stmt* statement)
{
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) { }
    check(rc, sqlite3_sql(statement));
    sqlite3_reset(statement);
}

} // namespace qd::bench
