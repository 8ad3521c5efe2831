#pragma once

#include "core/task.h"

#include <QHash>
#include <QList>

#include <mutex>

namespace qd {

class TaskStore;
struct StateTransition;

// The number of tasks per queue and state, kept in memory from the writer's committed transitions so that counts()
// never queries the database; read again from the database's kept counts at open and when another process wrote.
// Thread contract: counts() from any thread; everything else on the writer thread.
class LiveCounts {
public:
    QHash<QString, StateCounts> counts() const;

    // Reads the counts afresh from the database's kept counts (TaskStore::countByQueueAndState()).
    void recount(TaskStore& store);
    // Another process wrote: recount at the end of the cycle.
    void markStale() { m_stale = true; }
    bool isStale() const { return m_stale; }
    // After a commit: moves the counts by the transitions it committed.
    void apply(const QList<StateTransition>& transitions);

private:
    mutable std::mutex m_mutex;
    QHash<QString, StateCounts> m_counts; // under m_mutex
    bool m_stale = true; // writer thread only
};

} // namespace qd
