#include "ownerfile.h"

#include <QFile>
#include <QFileDevice>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qd {

bool restrictToOwner(QFileDevice& file)
{
    return file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

bool createOwnerOnlyFile(const QString& path)
{
    const QByteArray native = QFile::encodeName(path);
    // O_EXCL: only the process that creates the file sets its mode; the mode argument is cut by the umask, fchmod
    // is not.
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0)
        return errno == EEXIST;
    const bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
    ::close(fd);
    return ok;
}

} // namespace qd
