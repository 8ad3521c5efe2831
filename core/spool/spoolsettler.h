#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <functional>

namespace qd {

// The stable-file mode of a spool, for producers that write files in place and cannot rename them into new/: files
// of a folder (the spool's own, or another on the same file system) are renamed into new/ once they have kept
// their inode, size, mtime and ctime across looks spanning `stableMs`, and, where the kernel grants a read lease
// (Linux; the file's owner or root, not NFS), no process has them open for writing. A writer that pauses for
// longer than stableMs with the file closed cannot be told apart from a finished one: stableMs must exceed the
// producer's longest pause.
//
// Skipped without a report: folders, hidden names (".x", what rsync and many uploaders write first) and the usual
// partial-download names (*.part, *.partial, *.crdownload, *.tmp, *~). Reported and left in place: symbolic links
// (never followed), other non-regular files, unreadable files and files the spool does not take (`accepts`).
//
// Thread contract: one thread (the spool's).
class SpoolSettler {
public:
    SpoolSettler(QByteArray folder, QByteArray newDir, qint64 stableMs);

    // Whether the spool takes a file of this name (a task file or a data file).
    std::function<bool(const QByteArray& name)> accepts;
    // A file left in place, and why (`identity`: its inode, so that a replaced file is reported again).
    std::function<void(const QByteArray& name, quint64 identity, const QString& reason)> report;

    // The folder exists (created if missing) on the same file system as new/.
    Status prepare();
    // One look at the folder: records what changed and moves the files that have settled into new/. Returns how
    // many were moved; an error concerns the folder (cannot be listed, no permission to move files out...).
    Result<int> settle();
    // Milliseconds until the next watched file may have settled (0: now), -1 when none is waiting.
    qint64 msUntilNext() const;

private:
    struct Seen {
        quint64 device = 0, inode = 0;
        qint64 size = 0, mtimeNs = 0, ctimeNs = 0;
        qint64 sinceMs = 0; // when this state was first seen (monotonic clock)
        bool operator==(const Seen& o) const
        {
            return device == o.device && inode == o.inode && size == o.size && mtimeNs == o.mtimeNs
                && ctimeNs == o.ctimeNs;
        }
    };
    // Whether a process has the file open for writing: false when the kernel grants a read lease, true when it
    // refuses for that reason, nullopt when leases cannot tell (not the owner, a file system without them).
    static std::optional<bool> openForWriting(int fd);

    QByteArray m_folder;
    QByteArray m_newDir;
    qint64 m_stableMs;
    QHash<QByteArray, Seen> m_seen; // by name, the files of the last look
    qint64 m_nextMs = -1; // monotonic time at which the next file may settle
};

} // namespace qd
