#pragma once

#include <QString>

namespace qd::ui {

// How many workers a window runs on a database, remembered per database in the user's settings (QSettings), so an
// admin who set a production database to 0 ("watch only") is not running its tasks the next time it opens.
// Thread contract: GUI thread (QSettings of the application).

// The workers last chosen for `databasePath`, or `fallback` when none was.
int savedWorkerCount(const QString& databasePath, int fallback);
void saveWorkerCount(const QString& databasePath, int count);

// The most workers the window's control offers.
constexpr int maxWindowWorkers = 64;

} // namespace qd::ui
