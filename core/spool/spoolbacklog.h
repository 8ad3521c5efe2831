#pragma once

#include "spoolconfig.h"

#include <QString>

namespace qd {

// What waits in a spool's folders on this host, for the Sources panel: files in new/, files still settling in the
// stable-file mode's folder, files ended in failed/. Counted by listing the folders, so never on the GUI thread.
struct SpoolBacklog {
    bool folderFound = false; // the spool folder exists on this host (spools on another host's disk do not)
    qint64 waiting = 0; // entries of new/
    qint64 settling = -1; // regular files of the stable folder not yet moved to new/; -1 when the mode is off
    qint64 failedFiles = 0; // files in failed/ (failed tasks and rejected files), NAME.result.json not counted
    QString error; // why a folder could not be listed; empty when all were
};

// Any thread; reads the file system.
SpoolBacklog readSpoolBacklog(const SpoolConfig& config);

} // namespace qd
