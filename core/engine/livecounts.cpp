#include "livecounts.h"

#include "enginelog.h"

#include "core/taskstore.h"

namespace qd {

QHash<QString, StateCounts> LiveCounts::counts() const
{
    std::lock_guard lock(m_mutex);
    return m_counts;
}

void LiveCounts::recount(TaskStore& store)
{
    auto counts = store.countByQueueAndState();
    if (!counts) {
        qCWarning(lcEngine) << counts.errorString();
        return;
    }
    m_stale = false;
    std::lock_guard lock(m_mutex);
    m_counts = *counts;
}

void LiveCounts::apply(const QList<StateTransition>& transitions)
{
    // Readers hold implicitly shared copies of the published hash: change a copy of our own and publish it, so the
    // data a reader looks at is never written in place.
    QHash<QString, StateCounts> published;
    {
        std::lock_guard lock(m_mutex);
        published = m_counts;
    }
    for (const StateTransition& t : transitions) {
        StateCounts& counts = published[t.queue];
        if (t.from)
            --counts[std::size_t(*t.from)];
        if (t.to)
            ++counts[std::size_t(*t.to)];
    }
    std::lock_guard lock(m_mutex);
    m_counts = std::move(published);
}

} // namespace qd
