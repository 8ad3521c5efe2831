#pragma once

#include <QJsonObject>
#include <QString>

namespace qd::bench {

// B24: exporting task events from the window against `queuedesk-cli export events` (issue 17 measured the window
// about 110x slower). Runs in qd_bench_ui (it needs a QApplication). Thread contract: the GUI thread.

// A database at `path` whose history holds `events` events (four per task: enqueued, started, succeeded or failed,
// with worker, detail and duration), written directly in one transaction. Any failure ends the run.
void buildEventHistory(const QString& path, int events);

// One repetition: the window's export (an ExportDialog set to every event as CSV, Export pressed, timed to its
// exportSucceeded, with the event loop running as in the window) and the CLI's code path (a TaskStore opened on
// this thread and HistoryExporter::exportEvents into a file, as cli_exportcommand does), in the order given. Both
// outputs are checked to hold every event. Returns {events, gui_ms, cli_ms, gui_events_per_s, cli_events_per_s} and
// each side's process CPU time (gui_cpu_ms, cli_cpu_ms: the cost apart from waiting for a core).
QJsonObject measureGuiExport(const QString& path, int events, bool guiFirst);

} // namespace qd::bench
