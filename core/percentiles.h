#pragma once

#include <QList>

namespace qd {

// The p-th percentile (0..100) by nearest rank; 0 for no values. Sorts `values` in place.
double percentile(QList<qint64>& values, double p);

} // namespace qd
