#include "storeoptions.h"

#include "diskreserve.h"
#include "sqlerrors.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QThread>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#endif

namespace qd {

namespace {

const QLatin1String fileName("/queuedesk.db");

QString walOf(const QString& path)
{
    return path + QLatin1String("-wal");
}

QString shmOf(const QString& path)
{
    return path + QLatin1String("-shm");
}

#ifdef Q_OS_UNIX
// SQLite's locks on a database file (os_unix.c): PENDING_BYTE, RESERVED_BYTE, then the 510 bytes of SHARED locks.
// A connection holds a SHARED lock for as long as it has a WAL database open, so a write lock over the range is
// refused while any other process has the file open, and keeps others from opening it while held.
constexpr off_t sqlitePendingByte = 0x40000000;
constexpr off_t sqliteLockBytes = 2 + 510;
// The -shm file's "dead man switch" byte (UNIX_SHM_DMS), read-locked by every process that has it mapped.
constexpr off_t sqliteShmDmsByte = 128;

// Holds a write lock on SQLite's lock bytes of a database file, or says why it cannot.
class ExclusiveUse {
public:
    explicit ExclusiveUse(const QString& path)
        : m_fd(::open(QFile::encodeName(path).constData(), O_RDWR | O_CLOEXEC))
    {
        if (m_fd < 0) {
            m_why = QString::fromLocal8Bit(std::strerror(errno));
            return;
        }
        struct flock lock { };
        lock.l_type = F_WRLCK;
        lock.l_whence = SEEK_SET;
        lock.l_start = sqlitePendingByte;
        lock.l_len = sqliteLockBytes;
        // A program that is itself opening or moving it holds the lock for moments; one that has it open, for good.
        for (int attempt = 0; attempt < 20; ++attempt) {
            if (::fcntl(m_fd, F_SETLK, &lock) == 0) {
                m_held = true;
                break;
            }
            QThread::msleep(25);
        }
        if (!m_held)
            m_why = QStringLiteral("another program has it open");
        else if (shmInUse(shmOf(path)))
            m_why = QStringLiteral("another program has it open (its -shm file is in use)");
    }
    ~ExclusiveUse()
    {
        if (m_fd >= 0)
            ::close(m_fd); // releases the lock
    }
    ExclusiveUse(const ExclusiveUse&) = delete;
    ExclusiveUse& operator=(const ExclusiveUse&) = delete;

    bool ok() const { return m_held && m_why.isEmpty(); }
    QString why() const { return m_why; }

private:
    static bool shmInUse(const QString& shm)
    {
        const int fd = ::open(QFile::encodeName(shm).constData(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return false;
        struct flock lock { };
        lock.l_type = F_WRLCK;
        lock.l_whence = SEEK_SET;
        lock.l_start = sqliteShmDmsByte;
        lock.l_len = 1;
        const bool inUse = ::fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
        ::close(fd);
        return inUse;
    }

    int m_fd = -1;
    bool m_held = false;
    QString m_why;
};
#endif

bool renameFile(const QString& from, const QString& to, QString* why)
{
#ifdef Q_OS_UNIX
    // rename(2): atomic, and never a copy (QFile::rename copies across file systems).
    if (::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) == 0)
        return true;
    *why = QString::fromLocal8Bit(std::strerror(errno));
    return false;
#else
    QFile file(from);
    if (file.rename(to))
        return true;
    *why = file.errorString();
    return false;
#endif
}

// Moves the database at `from` to `to` if that is safe; otherwise says why not.
bool moveDatabase(const QString& from, const QString& to, QString* why)
{
    for (const QString& leftover : {walOf(to), shmOf(to)}) {
        if (QFileInfo::exists(leftover)) {
            *why = QStringLiteral("%1 is in the way").arg(QDir::toNativeSeparators(leftover));
            return false;
        }
    }
#ifdef Q_OS_UNIX
    const ExclusiveUse use(from);
    if (!use.ok()) {
        *why = use.why();
        return false;
    }
#endif
    if (QFileInfo(walOf(from)).size() > 0) {
        *why = QStringLiteral("its write-ahead log holds changes not yet in the file (a program ended without "
                              "closing it); it is moved once it has been closed");
        return false;
    }
    if (!QDir().mkpath(QFileInfo(to).path())) {
        *why = QStringLiteral("cannot create %1").arg(QDir::toNativeSeparators(QFileInfo(to).path()));
        return false;
    }
    if (!renameFile(from, to, why))
        return false;
    // The database is complete at its new place; its empty log and its shared-memory index follow (nobody has them
    // open; SQLite rebuilds an index that is missing).
    QString ignored;
    for (const auto& [oldFile, newFile] : {std::pair {walOf(from), walOf(to)}, std::pair {shmOf(from), shmOf(to)}}) {
        if (QFileInfo::exists(oldFile) && !renameFile(oldFile, newFile, &ignored))
            QFile::remove(oldFile);
    }
    // What QueueDesk keeps beside a database is made again at the new place: the disk reserve, and the folder of
    // commit bells (whose files are of processes that have ended, as nobody has the database open).
    QFile::remove(diskreserve::pathFor(from));
    QDir(from + QLatin1String("-wake")).removeRecursively();
    return true;
}

} // namespace

QString defaultDatabasePath()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (dir.isEmpty())
        dir = QDir::homePath() + QLatin1String("/.local/share");
    return dir + QLatin1String("/QueueDesk") + fileName;
}

QString oldDefaultDatabasePath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return dir.isEmpty() ? QString() : dir + fileName;
}

QString defaultDatabaseToOpen(bool mayMove)
{
    const QString path = defaultDatabasePath();
    const QString old = oldDefaultDatabasePath();
    if (old.isEmpty() || QFileInfo(old).absoluteFilePath() == QFileInfo(path).absoluteFilePath()
        || QFileInfo::exists(path) || !QFileInfo::exists(old))
        return path;
    if (!mayMove)
        return old;
    QString why;
    if (moveDatabase(old, path, &why)) {
        QDir().rmdir(QFileInfo(old).path()); // only if empty
        qCInfo(lcStore).noquote() << QStringLiteral("moved the database from %1 to %2")
                                         .arg(QDir::toNativeSeparators(old), QDir::toNativeSeparators(path));
        return path;
    }
    if (QFileInfo::exists(path)) // another program moved it meanwhile
        return path;
    qCWarning(lcStore).noquote() << QStringLiteral("using the database at %1; not moved to %2 this time: %3")
                                        .arg(QDir::toNativeSeparators(old), QDir::toNativeSeparators(path), why);
    return old;
}

} // namespace qd
