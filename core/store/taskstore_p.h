#pragma once
// What the store's files share and nothing else sees: row mapping, task filters and small helpers.

#include "core/sqlerrors.h"
#include "core/taskstore.h"
#include "sqldialect.h"
#include "sqlitestatement.h"

#include <QSqlQuery>
#include <QVariant>

namespace qd::storeimpl {

inline QVariant nullable(const QString& value)
{
    return value.isEmpty() ? QVariant() : QVariant(value);
}

inline QVariant nullable(const QByteArray& value)
{
    return value.isEmpty() ? QVariant() : QVariant(QString::fromUtf8(value));
}

// A row read through QSqlQuery, and one read through the SQLite C API (see SqliteStatement::columnText): the two ways
// taskFromRow() and eventFromRow() see a row.
struct QueryRow {
    const QSqlQuery& q;
    qint64 integer(int column) const { return q.value(column).toLongLong(); }
    int number(int column) const { return q.value(column).toInt(); }
    bool flag(int column) const { return q.value(column).toBool(); }
    QString text(int column) const { return q.value(column).toString(); }
    QByteArray utf8(int column) const { return q.value(column).toString().toUtf8(); }
    bool null(int column) const { return q.isNull(column); }
};

struct StatementRow {
    const SqliteStatement& s;
    qint64 integer(int column) const { return s.columnInt(column); }
    int number(int column) const { return int(s.columnInt(column)); }
    bool flag(int column) const { return s.columnInt(column) != 0; }
    QString text(int column) const { return s.columnText(column); }
    QByteArray utf8(int column) const { return s.columnTextUtf8(column); }
    bool null(int column) const { return s.columnIsNull(column); }
};

// The one mapping of a row of taskColumns() to a Task, whichever way the row was read.
template <typename Row> Task taskFromRow(const Row& row)
{
    Task t;
    t.id = row.integer(0);
    t.queue = row.text(1);
    t.type = row.text(2);
    t.payload = row.utf8(3);
    t.priority = row.number(4);
    t.state = taskStateFromName(row.text(5)).value_or(TaskState::Queued);
    t.attempts = row.number(6);
    t.maxAttempts = row.number(7);
    t.runAt = row.integer(8);
    t.createdAt = row.integer(9);
    t.startedAt = row.integer(10);
    t.finishedAt = row.integer(11);
    t.leaseOwner = row.text(12);
    t.leaseExpiresAt = row.integer(13);
    t.lastError = row.text(14);
    t.result = row.utf8(15);
    t.idempotencyKey = row.text(16);
    t.timeoutMs = row.number(17);
    t.cancelRequested = row.flag(18);
    return t;
}

inline Task readTask(const QSqlQuery& q)
{
    return taskFromRow(QueryRow {q});
}

// The one mapping of a row of eventColumns to a TaskEvent, whichever way the row was read.
template <typename Row> TaskEvent eventFromRow(const Row& row)
{
    TaskEvent e;
    e.id = row.integer(0);
    e.taskId = row.integer(1);
    e.queue = row.text(2);
    e.at = row.integer(3);
    e.kind = row.text(4);
    if (!row.null(5))
        e.fromState = taskStateFromName(row.text(5));
    e.toState = taskStateFromName(row.text(6)).value_or(TaskState::Queued);
    e.attempt = row.number(7);
    e.worker = row.text(8);
    e.detail = row.text(9);
    e.durationMs = row.null(10) ? -1 : row.integer(10);
    return e;
}

inline TaskEvent readEvent(const QSqlQuery& q)
{
    return eventFromRow(QueryRow {q});
}

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

// The WHERE clause that selects the tasks a filter matches.
WhereClause whereFor(const TaskFilter& filter, const SqlDialect& dialect);
void bindAll(QSqlQuery& q, const QList<QVariant>& values);

} // namespace qd::storeimpl
