#pragma once

#include <QString>

namespace qd {

// Who performs the admin actions of a process, written into every audit log row it records (see auditentry.h). Set
// once when a store opens (StoreOptions::actor); empty fields are filled from the system then (completed()).
struct AuditActor {
    QString user; // the OS user name; empty: $USER (or $USERNAME, else the uid)
    QString host; // empty: this machine's host name
    QString client; // "gui", "cli" or a program's name; empty: the application's name, else "program"

    // This actor with its empty fields filled from the system and the application.
    AuditActor completed() const;
};

} // namespace qd
