#include "spoolsettler.h"

#include "spoolfs.h"

#include <QFile>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qd {

using namespace spoolfs;

namespace {

qint64 nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool isPartialName(const QByteArray& name)
{
    return name.startsWith('.') || name.endsWith('~') || name.endsWith(".part") || name.endsWith(".partial")
        || name.endsWith(".crdownload") || name.endsWith(".tmp");
}

} // namespace

SpoolSettler::SpoolSettler(QByteArray folder, QByteArray newDir, qint64 stableMs)
    : m_folder(std::move(folder))
    , m_newDir(std::move(newDir))
    , m_stableMs(stableMs)
{ }

Status SpoolSettler::prepare()
{
    if (::mkdir(m_folder.constData(), 0777) != 0 && errno != EEXIST)
        return ioError(QStringLiteral("Cannot create %1").arg(QFile::decodeName(m_folder)), errno);
    struct stat folder, newDir;
    if (::stat(m_folder.constData(), &folder) != 0)
        return ioError(QStringLiteral("Cannot open %1").arg(QFile::decodeName(m_folder)), errno);
    if (::stat(m_newDir.constData(), &newDir) != 0)
        return ioError(QStringLiteral("Cannot open %1").arg(QFile::decodeName(m_newDir)), errno);
    if (folder.st_dev != newDir.st_dev)
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("%1 is on another file system than %2: its files cannot be moved there atomically")
                .arg(QFile::decodeName(m_folder), QFile::decodeName(m_newDir))};
    return success();
}

std::optional<bool> SpoolSettler::openForWriting(int fd)
{
    // A lease break would signal us (SIGIO by default, which ends a process): SIGURG, ignored by default, instead.
    // The lease is given back at once, so a writer opening the file meanwhile waits only that long.
    if (::fcntl(fd, F_SETSIG, SIGURG) != 0)
        return std::nullopt;
    if (::fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
        ::fcntl(fd, F_SETLEASE, F_UNLCK);
        return false;
    }
    if (errno == EAGAIN)
        return true;
    return std::nullopt; // EACCES (not the owner), EINVAL (no leases here)
}

Result<int> SpoolSettler::settle()
{
    const Result<QList<QByteArray>> names = listDir(m_folder);
    if (!names)
        return names.error();
    const Fd folder(openDir(m_folder));
    const Fd newDir(openDir(m_newDir));
    if (!folder.ok() || !newDir.ok())
        return ioError(QStringLiteral("Cannot open %1").arg(QFile::decodeName(m_folder)), errno);
    const qint64 now = nowMs();
    QHash<QByteArray, Seen> seen;
    seen.reserve(m_seen.size());
    m_nextMs = -1;
    auto waitFor = [&](qint64 since) {
        const qint64 at = since + m_stableMs;
        m_nextMs = m_nextMs < 0 ? at : std::min(m_nextMs, at);
    };
    int moved = 0;
    for (const QByteArray& name : *names) {
        if (isPartialName(name))
            continue;
        struct stat st;
        if (::fstatat(folder.get(), name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0 || S_ISDIR(st.st_mode))
            continue;
        if (S_ISLNK(st.st_mode)) {
            report(name, st.st_ino, QStringLiteral("a symbolic link: left in place, never followed"));
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            report(name, st.st_ino, QStringLiteral("not a regular file: left in place"));
            continue;
        }
        if (accepts && !accepts(name)) {
            report(name, st.st_ino, QStringLiteral("not a file of this spool: left in place"));
            continue;
        }
        Seen state {quint64(st.st_dev), quint64(st.st_ino), qint64(st.st_size), mtimeNs(st),
            qint64(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec, now};
        const auto before = m_seen.constFind(name);
        if (before != m_seen.constEnd() && *before == state)
            state.sinceMs = before->sinceMs;
        if (now - state.sinceMs < m_stableMs) {
            seen.insert(name, state);
            waitFor(state.sinceMs);
            continue;
        }
        const Fd file(::openat(folder.get(), name.constData(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (!file.ok()) {
            if (errno != ENOENT)
                report(name, st.st_ino, QStringLiteral("cannot be read (%1): left in place").arg(errnoText(errno)));
            continue;
        }
        if (openForWriting(file.get()).value_or(false)) {
            state.sinceMs = now; // its writer still has it open: stable from when it closes it
            seen.insert(name, state);
            waitFor(now);
            continue;
        }
        if (::renameat2(folder.get(), name.constData(), newDir.get(), name.constData(), RENAME_NOREPLACE) == 0) {
            ++moved;
            continue;
        }
        const int error = errno;
        if (error == ENOENT)
            continue;
        if (error == EEXIST) {
            report(name, st.st_ino, QStringLiteral("waits: a file of the same name is still in new/"));
            seen.insert(name, state);
            waitFor(now);
            continue;
        }
        if (isFolderError(error) || error == EXDEV || error == EPERM)
            return ioError(
                QStringLiteral("Cannot move files from %1 into new/").arg(QFile::decodeName(m_folder)), error);
        report(name, st.st_ino, QStringLiteral("cannot be moved into new/ (%1): left in place").arg(errnoText(error)));
    }
    m_seen = std::move(seen);
    return moved;
}

qint64 SpoolSettler::msUntilNext() const
{
    return m_nextMs < 0 ? -1 : std::max<qint64>(0, m_nextMs - nowMs());
}

} // namespace qd
