#pragma once

#include "core/task.h"

#include <QHash>
#include <QList>

#include <mutex>

namespace qd {

class TaskStore;
struct StateTransition;

// The number of tasks per queue and state, kept in memory from the writer's committed transitions so that counts()
// never queries the database.
// Thread contract: counts() from any thread; everything else on the writer thread.
class LiveCounts {
public:
    QHash<QString, StateCounts> counts() const;

    // Counts every task afresh: a GROUP BY over all of them, slow on a large database.
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
