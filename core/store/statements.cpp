// The store's prepared statements: cached per connection, found by the address of their literal text.
#include "taskstore_p.h"

#include <QSqlQuery>

namespace qd {

using namespace storeimpl;

QSqlQuery& TaskStore::prepared(const QString& sql)
{
    if (m_dialect.postgres)
        reconnectIfLost();
    // Most statements are QStringLiterals, whose text never moves: find those by its address and skip hashing a few
    // hundred characters on every call (about 5% of an enqueue, callgrind). Other texts are found by content.
    // A literal's text has no header (d is null); d_ptr() only reads it, it has no const overload in Qt 6.4.
    const bool literal = const_cast<QString&>(sql).data_ptr().d_ptr() == nullptr;
    if (literal) {
        if (auto hit = m_preparedLiterals.find(sql.constData()); hit != m_preparedLiterals.end())
            return *hit->second;
    }
    auto it = m_prepared.find(sql);
    if (it == m_prepared.end()) {
        auto query = std::make_unique<QSqlQuery>(m_db);
        query->setForwardOnly(true);
        if (!query->prepare(sql))
            qCWarning(lcStore) << "prepare failed:" << query->lastError().text() << sql;
        it = m_prepared.emplace(sql, std::move(query)).first;
    }
    if (literal)
        m_preparedLiterals.emplace(sql.constData(), it->second.get());
    return *it->second;
}

Status TaskStore::execPrepared(const QString& sql)
{
    QSqlQuery& q = prepared(sql);
    if (!q.exec())
        return sqlError(q.lastError(), sql);
    return success();
}

Status TaskStore::execControl(const QString& sql)
{
    // SQLite: prepared once, as re-parsing these statements cost about a sixth of an enqueue (callgrind), and run
    // through the C API, as a QSqlQuery exec cost as much again. PostgreSQL cannot PREPARE transaction control, so
    // it gets them as simple queries.
    if (m_sqlite) {
        SqliteStatement& statement = sqliteStatement(sql);
        return statement.run() ? success() : Status(statement.error(sql));
    }
    if (!m_dialect.postgres)
        return execPrepared(sql);
    if (!m_control)
        m_control = std::make_unique<QSqlQuery>(m_db);
    if (!m_control->exec(sql))
        return sqlError(m_control->lastError(), sql.section(QLatin1Char(' '), 0, 1));
    return success();
}

SqliteStatement& TaskStore::sqliteStatement(const QString& sql)
{
    // Literals are found by address, as in prepared(); so are the dialect's statements (the claims, the enqueue
    // insert), whose text is as fixed: the dialect is a static object, and its strings are never changed, so their
    // text stays where it is as long as the program runs.
    const auto* self = reinterpret_cast<const char*>(&sql);
    const auto* dialect = reinterpret_cast<const char*>(&m_dialect);
    const bool literal = const_cast<QString&>(sql).data_ptr().d_ptr() == nullptr
        || (std::less_equal<>()(dialect, self) && std::less<>()(self, dialect + sizeof(SqlDialect)));
    if (literal) {
        if (auto hit = m_sqliteLiterals.find(sql.constData()); hit != m_sqliteLiterals.end())
            return *hit->second;
    }
    auto it = m_sqliteStatements.find(sql);
    if (it == m_sqliteStatements.end())
        it = m_sqliteStatements.emplace(sql, std::make_unique<SqliteStatement>(m_sqlite, sql)).first;
    if (literal)
        m_sqliteLiterals.emplace(sql.constData(), it->second.get());
    return *it->second;
}

Status TaskStore::exec(const QString& sql)
{
    QSqlQuery q(m_db);
    if (!q.exec(sql))
        return sqlError(q.lastError(), sql.section(QLatin1Char(' '), 0, 2));
    return success();
}

} // namespace qd
