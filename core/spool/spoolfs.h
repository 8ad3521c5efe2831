#pragma once

// File-system helpers shared by the spool classes (internal to core/spool): POSIX calls on encoded names, errors
// with the system's words.
#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <sys/stat.h>

namespace qd::spoolfs {

// A file or directory descriptor closed at scope exit.
class Fd {
public:
    explicit Fd(int fd = -1)
        : m_fd(fd)
    { }
    ~Fd();
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return m_fd; }
    bool ok() const { return m_fd >= 0; }

private:
    int m_fd;
};

int openDir(const QByteArray& path);
QString errnoText(int error);
Error ioError(const QString& what, int error);
// Errors that concern a whole folder or disk rather than one file: no file of the spool can go on until they end.
bool isFolderError(int error);
qint64 mtimeNs(const struct stat& st);
QString displayName(const QByteArray& name);
// The names of a folder but "." and "..".
Result<QList<QByteArray>> listDir(const QByteArray& path);

} // namespace qd::spoolfs
