#include "spoolfs.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace qd::spoolfs {

Fd::~Fd()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

int openDir(const QByteArray& path)
{
    return ::open(path.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

Error ioError(const QString& what, int error)
{
    return Error {ErrorCode::Io, QStringLiteral("%1: %2").arg(what, errnoText(error))};
}

bool isFolderError(int error)
{
    return error == EACCES || error == EROFS || error == ENOSPC || error == EDQUOT || error == EIO;
}

qint64 mtimeNs(const struct stat& st)
{
    return qint64(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

QString displayName(const QByteArray& name)
{
    return QFile::decodeName(name);
}

Result<QList<QByteArray>> listDir(const QByteArray& path)
{
    DIR* dir = ::opendir(path.constData());
    if (!dir)
        return ioError(QStringLiteral("Cannot list %1").arg(QFile::decodeName(path)), errno);
    QList<QByteArray> names;
    while (const dirent* entry = ::readdir(dir)) {
        const char* n = entry->d_name;
        if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0)))
            continue;
        names.append(QByteArray(n));
    }
    ::closedir(dir);
    return names;
}

} // namespace qd::spoolfs
