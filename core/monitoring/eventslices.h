#pragma once

#include <QtGlobal>

#include <optional>

namespace qd {

// The spans of task events that the refreshes of a capacity estimate read, one after another. An event is stamped
// when its transaction runs and is seen when it commits, later (a writer cycle, a flush; longer under load; a
// producer on a host whose clock lags stamps its events in the past). A read up to now would miss the events
// stamped just before it that commit just after, and the next read, starting there, would never see them: λ̂ and μ̂
// low by the commit lag over the refresh interval. So each read ends settleMs before now and the next one starts
// where it ended: an event is counted exactly once when it commits within settleMs of its stamp. Pure value, any
// thread (not shared).
class EventSlices {
public:
    static constexpr qint64 defaultSettleMs = 1000;

    struct Span {
        qint64 fromMs = 0;
        qint64 toMs = 0; // exclusive
        double seconds() const { return double(toMs - fromMs) / 1000; }
    };

    explicit EventSlices(qint64 settleMs = defaultSettleMs)
        : m_settleMs(settleMs)
    { }

    // The first read: the `windowMs` before now − settle (a whole window, so the estimate starts as its average).
    // Later reads go on from its end.
    Span first(qint64 nowMs, qint64 windowMs)
    {
        m_readUntil = nowMs - m_settleMs;
        return {m_readUntil - windowMs, m_readUntil};
    }
    // Reads start at fromMs (what happened before is not wanted: a measurement that starts then).
    void startAt(qint64 fromMs) { m_readUntil = fromMs; }
    // The next read: from the end of the last one to now − settle. Nothing before first() or startAt(), or while
    // no time has passed since the last one's end.
    std::optional<Span> next(qint64 nowMs)
    {
        const qint64 end = nowMs - m_settleMs;
        if (!started() || end <= m_readUntil)
            return std::nullopt;
        const Span span {m_readUntil, end};
        m_readUntil = end;
        return span;
    }
    bool started() const { return m_readUntil != 0; }
    qint64 settleMs() const { return m_settleMs; }

private:
    qint64 m_settleMs;
    qint64 m_readUntil = 0; // the end of the last read; 0 before the first
};

} // namespace qd
