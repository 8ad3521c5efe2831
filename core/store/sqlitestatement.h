#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>
#include <QUtf8StringView>

#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace qd {

// A statement prepared through the SQLite C API on the connection Qt opened: the SQLite side of StoreStatement.
// Through QSqlQuery each bind costs a QVariant, a placeholder lookup by name and a UTF-16 copy, and each exec a result
// set up and torn down: together about as much as SQLite's own work for the store's short statements.
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
    qint64 columnInt(int column) const; // 0 for NULL
    double columnDouble(int column) const; // 0 for NULL
    bool columnIsNull(int column) const;
    // Valid until the next step() or reset().
    QUtf8StringView columnUtf8(int column) const;
    // A text column as QSqlQuery::value(column).toString() gives it through the QSQLite driver, so that a row read
    // either way is the same: NULL is a null QString. Valid UTF-8 (everything QueueDesk writes) is decoded by Qt;
    // anything else goes through SQLite's own UTF-16 translation, as the driver's does.
    QString columnText(int column) const;
    // The same text as UTF-8: equal to columnText(column).toUtf8(), without the round trip when it is valid UTF-8.
    QByteArray columnTextUtf8(int column) const;
    bool failed() const;
    // The last failure in the same terms as sqlError(); the context is built only when there is one.
    Error error(const QString& context) const;
    // Runs the statement to its end and resets it for the next use; false on failure (see error()).
    bool run();
    // After step() (the rows wanted read): runs the rest of a write, unless the last step ended it, and resets the
    // statement for the next use; false on failure (see error()). Never steps again after a failure or the end,
    // which would run the statement once more.
    bool finish();
    // Rows the last INSERT, UPDATE or DELETE of this connection changed, and the rowid its last INSERT added.
    qint64 changes() const;
    qint64 lastInsertId() const;
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
