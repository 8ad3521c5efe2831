#pragma once

#include "auditactor.h"

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
    // The key file of an encrypted database; empty: $QUEUEDESK_KEY_FILE, else crypto::defaultKeyFilePath(). Read
    // only when the database is encrypted.
    QString keyFile;
    // SQLite: payload searches go through the trigram index where it helps (schema 9); false: always a LIKE scan
    // (the benchmark's baseline and the tests' reference).
    bool useSearchIndex = true;
    // Who this process's admin actions are recorded as in the audit log; completed at open (AuditActor::completed).
    AuditActor actor;
};

// The default database: queuedesk.db in a QueueDesk folder of the user's data directory, following the XDG
// convention: $XDG_DATA_HOME/QueueDesk/queuedesk.db, ~/.local/share/QueueDesk/queuedesk.db when that is unset
// (QStandardPaths::GenericDataLocation + "/QueueDesk"). Only computes the path; see defaultDatabaseToOpen().
QString defaultDatabasePath();

// Where QueueDesk kept it before: QStandardPaths::AppDataLocation, which with organisation and application name both
// "QueueDesk" (as the programs set them) is ~/.local/share/QueueDesk/QueueDesk/queuedesk.db.
QString oldDefaultDatabasePath();

// The default database a program should open. When defaultDatabasePath() does not exist and the old one does, the
// old one is moved there first (with its -wal and -shm files, and its folder removed when empty), if `mayMove` and
// if that is safe: no other program has it open (SQLite's locks on it are tested, and held during the move) and its
// write-ahead log is empty (a log left by a program that ended without closing holds changes not yet in the file,
// and two renames cannot move file and log at once). Otherwise the old file is returned, to be used where it is,
// with a warning (category qd.core.store) saying why; a later start moves it. A move is logged as info.
// Without `mayMove` (read-only use) nothing is moved and the old file is returned if it is the only one.
QString defaultDatabaseToOpen(bool mayMove = true);

} // namespace qd
