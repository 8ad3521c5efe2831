#pragma once

#include <QString>

namespace qd::bench {

// B10: CSV export of every task of a database. Each returns seconds and checks that `expectedRows` rows (plus a
// header) were written, so that a side that silently did less cannot look fast. Thread contract: one thread.

// HistoryExporter::exportTasks with an empty filter to `outPath`, on a TaskStore opened read-only for the export
// (opening is timed: the GUI's export opens a store of its own too).
double exporterSeconds(const QString& databasePath, const QString& outPath, qint64 expectedRows);

// `sqlite3 -csv -header <db> 'SELECT <the exporter's columns> FROM tasks ORDER BY id' > outPath`.
double sqliteShellSeconds(const QString& databasePath, const QString& outPath, qint64 expectedRows);

// Whether the sqlite3 shell can be run at all (the baseline needs it; scripts/install-deps.sh installs it).
bool sqliteShellAvailable();

} // namespace qd::bench
