#pragma once

#include <QString>
#include <QStringList>

namespace qd::bench {

// One-shot commands (B14): the wall time of a whole process, from start to exit, as a script sees it.

// Median milliseconds of `runs` runs of `program arguments` (stdout and stderr discarded); a run that fails ends
// the benchmark with its error output.
double medianProcessMs(const QString& program, const QStringList& arguments, int runs);

} // namespace qd::bench
