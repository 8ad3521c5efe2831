#pragma once

#include <QtGlobal>

namespace qd::storeimpl {

// Walks task events in id order and says where a reader must stop so that no event is skipped for good.
// With several writers (PostgreSQL, MariaDB) an event id is taken at insert and becomes visible at commit, so id 7
// may show up after id 8 was read; reading "id > last" would skip 7. So a reader stops at the first missing id and
// reads on from there next time, unless the event after the hole is older than holeTimeoutMs: the hole is then
// taken to be for good (a rolled-back transaction's id, or ids a server restart skipped), since no transaction runs
// that long. On SQLite ids commit in order, and every id may be taken. Used by the metrics sampler's reads and the
// events-out relay. Thread contract: a value, on the reader's thread.
class EventIdWalk {
public:
    static constexpr qint64 holeTimeoutMs = 5000;

    EventIdWalk(qint64 afterEventId, bool holesPossible, qint64 nowMs)
        : m_last(afterEventId)
        , m_holesPossible(holesPossible)
        , m_now(nowMs)
    { }

    // Takes the next event read (id, written at atMs) and returns true, or returns false at a hole that may still
    // fill: the reader stops there, and last() stays before the hole.
    bool take(qint64 id, qint64 atMs)
    {
        if (m_holesPossible && id != m_last + 1 && atMs > m_now - holeTimeoutMs)
            return false;
        m_last = id;
        return true;
    }
    // The last event taken (or the starting point).
    qint64 last() const { return m_last; }

private:
    qint64 m_last;
    bool m_holesPossible;
    qint64 m_now;
};

} // namespace qd::storeimpl
