#pragma once

#include <cmath>

namespace qd {

// An exponentially weighted moving average of a rate over a time window (as a load average is): each observation of
// `count` events over `seconds` weighs 1 − e^(−seconds/window), and older ones fade by e^(−seconds/window), so the
// last window's observations carry about 63% of the weight. The average is divided by the weight observed so far:
// a first observation counts for its own length only (a 3 s slice does not stand for a whole 15 min window), and one
// observation over the whole window is that window's plain average. Pure value, any thread (not shared).
class EwmaRate {
public:
    explicit EwmaRate(double windowSeconds)
        : m_window(windowSeconds)
    { }

    void observe(double count, double seconds)
    {
        if (seconds <= 0)
            return;
        const double keep = std::exp(-seconds / m_window);
        m_sum = keep * m_sum + (1 - keep) * (count / seconds);
        m_weight = keep * m_weight + (1 - keep);
        m_primed = true;
    }
    double perSecond() const { return m_weight > 0 ? m_sum / m_weight : 0; }
    bool primed() const { return m_primed; }

private:
    double m_window;
    double m_sum = 0; // the weighted rates
    double m_weight = 0; // their weights
    bool m_primed = false;
};

} // namespace qd
