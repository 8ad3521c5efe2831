#pragma once

#include <QString>

#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace qd::bench {

// The baseline side of the benchmarks: the SQLite C API with nothing of ours in between, on a database whose
// schema (tables and indexes) TaskStore created, with the PRAGMAs TaskStore sets. Any SQLite error ends the run:
// a baseline that silently did less work would flatter nothing but would make every ratio meaningless.
// Thread contract: one thread.
class RawSqlite {
public:
    RawSqlite(const QString& path, bool fullSync);
    ~RawSqlite();
    RawSqlite(const RawSqlite&) = delete;
    RawSqlite& operator=(const RawSqlite&) = delete;

    void exec(const char* sql);
    // Owned by this object, finalized with it.
    sqlite3_stmt* prepare(const char* sql);
    // Steps a statement that returns no rows (or whose rows are ignored) and resets it.
    void run(sqlite3_stmt* statement);
    void check(int rc, const char* what) const;
    sqlite3* handle() const { return m_db; }

private:
    sqlite3* m_db = nullptr;
    std::vector<sqlite3_stmt*> m_statements;
};

} // namespace qd::bench
