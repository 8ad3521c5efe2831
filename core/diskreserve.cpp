#include "diskreserve.h"

#include <QFile>
#include <QFileInfo>

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace qd::diskreserve {

QString pathFor(const QString& database)
{
    return database + QLatin1String("-reserve");
}

qint64 freeBytes(const QString& path)
{
    const QFileInfo info(path);
    const QByteArray where = QFile::encodeName(info.isDir() ? info.absoluteFilePath() : info.absolutePath());
    struct statvfs fs { };
    if (::statvfs(where.constData(), &fs) != 0)
        return -1;
    return qint64(fs.f_bavail) * qint64(fs.f_frsize);
}

bool ensure(const QString& database)
{
    const QString path = pathFor(database);
    if (QFileInfo(path).size() == reserveBytes)
        return true;
    const qint64 free = freeBytes(database);
    if (free < 0 || free < 4 * reserveBytes)
        return false;
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    // Blocks really taken (not a sparse file), or the reserve would give nothing back.
    const bool taken = ::posix_fallocate(fd, 0, reserveBytes) == 0;
    ::close(fd);
    if (!taken)
        ::unlink(name.constData());
    return taken;
}

bool release(const QString& database)
{
    return ::unlink(QFile::encodeName(pathFor(database)).constData()) == 0;
}

} // namespace qd::diskreserve
