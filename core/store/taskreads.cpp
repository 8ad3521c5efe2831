// Reads of tasks and their history: counts, pages, single tasks, streams, and the data version.
#include "taskstore_p.h"

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
Status streamByKeyset(StoreStatement q, const QList<QVariant>& binds, ReadFn read,
    const std::function<bool(const Row&)>& fn, const QString& context)
{
    qint64 lastId = 0;
    for (;;) {
        bindAll(q, binds);
        q.bind(int(binds.size() + 1), lastId);
        int rows = 0;
        while (q.next()) {
            const Row row = read(q);
            lastId = row.id;
            ++rows;
            if (!fn(row)) {
                q.stop();
                return success();
            }
        }
        if (!q.finish())
            return q.error(context);
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

Result<qint64> TaskStore::countTasks(const TaskFilter& filter)
{
    // No filter, or one on queues and states alone (the task table as it opens): a read of a few kept rows.
    if (keptCountsAnswer(filter))
        return keptTaskCount(filter);
    const WhereClause where = whereFor(filter, m_dialect, isEncrypted(), m_searchIndexed);
    StoreStatement q = statement(QLatin1String("SELECT count(*) FROM tasks WHERE ") + where.sql);
    bindAll(q, where.values);
    const qint64 n = q.next() ? q.integer(0) : 0;
    if (!q.finish())
        return q.error(QStringLiteral("Cannot count tasks"));
    return n;
}

Result<QList<Task>> TaskStore::listTasks(const TaskQuery& query)
{
    const WhereClause where = whereFor(query.filter, m_dialect, isEncrypted(), m_searchIndexed);
    const QString direction = query.descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
    const QString column = sortColumn(query.sortKey);
    const QString order = column.isEmpty() ? QString(QLatin1String("id") + direction)
                                           : QString(column + direction + QLatin1String(", id") + direction);
    StoreStatement q = statement(QLatin1String("SELECT ") + taskColumns() + QLatin1String(" FROM tasks WHERE ")
        + where.sql + QLatin1String(" ORDER BY ") + order + QLatin1String(" LIMIT ? OFFSET ?"));
    bindAll(q, where.values);
    q.bind(int(where.values.size() + 1), query.limit);
    q.bind(int(where.values.size() + 2), query.offset);
    QList<Task> result;
    result.reserve(query.limit);
    while (q.next())
        result.append(readTask(q));
    if (!q.finish())
        return q.error(QStringLiteral("Cannot list tasks"));
    return result;
}

Result<Task> TaskStore::task(qint64 id)
{
    StoreStatement q = statement(QLatin1String("SELECT ") + taskColumns() + QLatin1String(" FROM tasks WHERE id = ?"));
    q.bind(1, id);
    std::optional<Task> t;
    if (q.next())
        t = readTask(q);
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read task %1").arg(id));
    if (!t)
        return Error {ErrorCode::NotFound, QStringLiteral("There is no task %1").arg(id)};
    return *t;
}

Result<TaskWithEvents> TaskStore::taskWithEvents(qint64 id)
{
    auto t = task(id);
    if (!t)
        return t.error();
    TaskWithEvents result {*t, {}};
    StoreStatement q = statement(
        QLatin1String("SELECT ") + eventColumns() + QLatin1String(" FROM task_events WHERE task_id = ? ORDER BY id"));
    q.bind(1, id);
    while (q.next())
        result.events.append(readEvent(q));
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read the history of task %1").arg(id));
    const Result<std::optional<crypto::ProducerKey>> signer = taskSigner(id);
    if (!signer)
        return signer.error();
    if (signer->has_value())
        result.signer = TaskSigner {(*signer)->id, (*signer)->name, (*signer)->revokedAt};
    return result;
}

Status TaskStore::forEachTask(const TaskFilter& filter, const std::function<bool(const Task&)>& fn)
{
    const WhereClause where = whereFor(filter, m_dialect, isEncrypted(), m_searchIndexed);
    return streamByKeyset<Task>(
        statement(keysetPagedSelect(taskColumns(), QLatin1String("tasks"), where.sql)), where.values,
        [this](const StoreStatement& row) { return readTask(row); }, fn, QStringLiteral("Cannot read tasks"));
}

// The events of a time range ([from, to), 0: open) and queues (empty: all).
static WhereClause eventWhere(qint64 from, qint64 to, const QStringList& queues)
{
    WhereClause where;
    if (from > 0)
        where.add(QStringLiteral("at >= ?"), {from});
    if (to > 0)
        where.add(QStringLiteral("at < ?"), {to});
    where.addIn(QStringLiteral("queue"), queues, [](const QString& q) { return QVariant(q); });
    return where;
}

Result<qint64> TaskStore::countEvents(qint64 from, qint64 to, const QStringList& queues)
{
    const WhereClause where = eventWhere(from, to, queues);
    StoreStatement q = statement(QLatin1String("SELECT count(*) FROM task_events WHERE ") + where.sql);
    bindAll(q, where.values);
    const qint64 n = q.next() ? q.integer(0) : 0;
    if (!q.finish())
        return q.error(QStringLiteral("Cannot count events"));
    return n;
}

Status TaskStore::forEachEvent(
    qint64 from, qint64 to, const QStringList& queues, const std::function<bool(const TaskEvent&)>& fn)
{
    const WhereClause where = eventWhere(from, to, queues);
    return streamByKeyset<TaskEvent>(
        statement(keysetPagedSelect(eventColumns(), QLatin1String("task_events"), where.sql)), where.values,
        [this](const StoreStatement& row) { return readEvent(row); }, fn, QStringLiteral("Cannot read task history"));
}

Result<QStringList> TaskStore::distinctTypes()
{
    // A skip scan of the tasks_type index: one lookup per type instead of a pass over every task.
    StoreStatement q = statement(QStringLiteral(
        "WITH RECURSIVE types(type) AS (SELECT min(type) FROM tasks UNION ALL "
        "SELECT (SELECT min(type) FROM tasks WHERE type > types.type) FROM types WHERE types.type IS NOT NULL) "
        "SELECT type FROM types WHERE type IS NOT NULL ORDER BY type"));
    QStringList result;
    while (q.next())
        result.append(q.text(0));
    if (!q.finish())
        return q.error(QStringLiteral("Cannot list task types"));
    return result;
}

Result<qint64> TaskStore::lastEventId()
{
    return singleInteger(QStringLiteral("SELECT COALESCE(max(id), 0) FROM task_events"), "Cannot read the history");
}

Result<qint64> TaskStore::dataVersion()
{
    if (m_dialect.postgres)
        return postgresDataVersion();
    if (isMariaDb())
        return mariaDbDataVersion();
    return singleInteger(QStringLiteral("PRAGMA data_version"), "Cannot read the data version");
}

Result<QList<Task>> TaskStore::tasksWithIdempotencyKeys(const QStringList& keys)
{
    QList<Task> result;
    // One statement per key, prepared once: each is a lookup in the unique index tasks_idempotency.
    StoreStatement q
        = statement(QLatin1String("SELECT ") + taskColumns() + QLatin1String(" FROM tasks WHERE idempotency_key = ?"));
    for (const QString& key : keys) {
        q.bind(1, key);
        if (q.next())
            result.append(readTask(q));
        if (!q.finish())
            return q.error(QStringLiteral("Cannot look up idempotency keys"));
    }
    return result;
}

} // namespace qd
