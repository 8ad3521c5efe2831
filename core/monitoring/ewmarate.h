#pragma once

#include <cmath>

namespace qd {

// An exponentially weighted moving average of a rate over a time window (as a load average is): each observation of
// `count` events over `seconds` moves the estimate by 1 − e^(−seconds/window) of the way to count/seconds, so the
// last window's observations carry about 63% of the weight. Pure value, any thread (not shared).
class EwmaRate {
public:
    explicit EwmaRate(double windowSeconds)
        : m_window(windowSeconds)
    { }

    void observe(double count, double seconds)
    {
        if (seconds <= 0)
            return;
        const double instant = count / seconds;
        if (!m_primed) {
            m_rate = instant;
            m_primed = true;
            return;
        }
        m_rate += (1 - std::exp(-seconds / m_window)) * (instant - m_rate);
    }
    double perSecond() const { return m_rate; }
    bool primed() const { return m_primed; }

private:
    double m_window;
    double m_rate = 0;
    bool m_primed = false;
};

} // namespace qd
