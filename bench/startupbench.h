#pragma once

#include <QHash>
#include <QString>

namespace qd::bench {

// Process start to first rows painted (B25): `queuedesk DB --read-only
// --exit-after-first-rows` on the offscreen platform, with QD_STARTUP_TRACE set.
struct FirstRowsTimes {
    double outsideMs = 0; // process start to the line that says the rows were painted, as a user would wait
    double insideMs = 0; // what the program reports: main() to the first paint with rows
    // The program's start-up milestones (core/startuptrace.h), ms from the kernel's start of the process, by name
    // ("main()", "MainWindow shown", "table's first page arrived", ...): the first time each was printed.
    QHash<QString, double> milestones;
};

// Starts the GUI program `gui` on `db` once; a run that fails ends the benchmark with its error output.
// Thread contract: one thread (blocks until the child exits).
FirstRowsTimes guiFirstRows(const QString& gui, const QString& db);
// The same program's `--version` (loading Qt and the program, no window, no database), start to exit.
double guiVersionMs(const QString& gui);

} // namespace qd::bench
