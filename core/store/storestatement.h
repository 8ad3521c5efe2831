#pragma once

#include "core/sqlerrors.h"
#include "sqlitestatement.h"

#include <QSqlQuery>
#include <QVariant>

#include <cstddef>

namespace qd {

// One prepared statement of the store on either engine, so that each statement is written once: over the SQLite C
// API (SqliteStatement: no QVariant per bind, no record built per exec) or over QSqlQuery (PostgreSQL). A handle into
// TaskStore's statement cache (TaskStore::statement()), used for one run: bind, then run() or next()... finish().
// Each call is a branch on the engine, inlined; there is no virtual call.
class StoreStatement {
public:
    explicit StoreStatement(SqliteStatement& statement)
        : m_sqlite(&statement)
    { }
    explicit StoreStatement(QSqlQuery& query)
        : m_query(&query)
    { }

    // A parameter: its 1-based position (the n-th `?`), or its name (":name"; pass a string literal, SQLite
    // remembers its index by the literal's address).
    struct Param {
        Param(int position)
            : index(position)
        { }
        Param(const char* parameterName)
            : name(parameterName)
        { }
        int index = 0;
        const char* name = nullptr;
    };

    void bind(Param p, qint64 value)
    {
        if (m_sqlite)
            m_sqlite->bindInt(sqliteIndex(p), value);
        else
            bindValue(p, value);
    }
    void bind(Param p, int value) { bind(p, qint64(value)); }
    void bind(Param p, double value)
    {
        if (m_sqlite)
            m_sqlite->bindDouble(sqliteIndex(p), value);
        else
            bindValue(p, value);
    }
    void bind(Param p, const QString& value)
    {
        if (m_sqlite)
            m_sqlite->bindText(sqliteIndex(p), value);
        else
            bindValue(p, value);
    }
    // Valid UTF-8 text (a validated payload). SQLite does not copy it: `utf8` must outlive the run.
    void bind(Param p, const QByteArray& utf8)
    {
        if (m_sqlite)
            m_sqlite->bindUtf8(sqliteIndex(p), utf8);
        else
            bindValue(p, QString::fromUtf8(utf8));
    }
    // Bytes that may not be valid UTF-8 (a handler's result), stored as Qt decodes them, on either engine.
    void bindDecoded(Param p, const QByteArray& bytes)
    {
        if (m_sqlite && !bytes.isValidUtf8())
            m_sqlite->bindText(sqliteIndex(p), QString::fromUtf8(bytes));
        else
            bind(p, bytes);
    }
    // SQLite: nothing to do, SqliteStatement unbinds every parameter (NULL) after each run.
    void bind(Param p, std::nullptr_t)
    {
        if (!m_sqlite)
            bindValue(p, QVariant());
    }
    // A WhereClause value: text or an integer.
    void bind(Param p, const QVariant& value)
    {
        if (!m_sqlite)
            bindValue(p, value);
        else if (value.typeId() == QMetaType::QString)
            m_sqlite->bindText(sqliteIndex(p), value.toString());
        else
            m_sqlite->bindInt(sqliteIndex(p), value.toLongLong());
    }
    // The value, or NULL when it is empty (text) or absent.
    void bindOrNull(Param p, const QString& value)
    {
        if (value.isEmpty())
            bind(p, nullptr);
        else
            bind(p, value);
    }
    template <typename T> void bindOrNull(Param p, const std::optional<T>& value)
    {
        if (value)
            bind(p, *value);
        else
            bind(p, nullptr);
    }

    // The next row: true while there is one. The first call runs the statement.
    bool next()
    {
        if (m_sqlite)
            return m_sqlite->step();
        if (!m_executed) {
            m_executed = true;
            m_failed = !m_query->exec();
            if (m_failed)
                return false;
        }
        return m_query->next();
    }
    // After next(): ends this run (rows not read are dropped); false when it failed (see error()).
    bool finish()
    {
        if (m_sqlite)
            return m_sqlite->finish();
        if (m_failed)
            return false; // QSqlQuery::finish() would clear the error
        m_query->finish();
        m_executed = false;
        return true;
    }
    // Ends this run at once, its other rows unread.
    void stop()
    {
        if (m_sqlite) {
            m_sqlite->reset();
        } else {
            m_query->finish();
            m_executed = false;
        }
    }
    // Runs a statement whose rows are not wanted; false when it failed (see error()).
    bool run()
    {
        if (m_sqlite)
            return m_sqlite->run();
        m_failed = !m_query->exec();
        return !m_failed;
    }
    Error error(const QString& context) const
    {
        return m_sqlite ? m_sqlite->error(context) : sqlError(m_query->lastError(), context);
    }
    // Rows the last run() of an INSERT, UPDATE or DELETE changed.
    qint64 changes() const { return m_sqlite ? m_sqlite->changes() : m_query->numRowsAffected(); }
    // SQLite: the rowid the last INSERT added; PostgreSQL returns it as a row instead (RETURNING id).
    qint64 lastInsertId() const { return m_sqlite ? m_sqlite->lastInsertId() : m_query->lastInsertId().toLongLong(); }

    // Columns of the current row, numbered from 0; NULL reads as 0, false or a null string.
    qint64 integer(int column) const
    {
        return m_sqlite ? m_sqlite->columnInt(column) : m_query->value(column).toLongLong();
    }
    int number(int column) const { return int(integer(column)); }
    bool flag(int column) const { return integer(column) != 0; }
    double real(int column) const
    {
        return m_sqlite ? m_sqlite->columnDouble(column) : m_query->value(column).toDouble();
    }
    QString text(int column) const
    {
        return m_sqlite ? m_sqlite->columnText(column) : m_query->value(column).toString();
    }
    QByteArray utf8(int column) const
    {
        return m_sqlite ? m_sqlite->columnTextUtf8(column) : m_query->value(column).toString().toUtf8();
    }
    // Without a copy on SQLite (valid until the next row); on PostgreSQL through `buffer`.
    QUtf8StringView utf8View(int column, QByteArray& buffer) const
    {
        if (m_sqlite)
            return m_sqlite->columnUtf8(column);
        buffer = m_query->value(column).toString().toUtf8();
        return buffer;
    }
    bool isNull(int column) const { return m_sqlite ? m_sqlite->columnIsNull(column) : m_query->isNull(column); }

private:
    int sqliteIndex(Param p) const { return p.name ? m_sqlite->parameterIndex(p.name) : p.index; }
    void bindValue(Param p, const QVariant& value)
    {
        if (p.name)
            m_query->bindValue(QLatin1String(p.name), value);
        else
            m_query->bindValue(p.index - 1, value);
    }

    SqliteStatement* m_sqlite = nullptr;
    QSqlQuery* m_query = nullptr;
    bool m_executed = false; // QSqlQuery: next() ran it
    bool m_failed = false; // QSqlQuery: its last exec failed
};

} // namespace qd
