#pragma once

#include <QString>

namespace qd {

// A few MiB of disk kept beside a SQLite database (DATABASE-reserve) and given back when the disk is full, so that
// QueueDesk can still open the database and purge finished tasks: on a full disk SQLite cannot create the files it
// opens with, and deleting rows needs room in the write-ahead log before it frees anything.
namespace diskreserve {

constexpr qint64 reserveBytes = 4 << 20;

QString pathFor(const QString& database);
// Bytes free for an unprivileged user on the file system holding `path` (a file or folder), -1 if unknown.
qint64 freeBytes(const QString& path);
// Creates the reserve if it is missing and the disk keeps room to spare after it (four times its size free).
// Returns whether it is there afterwards.
bool ensure(const QString& database);
// Deletes the reserve; true if there was one to give back.
bool release(const QString& database);

} // namespace diskreserve

} // namespace qd
