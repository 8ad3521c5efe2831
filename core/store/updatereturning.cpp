// UPDATE ... RETURNING on every engine: one statement where the engine has it (SQLite, PostgreSQL); on MariaDB,
// which has not, the rows are locked and read by a SELECT ... FOR UPDATE and then updated by id, in the caller's
// transaction. The returned columns are ones the update does not change, so both ways return the same values.
#include "taskstore_p.h"

#include <QSqlRecord>

namespace qd {

using namespace storeimpl;

namespace {

void bindNamed(QSqlQuery& q, const QString& sql, const QList<std::pair<const char*, QVariant>>& named)
{
    for (const auto& [name, value] : named) {
        if (sql.contains(QLatin1String(name)))
            q.bindValue(QLatin1String(name), value);
    }
}

} // namespace

Result<QList<QVariantList>> TaskStore::updateReturning(const QString& sql, const QList<QVariant>& values,
    const QList<std::pair<const char*, QVariant>>& named, bool skipLocked, bool cached)
{
    std::optional<QSqlQuery> once;
    const auto query = [&](const QString& text) -> QSqlQuery& {
        if (cached)
            return prepared(text);
        once.emplace(m_db);
        once->setForwardOnly(true);
        once->prepare(m_dialect.adapt ? m_dialect.adapt(text) : text);
        return *once;
    };
    QList<QVariantList> rows;
    const auto readRows = [&rows](QSqlQuery& q, int columns) {
        while (q.next()) {
            QVariantList row;
            row.reserve(columns);
            for (int i = 0; i < columns; ++i)
                row.append(q.value(i));
            rows.append(row);
        }
        q.finish();
    };
    if (m_dialect.updateReturning) {
        QSqlQuery& q = query(sql);
        bindAll(q, values);
        bindNamed(q, sql, named);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot change tasks"));
        readRows(q, q.record().count());
        return rows;
    }
    const SplitUpdate split = splitUpdateReturning(
        sql, skipLocked ? QStringLiteral(" FOR UPDATE SKIP LOCKED") : QStringLiteral(" FOR UPDATE"));
    if (split.pick.isEmpty())
        return Error {ErrorCode::Internal, QStringLiteral("Not an UPDATE ... RETURNING: %1").arg(sql)};
    QSqlQuery& pick = query(split.pick);
    bindAll(pick, values.mid(split.setParameters));
    bindNamed(pick, split.pick, named);
    if (!pick.exec())
        return sqlError(pick.lastError(), QStringLiteral("Cannot read the tasks to change"));
    const int columns = pick.record().count() - 1; // the last is the id (see splitUpdateReturning())
    QStringList ids;
    while (pick.next()) {
        QVariantList row;
        row.reserve(columns);
        for (int i = 0; i < columns; ++i)
            row.append(pick.value(i));
        rows.append(row);
        ids.append(QString::number(pick.value(columns).toLongLong()));
    }
    pick.finish();
    if (rows.isEmpty())
        return rows;
    // Ids are integers read from the database: safe to write into the statement, which is not cached.
    const QString text = split.update + ids.join(QLatin1Char(',')) + QLatin1Char(')');
    QSqlQuery update(m_db);
    if (!update.prepare(text))
        return sqlError(update.lastError(), QStringLiteral("Cannot change tasks"));
    bindAll(update, values.mid(0, split.setParameters));
    bindNamed(update, split.update, named);
    if (!update.exec())
        return sqlError(update.lastError(), QStringLiteral("Cannot change tasks"));
    return rows;
}

} // namespace qd
