// Reads of tasks and their history: counts, pages, single tasks, streams, and the data version.
#include "taskstore_p.h"

#include <QSqlQuery>

namespace qd {

using namespace storeimpl;

namespace {

QString sortColumn(TaskSortKey key)
{
    switch (key) {
    case TaskSortKey::Id:
        return {};
    case TaskSortKey::Queue:
        return QStringLiteral("queue");
    case TaskSortKey::Type:
        return QStringLiteral("type");
    case TaskSortKey::State:
        return QStringLiteral("state");
    case TaskSortKey::Priority:
        return QStringLiteral("priority");
    case TaskSortKey::Attempts:
        return QStringLiteral("attempts");
    case TaskSortKey::RunAt:
        return QStringLiteral("run_at");
    case TaskSortKey::FinishedAt:
        return QStringLiteral("finished_at");
    }
    return {};
}

constexpr int streamBatchSize = 1000;

// Runs a keyset-paged query ("... AND id > ? ORDER BY id LIMIT n") batch after batch until it runs dry or fn
// says stop: constant memory, and no read snapshot held for the whole stream (a long-lived reader would stop WAL
// checkpoints while workers write).
template <typename Row, typename ReadFn>
Status streamByKeyset(QSqlQuery& q, const QList<QVariant>& binds, ReadFn read,
    const std::function<bool(const Row&)>& fn, const QString& context)
{
    qint64 lastId = 0;
    for (;;) {
        bindAll(q, binds);
        q.bindValue(int(binds.size()), lastId);
        if (!q.exec())
            return sqlError(q.lastError(), context);
        int rows = 0;
        while (q.next()) {
            const Row row = read(q);
            lastId = row.id;
            ++rows;
            if (!fn(row)) {
                q.finish();
                return success();
            }
        }
        q.finish();
        if (rows < streamBatchSize)
            return success();
    }
}

// WhereClause's values are ids, times and text; SqliteStatement numbers its parameters from 1.
void bindAll(SqliteStatement& q, const QList<QVariant>& values)
{
    for (qsizetype i = 0; i < values.size(); ++i) {
        const QVariant& value = values.at(i);
        if (value.typeId() == QMetaType::QString)
            q.bindText(int(i + 1), value.toString());
        else
            q.bindInt(int(i + 1), value.toLongLong());
    }
}

// streamByKeyset through the SQLite C API: a CSV export of a million tasks spent more time in QSqlQuery's
// per-row QVariants and UTF-16 copies than in SQLite itself (perf, bench B10).
template <typename Row, typename ReadFn>
Status streamStatementByKeyset(SqliteStatement& q, const QList<QVariant>& binds, ReadFn read,
    const std::function<bool(const Row&)>& fn, const QString& context)
{
    qint64 lastId = 0;
    for (;;) {
        bindAll(q, binds);
        q.bindInt(int(binds.size() + 1), lastId);
        int rows = 0;
        while (q.step()) {
            const Row row = read(q);
            lastId = row.id;
            ++rows;
            if (!fn(row)) {
                q.reset();
                return success();
            }
        }
        if (q.failed()) {
            const Error error = q.error(context);
            q.reset();
            return error;
        }
        q.reset();
        if (rows < streamBatchSize)
            return success();
    }
}

// The keyset-paged read of one table's rows under a WHERE clause (see streamByKeyset).
QString keysetPagedSelect(const QString& columns, QLatin1String table, const QString& where)
{
    return QLatin1String("SELECT ") + columns + QLatin1String(" FROM ") + table + QLatin1String(" WHERE ") + where
        + QLatin1String(" AND id > ? ORDER BY id LIMIT ") + QString::number(streamBatchSize);
}

} // namespace

Result<QHash<QString, StateCounts>> TaskStore::countByQueueAndState()
{
    QHash<QString, StateCounts> result;
    auto configs = queues();
    if (!configs)
        return configs.error();
    for (const QueueConfig& c : *configs)
        result.insert(c.name, StateCounts {});
    QSqlQuery& q = prepared(QStringLiteral("SELECT queue, state, count(*) FROM tasks GROUP BY queue, state"));
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot count tasks"));
    while (q.next()) {
        if (auto state = taskStateFromName(q.value(1).toString()))
            result[q.value(0).toString()][std::size_t(*state)] = q.value(2).toLongLong();
    }
    q.finish();
    return result;
}

Result<qint64> TaskStore::countTasks(const TaskFilter& filter)
{
    const WhereClause where = whereFor(filter, m_dialect);
    QSqlQuery& q = prepared(QLatin1String("SELECT count(*) FROM tasks WHERE ") + where.sql);
    bindAll(q, where.values);
    if (!q.exec() || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot count tasks"));
    const qint64 n = q.value(0).toLongLong();
    q.finish();
    return n;
}

Result<QList<Task>> TaskStore::listTasks(const TaskQuery& query)
{
    const WhereClause where = whereFor(query.filter, m_dialect);
    const QString direction = query.descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
    const QString column = sortColumn(query.sortKey);
    const QString order = column.isEmpty() ? QString(QLatin1String("id") + direction)
                                           : QString(column + direction + QLatin1String(", id") + direction);
    QSqlQuery& q = prepared(QLatin1String("SELECT ") + taskColumns() + QLatin1String(" FROM tasks WHERE ") + where.sql
        + QLatin1String(" ORDER BY ") + order + QLatin1String(" LIMIT ? OFFSET ?"));
    bindAll(q, where.values);
    q.bindValue(int(where.values.size()), query.limit);
    q.bindValue(int(where.values.size()) + 1, query.offset);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot list tasks"));
    QList<Task> result;
    result.reserve(query.limit);
    while (q.next())
        result.append(readTask(q));
    q.finish();
    return result;
}

Result<Task> TaskStore::task(qint64 id)
{
    QSqlQuery& q = prepared(QLatin1String("SELECT ") + taskColumns() + QLatin1String(" FROM tasks WHERE id = ?"));
    q.bindValue(0, id);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read task %1").arg(id));
    if (!q.next())
        return Error {ErrorCode::NotFound, QStringLiteral("There is no task %1").arg(id)};
    Task t = readTask(q);
    q.finish();
    return t;
}

Result<TaskWithEvents> TaskStore::taskWithEvents(qint64 id)
{
    auto t = task(id);
    if (!t)
        return t.error();
    TaskWithEvents result {*t, {}};
    QSqlQuery& q = prepared(
        QLatin1String("SELECT ") + eventColumns() + QLatin1String(" FROM task_events WHERE task_id = ? ORDER BY id"));
    q.bindValue(0, id);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the history of task %1").arg(id));
    while (q.next())
        result.events.append(readEvent(q));
    q.finish();
    return result;
}

Status TaskStore::forEachTask(const TaskFilter& filter, const std::function<bool(const Task&)>& fn)
{
    const WhereClause where = whereFor(filter, m_dialect);
    const QString sql = keysetPagedSelect(taskColumns(), QLatin1String("tasks"), where.sql);
    const QString context = QStringLiteral("Cannot read tasks");
    if (m_sqlite) {
        return streamStatementByKeyset<Task>(
            sqliteStatement(sql), where.values, [](const SqliteStatement& s) { return taskFromRow(StatementRow {s}); },
            fn, context);
    }
    return streamByKeyset<Task>(prepared(sql), where.values, readTask, fn, context);
}

Status TaskStore::forEachEvent(
    qint64 from, qint64 to, const QStringList& queues, const std::function<bool(const TaskEvent&)>& fn)
{
    WhereClause where;
    if (from > 0)
        where.add(QStringLiteral("at >= ?"), {from});
    if (to > 0)
        where.add(QStringLiteral("at < ?"), {to});
    where.addIn(QStringLiteral("queue"), queues, [](const QString& q) { return QVariant(q); });
    const QString sql = keysetPagedSelect(eventColumns(), QLatin1String("task_events"), where.sql);
    const QString context = QStringLiteral("Cannot read task history");
    if (m_sqlite) {
        return streamStatementByKeyset<TaskEvent>(
            sqliteStatement(sql), where.values, [](const SqliteStatement& s) { return eventFromRow(StatementRow {s}); },
            fn, context);
    }
    return streamByKeyset<TaskEvent>(prepared(sql), where.values, readEvent, fn, context);
}

Result<QStringList> TaskStore::distinctTypes()
{
    QSqlQuery& q = prepared(QStringLiteral("SELECT DISTINCT type FROM tasks ORDER BY type"));
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot list task types"));
    QStringList result;
    while (q.next())
        result.append(q.value(0).toString());
    q.finish();
    return result;
}

Result<qint64> TaskStore::lastEventId()
{
    QSqlQuery& q = prepared(QStringLiteral("SELECT COALESCE(max(id), 0) FROM task_events"));
    if (!q.exec() || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the history"));
    const qint64 id = q.value(0).toLongLong();
    q.finish();
    return id;
}

Result<qint64> TaskStore::dataVersion()
{
    if (m_dialect.postgres)
        return postgresDataVersion();
    QSqlQuery& q = prepared(QStringLiteral("PRAGMA data_version"));
    if (!q.exec() || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the data version"));
    const qint64 v = q.value(0).toLongLong();
    q.finish();
    return v;
}

Result<QList<Task>> TaskStore::tasksWithIdempotencyKeys(const QStringList& keys)
{
    QList<Task> result;
    // One statement per key, prepared once: each is a lookup in the unique index tasks_idempotency.
    QSqlQuery& q
        = prepared(QLatin1String("SELECT ") + taskColumns() + QLatin1String(" FROM tasks WHERE idempotency_key = ?"));
    for (const QString& key : keys) {
        q.bindValue(0, key);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot look up idempotency keys"));
        if (q.next())
            result.append(readTask(q));
        q.finish();
    }
    return result;
}

} // namespace qd
