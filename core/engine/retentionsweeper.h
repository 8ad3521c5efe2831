#pragma once

#include "core/result.h"

#include <array>

namespace qd {

class TaskStore;

// Deletes ended tasks (and their history) older than the database's retention.endedTasksDays, a small batch per
// ended state at each maintenance pass, so that no cycle holds the write lock for long. Each state is swept in id
// order; once a sweep reaches its end, that state rests a minute before the next sweep.
// Thread contract: writer thread only.
class RetentionSweeper {
public:
    static constexpr int scanLimit = 200; // tasks read per state and pass
    static constexpr qint64 restMs = 60'000;

    // 0: keep ended tasks forever (the sweeper does nothing).
    void setDays(int days);
    int days() const { return m_days; }

    // Inside the writer's transaction: one batch per ended state that is due. Returns how many tasks it deleted.
    Result<qint64> pass(TaskStore& store, qint64 now);

private:
    struct Sweep {
        qint64 afterId = 0;
        qint64 restUntil = 0;
    };
    int m_days = 0;
    std::array<Sweep, 3> m_sweeps {}; // succeeded, failed, cancelled
};

} // namespace qd
