#pragma once

#include "result.h"

#include <QByteArray>
#include <QString>
#include <QUtf8StringView>

#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace qd {

// A statement prepared through the SQLite C API on the connection Qt opened, for the statements TaskStore runs once
// per task or more (the enqueue insert, every history row, transaction control). Through QSqlQuery each bind costs a
// QVariant, a placeholder lookup by name and a UTF-16 copy, and each exec a result set up and torn down: together as
// much as SQLite's own work for these short statements (callgrind on bench B1/B3).
// Thread contract: the thread that owns the connection, like the connection itself. Finalised by the destructor,
// which must run before the connection closes.
class SqliteStatement {
public:
    SqliteStatement(sqlite3* db, const QString& sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    // The 1-based index of a named parameter (":name"), 0 if the statement has none of that name. Remembered by the
    // name's address: pass string literals.
    int parameterIndex(const char* name) const;

    void bindText(int index, const QString& text); // kept as UTF-8 until reset()
    void bindUtf8(int index, const QByteArray& text); // not copied: `text` must outlive step()
    void bindInt(int index, qint64 value);
    void bindDouble(int index, double value);

    // One step: true while a row is available (RETURNING), false at the end or on error (see failed()).
    bool step();
    qint64 columnInt(int column) const;
    // Valid until the next step() or reset().
    QUtf8StringView columnUtf8(int column) const;
    bool failed() const;
    // The last failure in the same terms as sqlError(); the context is built only when there is one.
    Error error(const QString& context) const;
    // Runs the statement to its end and resets it for the next use; false on failure (see error()).
    bool run();
    // Ready for the next use: the previous run finished, every parameter unbound (NULL).
    void reset();

private:
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_statement = nullptr;
    int m_lastCode = 0;
    std::vector<QByteArray> m_boundText; // see bindText()
    mutable std::vector<std::pair<const char*, int>> m_parameterIndexes; // see parameterIndex()
    QString m_lastMessage; // kept at the failure: reset() and later calls replace the connection's message
};

} // namespace qd
