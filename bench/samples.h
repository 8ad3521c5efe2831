#pragma once

#include <vector>

namespace qd::bench {

// Repeated measurements of one quantity. The machine is shared and noisy, so the report shows the median and the
// whole range rather than a mean that one disturbed run would drag around.
class Samples {
public:
    void add(double value) { m_values.push_back(value); }
    bool isEmpty() const { return m_values.empty(); }
    const std::vector<double>& values() const { return m_values; }
    double median() const;
    double min() const;
    double max() const;

private:
    std::vector<double> m_values;
};

// Nearest-rank percentile (p in [0, 100]) of unsorted values; 0 for none.
double percentileOf(std::vector<double> values, double p);

} // namespace qd::bench
