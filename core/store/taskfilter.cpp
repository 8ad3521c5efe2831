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

// The FTS5 query that finds every indexed payload containing `text`: all of its trigrams, each a quoted string
// (the index keeps no positions, so they cannot be a phrase). Empty when `text` is shorter than a trigram.
QString trigramQuery(const QString& text)
{
    constexpr qsizetype maxTerms = 16; // any subset finds a superset; more terms only narrow it
    const QList<uint> chars = text.toUcs4();
    QStringList terms;
    for (qsizetype i = 0; i + 3 <= chars.size() && terms.size() < maxTerms; ++i) {
        QString term = QString::fromUcs4(reinterpret_cast<const char32_t*>(chars.constData() + i), 3);
        term.replace(QLatin1Char('"'), QLatin1String("\"\""));
        term = QLatin1Char('"') + term + QLatin1Char('"');
        if (!terms.contains(term))
            terms.append(term);
    }
    return terms.join(QLatin1String(" AND "));
}

// The candidates of an indexed search, each then checked by the same LIKE as an unindexed one: the indexed
// payloads that hold every trigram, the tasks after the index's cursor, and the tasks whose error matches (read
// from the partial index of errors alone). Binds the FTS5 query, then the LIKE pattern.
const QString indexedCandidates
    = QStringLiteral("id IN (SELECT rowid FROM task_search WHERE task_search MATCH ?"
                     " UNION ALL SELECT id FROM tasks WHERE id > (SELECT last_task_id FROM task_search_cursor)"
                     " UNION ALL SELECT id FROM tasks INDEXED BY task_search_errors"
                     " WHERE last_error IS NOT NULL AND last_error LIKE ? ESCAPE '\\')");

} // namespace

WhereClause whereFor(const TaskFilter& filter, const SqlDialect& dialect, bool sealedValues, bool searchIndexed)
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
        const QString match = searchIndexed && !sealedValues ? trigramQuery(filter.search) : QString();
        if (match.isEmpty()) {
            where.add(sealedValues ? dialect.searchPlainCondition : dialect.searchCondition, {pattern, pattern});
        } else {
            where.add(indexedCandidates + QLatin1String(" AND ") + dialect.searchCondition,
                {match, pattern, pattern, pattern});
        }
    }
    if (filter.createdFrom > 0)
        where.add(QStringLiteral("created_at >= ?"), {filter.createdFrom});
    if (filter.createdTo > 0)
        where.add(QStringLiteral("created_at < ?"), {filter.createdTo});
    return where;
}

} // namespace qd::storeimpl
