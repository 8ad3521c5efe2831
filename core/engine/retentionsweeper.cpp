#include "retentionsweeper.h"

#include "core/taskstore.h"

namespace qd {

void RetentionSweeper::setDays(int days)
{
    if (days != m_days)
        m_sweeps = {}; // a shorter retention may make tasks already passed old enough: start over
    m_days = days;
}

Result<qint64> RetentionSweeper::pass(TaskStore& store, qint64 now)
{
    if (m_days <= 0)
        return qint64(0);
    const qint64 finishedBefore = now - qint64(m_days) * 24 * 3600'000;
    constexpr std::array<TaskState, 3> states {TaskState::Succeeded, TaskState::Failed, TaskState::Cancelled};
    qint64 purged = 0;
    for (std::size_t i = 0; i < states.size(); ++i) {
        Sweep& sweep = m_sweeps[i];
        if (now < sweep.restUntil)
            continue;
        auto batch = store.purgeEndedBatch(states[i], sweep.afterId, scanLimit, finishedBefore);
        if (!batch)
            return batch.error();
        purged += batch->purged;
        if (batch->reachedEnd)
            sweep = {0, now + restMs};
        else
            sweep.afterId = batch->lastId;
    }
    return purged;
}

} // namespace qd
