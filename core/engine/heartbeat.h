#pragma once

#include "core/processrecord.h"
#include "core/queueengine.h"

namespace qd {

class TaskStore;

// This process's row in `processes`: written by the writer inside its cycle's transaction every beat interval (the
// first beat in the first cycle after open), removed at a clean stop. Off for a read-only store and for an engine
// whose EngineOptions::processKind is empty.
//
// Thread contract: writer thread only (like the store it writes through).
class Heartbeat {
public:
    static constexpr qint64 pruneAfterMs = 24 * 3600 * 1000; // rows last seen longer ago go

    Heartbeat(const EngineOptions& options, QString owner);

    bool isEnabled() const { return m_enabled; }
    bool isDue(qint64 now) const { return m_enabled && now >= m_nextBeat; }
    qint64 nextBeatAt() const { return m_enabled ? m_nextBeat : 0; }
    // Inside the cycle's transaction: records that we live with `workers` worker threads. A failed beat is logged
    // and tried again at the next interval (a lost process shows as lost only after several missed beats).
    void beat(TaskStore& store, qint64 now, int workers);
    // At a clean stop, in a transaction of its own: removes our row if we wrote one.
    void stop(TaskStore& store);

private:
    ProcessRecord m_self;
    bool m_enabled = false;
    bool m_written = false;
    qint64 m_nextBeat = 0;
};

} // namespace qd
