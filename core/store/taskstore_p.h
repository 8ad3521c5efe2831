#pragma once
// What the store's files share and nothing else sees: row mapping and task filters.

#include "core/sqlerrors.h"
#include "core/taskstore.h"
#include "sqldialect.h"
#include "storeencryption.h"
#include "storestatement.h"

#include <QVariant>

namespace qd::storeimpl {

// The one mapping of a row of taskColumns() to a Task, and of eventColumns() to a TaskEvent, on either engine.
Task taskFromRow(const StoreStatement& row);
TaskEvent eventFromRow(const StoreStatement& row);

// The columns of `task_events` in the order eventFromRow() reads them.
inline QString eventColumns()
{
    return QStringLiteral("id, task_id, queue, at, kind, from_state, to_state, attempt, worker, detail, duration_ms");
}

// A WHERE clause with positional parameters.
struct WhereClause {
    QString sql = QStringLiteral("1 = 1");
    QList<QVariant> values;

    void add(const QString& condition, const QList<QVariant>& binds = {})
    {
        sql += QLatin1String(" AND ") + condition;
        values += binds;
    }
    template <typename T, typename ToVariant>
    void addIn(const QString& column, const QList<T>& items, ToVariant toVariant)
    {
        if (items.isEmpty())
            return;
        QStringList marks;
        for (const T& item : items) {
            marks.append(QStringLiteral("?"));
            values.append(toVariant(item));
        }
        sql += QLatin1String(" AND ") + column + QLatin1String(" IN (") + marks.join(QLatin1Char(','))
            + QLatin1Char(')');
    }
};

// The WHERE clause that selects the tasks a filter matches. `sealedValues`: the database is encrypted, and a
// search of the text must not match sealed values.
// `searchIndexed`: a search may use SQLite's payload index (TaskStore::hasSearchIndex()).
WhereClause whereFor(const TaskFilter& filter, const SqlDialect& dialect, bool sealedValues, bool searchIndexed);
// Binds a WhereClause's values to its statement's first parameters.
inline void bindAll(StoreStatement& q, const QList<QVariant>& values)
{
    for (qsizetype i = 0; i < values.size(); ++i)
        q.bind(int(i + 1), values.at(i));
}
// The same for a one-off query (an admin write's SQL, built for its filter).
inline void bindAll(QSqlQuery& q, const QList<QVariant>& values)
{
    StoreStatement statement(q);
    bindAll(statement, values);
}

} // namespace qd::storeimpl
