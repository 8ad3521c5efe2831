#pragma once

#include <QString>

namespace qd {

// How hard a commit tries to reach the disk.
enum class Durability {
    Normal, // WAL + synchronous=NORMAL: survives a crash or kill of the process; an OS crash may lose the last commits
    Full, // WAL + synchronous=FULL: every commit is flushed; survives power loss. Commits are grouped to stay fast.
};

struct StoreOptions {
    QString path; // a SQLite file; created with its directory unless readOnly
    bool readOnly = false; // open without any write, for looking at a copy after an incident
    Durability durability = Durability::Normal;
    int busyTimeoutMs = 5000; // how long to wait for another program's write lock before failing as "locked"
    bool createIfMissing = true;
};

// The default database: queuedesk.db in the user's data directory (QStandardPaths::AppDataLocation).
QString defaultDatabasePath();

} // namespace qd
