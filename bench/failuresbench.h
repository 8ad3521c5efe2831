#pragma once

#include <QString>

namespace qd::bench {

// B22: grouping failed attempts by error signature. A database whose history holds `errors` failed attempts of 8
// kinds, each text with its own numbers, ids, UUIDs, paths, URLs, times or quoted values (almost every text
// distinct), on 4 queues and 4 types.
void buildFailureHistory(const QString& path, int errors, unsigned seed);
// TaskStore::failureClusters() over the whole history, in ms; `clusters` says how many it found.
double failureClustersMs(const QString& path, int* clusters = nullptr);
// The baseline: a plain GROUP BY of the raw error text (count, first and last seen) on the same connection kind, in
// ms, every row read.
double rawGroupByMs(const QString& path);

} // namespace qd::bench
