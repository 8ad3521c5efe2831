// Task filters as SQL: the WHERE clause and its values for a TaskFilter.
#include "taskstore_p.h"

namespace qd::storeimpl {

namespace {

QString likePattern(const QString& text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('%'), QLatin1String("\\%"));
    escaped.replace(QLatin1Char('_'), QLatin1String("\\_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

// More ids than this are written as literals.
constexpr qsizetype maxBoundIds = 1000;

} // namespace

WhereClause whereFor(const TaskFilter& filter, const SqlDialect& dialect, bool sealedValues)
{
    WhereClause where;
    if (filter.ids.size() <= maxBoundIds) {
        where.addIn(QStringLiteral("id"), filter.ids, [](qint64 id) { return QVariant(id); });
    } else {
        // A failure cluster's tasks may be more than an engine takes parameters (SQLite: 32,766): integers are
        // written into the statement, which no value can turn into SQL.
        QStringList literals;
        literals.reserve(filter.ids.size());
        for (qint64 id : filter.ids)
            literals.append(QString::number(id));
        where.add(QLatin1String("id IN (") + literals.join(QLatin1Char(',')) + QLatin1Char(')'));
    }
    where.addIn(QStringLiteral("queue"), filter.queues, [](const QString& q) { return QVariant(q); });
    where.addIn(QStringLiteral("state"), filter.states, [](TaskState s) { return QVariant(taskStateName(s)); });
    where.addIn(QStringLiteral("type"), filter.types, [](const QString& t) { return QVariant(t); });
    if (!filter.search.isEmpty()) {
        const QString pattern = likePattern(filter.search);
        where.add(sealedValues ? dialect.searchPlainCondition : dialect.searchCondition, {pattern, pattern});
    }
    if (filter.createdFrom > 0)
        where.add(QStringLiteral("created_at >= ?"), {filter.createdFrom});
    if (filter.createdTo > 0)
        where.add(QStringLiteral("created_at < ?"), {filter.createdTo});
    return where;
}

} // namespace qd::storeimpl
