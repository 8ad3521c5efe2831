#include "sqlitestatement.h"

#include "core/sqlerrors.h"

#include <sqlite3.h>

namespace qd {

SqliteStatement::SqliteStatement(sqlite3* db, const QString& sql)
    : m_db(db)
{
    const QByteArray utf8 = sql.toUtf8();
    m_lastCode
        = sqlite3_prepare_v3(db, utf8.constData(), int(utf8.size()), SQLITE_PREPARE_PERSISTENT, &m_statement, nullptr);
    if (m_lastCode != SQLITE_OK) {
        m_lastMessage = QString::fromUtf8(sqlite3_errmsg(db));
        qCWarning(lcStore) << "prepare failed:" << sqlite3_errmsg(db) << sql;
        sqlite3_finalize(m_statement);
        m_statement = nullptr;
    }
}

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_statement);
}

int SqliteStatement::parameterIndex(const char* name) const
{
    // SQLite compares every parameter's name in turn; a dozen pointer comparisons are cheaper.
    for (const auto& [known, index] : m_parameterIndexes) {
        if (known == name)
            return index;
    }
    const int index = m_statement ? sqlite3_bind_parameter_index(m_statement, name) : 0;
    m_parameterIndexes.emplace_back(name, index);
    return index;
}

void SqliteStatement::bindText(int index, const QString& text)
{
    // UTF-8 is what the database stores: Qt's converter is faster than SQLite's translation of bound UTF-16. Kept
    // here until reset(), so SQLite need not copy it again.
    const QByteArray& utf8 = m_boundText.emplace_back(text.toUtf8());
    sqlite3_bind_text(m_statement, index, utf8.constData(), int(utf8.size()), SQLITE_STATIC);
}

void SqliteStatement::bindUtf8(int index, const QByteArray& text)
{
    sqlite3_bind_text(m_statement, index, text.constData(), int(text.size()), SQLITE_STATIC);
}

void SqliteStatement::bindInt(int index, qint64 value)
{
    sqlite3_bind_int64(m_statement, index, value);
}

void SqliteStatement::bindDouble(int index, double value)
{
    sqlite3_bind_double(m_statement, index, value);
}

bool SqliteStatement::step()
{
    if (!m_statement) {
        m_lastCode = SQLITE_MISUSE;
        m_lastMessage = QStringLiteral("the statement could not be prepared");
        return false;
    }
    m_lastCode = sqlite3_step(m_statement);
    if (failed())
        m_lastMessage = QString::fromUtf8(sqlite3_errmsg(m_db));
    return m_lastCode == SQLITE_ROW;
}

qint64 SqliteStatement::columnInt(int column) const
{
    return sqlite3_column_int64(m_statement, column);
}

double SqliteStatement::columnDouble(int column) const
{
    return sqlite3_column_double(m_statement, column);
}

bool SqliteStatement::columnIsNull(int column) const
{
    return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

QUtf8StringView SqliteStatement::columnUtf8(int column) const
{
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_statement, column));
    return QUtf8StringView(text, sqlite3_column_bytes(m_statement, column));
}

QString SqliteStatement::columnText(int column) const
{
    const QUtf8StringView utf8 = columnUtf8(column);
    if (utf8.isNull())
        return {};
    if (utf8.isValidUtf8())
        return QString::fromUtf8(reinterpret_cast<const char*>(utf8.data()), utf8.size());
    // What the QSQLite driver reads: SQLite's translation, which treats bad bytes differently from Qt's decoder.
    const auto* utf16 = static_cast<const QChar*>(sqlite3_column_text16(m_statement, column));
    return QString(utf16, sqlite3_column_bytes16(m_statement, column) / qsizetype(sizeof(QChar)));
}

QByteArray SqliteStatement::columnTextUtf8(int column) const
{
    const QUtf8StringView utf8 = columnUtf8(column);
    if (utf8.isNull())
        return {};
    if (utf8.isValidUtf8())
        return QByteArray(reinterpret_cast<const char*>(utf8.data()), utf8.size());
    return columnText(column).toUtf8();
}

bool SqliteStatement::failed() const
{
    return m_lastCode != SQLITE_OK && m_lastCode != SQLITE_ROW && m_lastCode != SQLITE_DONE;
}

Error SqliteStatement::error(const QString& context) const
{
    return sqliteError(m_lastCode, m_lastMessage, context);
}

bool SqliteStatement::run()
{
    while (step()) { }
    reset();
    return !failed();
}

bool SqliteStatement::finish()
{
    // A write (UPDATE ... RETURNING) must run to its end; a read has nothing left to do.
    if (m_statement && !sqlite3_stmt_readonly(m_statement)) {
        while (m_lastCode == SQLITE_ROW && step()) { }
    }
    const bool ok = !failed();
    reset();
    return ok;
}

qint64 SqliteStatement::changes() const
{
    return sqlite3_changes64(m_db);
}

qint64 SqliteStatement::lastInsertId() const
{
    return sqlite3_last_insert_rowid(m_db);
}

void SqliteStatement::reset()
{
    if (!m_statement)
        return;
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
    m_boundText.clear(); // after the unbinding: SQLite no longer points into them
}

} // namespace qd
