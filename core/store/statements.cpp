// The store's prepared statements, cached per connection: StoreStatement over the SQLite C API or QSqlQuery.
#include "taskstore_p.h"

#include <QSqlQuery>

namespace qd {

using namespace storeimpl;

namespace {

// Whether the text of `sql` stays where it is for as long as the program runs, so that the statement caches can find
// it by its address instead of hashing a few hundred characters on every call: a QStringLiteral (its text has no
// header: d is null; d_ptr() only reads it, it has no const overload in Qt 6.4), or a string of the dialect, a static
// object whose strings never change.
bool fixedText(const QString& sql, const SqlDialect& dialect)
{
    const auto* self = reinterpret_cast<const char*>(&sql);
    const auto* start = reinterpret_cast<const char*>(&dialect);
    return const_cast<QString&>(sql).data_ptr().d_ptr() == nullptr
        || (std::less_equal<>()(start, self) && std::less<>()(self, start + sizeof(SqlDialect)));
}

} // namespace

StoreStatement TaskStore::statement(const QString& sql)
{
    return m_sqlite ? StoreStatement(sqliteStatement(sql)) : StoreStatement(prepared(sql));
}

Result<qint64> TaskStore::singleInteger(const QString& sql, const char* context)
{
    StoreStatement q = statement(sql);
    const qint64 value = q.next() ? q.integer(0) : 0;
    if (!q.finish())
        return q.error(QLatin1String(context));
    return value;
}

QSqlQuery& TaskStore::prepared(const QString& sql)
{
    if (m_dialect.server)
        reconnectIfLost();
    const bool literal = fixedText(sql, m_dialect);
    if (literal) {
        if (auto hit = m_preparedLiterals.find(sql.constData()); hit != m_preparedLiterals.end())
            return *hit->second;
    }
    auto it = m_prepared.find(sql);
    if (it == m_prepared.end()) {
        auto query = std::make_unique<QSqlQuery>(m_db);
        query->setForwardOnly(true);
        if (!query->prepare(m_dialect.adapt ? m_dialect.adapt(sql) : sql))
            qCWarning(lcStore) << "prepare failed:" << query->lastError().text() << sql;
        it = m_prepared.emplace(sql, std::move(query)).first;
    }
    if (literal)
        m_preparedLiterals.emplace(sql.constData(), it->second.get());
    return *it->second;
}

Status TaskStore::execPrepared(const QString& sql)
{
    StoreStatement q = statement(sql);
    return q.run() ? success() : Status(q.error(sql));
}

Status TaskStore::execControl(const QString& sql)
{
    // SQLite: prepared once, as they run around every write. PostgreSQL cannot PREPARE transaction control, so the
    // servers get them as simple queries.
    if (!m_dialect.server)
        return execPrepared(sql);
    if (!m_control)
        m_control = std::make_unique<QSqlQuery>(m_db);
    if (!m_control->exec(sql)) {
        Error failed = sqlError(m_control->lastError(), sql.section(QLatin1Char(' '), 0, 1));
        noteFailure(failed);
        return failed;
    }
    return success();
}

SqliteStatement& TaskStore::sqliteStatement(const QString& sql)
{
    const bool literal = fixedText(sql, m_dialect);
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
