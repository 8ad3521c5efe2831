#pragma once

#include <QJsonObject>
#include <QStringList>

namespace qd::bench {

// Runs qd_bench_ui (built next to qd_bench) once with `arguments`, on the offscreen platform, and returns the JSON
// object it printed. A failure of the child ends the run: a GUI figure that did not run must not look measured.
// Thread contract: one thread (blocks until the child exits, at most `timeoutS` seconds).
QJsonObject runUiBench(const QStringList& arguments, int timeoutS);

} // namespace qd::bench
