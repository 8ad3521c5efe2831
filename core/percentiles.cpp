#include "percentiles.h"

#include <algorithm>
#include <cmath>

namespace qd {

double percentile(QList<qint64>& values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const auto rank = qsizetype(std::ceil(p / 100.0 * double(values.size())));
    return double(values.at(std::clamp<qsizetype>(rank - 1, 0, values.size() - 1)));
}

} // namespace qd
