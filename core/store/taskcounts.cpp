// The number of tasks per queue and state: kept in task_counts by every write transaction, read without counting.
#include "taskstore_p.h"

#include <QRandomGenerator>

#include <algorithm>
#include <tuple>

namespace qd {

using namespace storeimpl;

namespace {

struct CountDelta {
    QString queue;
    TaskState state;
    qint64 n;
};

void addDelta(std::vector<CountDelta>& deltas, const QString& queue, TaskState state, qint64 n)
{
    // A transaction touches few queues and states: a linear search beats hashing.
    for (CountDelta& d : deltas) {
        if (d.state == state && d.queue == queue) {
            d.n += n;
            return;
        }
    }
    deltas.push_back({queue, state, n});
}

// Every queue (those with no task too) with the counts of `rows` (queue, state, count).
Result<QHash<QString, StateCounts>> countsPerQueue(const QList<QueueConfig>& queues, StoreStatement& rows)
{
    QHash<QString, StateCounts> result;
    for (const QueueConfig& c : queues)
        result.insert(c.name, StateCounts {});
    while (rows.next()) {
        const qint64 n = rows.integer(2);
        if (auto state = taskStateFromName(rows.text(1)); state && n != 0)
            result[rows.text(0)][std::size_t(*state)] = n;
    }
    if (!rows.finish())
        return rows.error(QStringLiteral("Cannot count tasks"));
    return result;
}

} // namespace

Status TaskStore::writeCountDeltas()
{
    const qsizetype from = std::min(m_transitionsBefore, m_transitions.size());
    if (m_transitions.size() == from || !schemaHas(taskCountsSchemaVersion))
        return success();
    std::vector<CountDelta> deltas;
    for (qsizetype i = from; i < m_transitions.size(); ++i) {
        const StateTransition& t = m_transitions.at(i);
        if (t.from)
            addDelta(deltas, t.queue, *t.from, -1);
        if (t.to)
            addDelta(deltas, t.queue, *t.to, +1);
    }
    // In one order in every process, so that two transactions sharing a slot wait for each other, never deadlock.
    std::sort(deltas.begin(), deltas.end(), [](const CountDelta& a, const CountDelta& b) {
        return std::tie(a.queue, a.state) < std::tie(b.queue, b.state);
    });
    if (m_dialect.server && m_countSlot == 0)
        m_countSlot = 1 + int(QRandomGenerator::global()->bounded(63));
    for (const CountDelta& d : deltas) {
        if (d.n == 0)
            continue;
        StoreStatement add = statement(m_dialect.addCountDelta);
        add.bind(1, qint64(m_countSlot));
        add.bind(2, d.queue);
        add.bind(3, taskStateName(d.state));
        add.bind(4, d.n);
        if (!add.run())
            return add.error(QStringLiteral("Cannot keep the task counts"));
    }
    return success();
}

Result<QHash<QString, StateCounts>> TaskStore::countByQueueAndState()
{
    if (!schemaHas(taskCountsSchemaVersion))
        return recountByQueueAndState();
    auto configs = queues();
    if (!configs)
        return configs.error();
    StoreStatement q = statement(QStringLiteral("SELECT queue, state, sum(n) FROM task_counts GROUP BY queue, state"));
    return countsPerQueue(*configs, q);
}

bool TaskStore::keptCountsAnswer(const TaskFilter& filter) const
{
    // Outside a transaction only: the kept counts get a transaction's own changes just before its commit.
    return schemaHas(taskCountsSchemaVersion) && m_txDepth == 0 && filter.ids.isEmpty() && filter.types.isEmpty()
        && filter.search.isEmpty() && filter.createdFrom == 0 && filter.createdTo == 0;
}

Result<qint64> TaskStore::keptTaskCount(const TaskFilter& filter)
{
    WhereClause where;
    where.addIn(QStringLiteral("queue"), filter.queues, [](const QString& q) { return QVariant(q); });
    where.addIn(QStringLiteral("state"), filter.states, [](TaskState s) { return QVariant(taskStateName(s)); });
    StoreStatement q = statement(QLatin1String("SELECT COALESCE(sum(n), 0) FROM task_counts WHERE ") + where.sql);
    bindAll(q, where.values);
    const qint64 n = q.next() ? q.integer(0) : 0;
    if (!q.finish())
        return q.error(QStringLiteral("Cannot count tasks"));
    return n;
}

Result<QHash<QString, StateCounts>> TaskStore::recountByQueueAndState()
{
    auto configs = queues();
    if (!configs)
        return configs.error();
    StoreStatement q = statement(QStringLiteral("SELECT queue, state, count(*) FROM tasks GROUP BY queue, state"));
    return countsPerQueue(*configs, q);
}

} // namespace qd
