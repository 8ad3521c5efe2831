#include "commitbell.h"

#include "databaseurl.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QStandardPaths>

#include <cerrno>
#include <csignal>

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace qd {

namespace {
Q_LOGGING_CATEGORY(lcBell, "qd.core.commitbell")
}

CommitBell::CommitBell(const QString& databasePath, std::function<void()> onOtherCommit, QByteArray ownName)
    : m_folder(databasePath + QLatin1String("-wake"))
    , m_ownName(ownName.isEmpty() ? QByteArray::number(qint64(::getpid())) : std::move(ownName))
    , m_onOtherCommit(std::move(onOtherCommit))
{
    QDir().mkpath(m_folder);
    const QByteArray folder = QFile::encodeName(m_folder);
    m_inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (m_inotify >= 0)
        m_folderWatch = ::inotify_add_watch(m_inotify, folder.constData(), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
    if (m_folderWatch < 0 || ::pipe2(m_stopPipe, O_CLOEXEC) != 0) {
        qCInfo(lcBell) << "cannot watch" << m_folder << ": other processes' commits are seen by polling only";
        return;
    }
    removeFilesOfDeadProcesses();
    // Files already there are watched now; those created later are reported by the folder's watch.
    for (const QString& name : QDir(m_folder).entryList(QDir::Files))
        watchOtherFile(QFile::encodeName(name));
    const QByteArray own = QByteArray(folder + '/' + m_ownName);
    m_ownFile = ::open(own.constData(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (m_ownFile < 0)
        qCInfo(lcBell) << "cannot ring in" << m_folder << ": this process's commits wake others at their poll only";
    m_thread = std::thread([this] { run(); });
}

CommitBell::~CommitBell()
{
    if (m_thread.joinable()) {
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_rearmed.notify_all();
        const char stop = 's';
        [[maybe_unused]] const ssize_t written = ::write(m_stopPipe[1], &stop, 1);
        m_thread.join();
    }
    if (m_ownFile >= 0)
        ::unlink(QByteArray(QFile::encodeName(m_folder) + '/' + m_ownName).constData());
    for (int fd : {m_ownFile, m_stopPipe[0], m_stopPipe[1], m_inotify}) {
        if (fd >= 0)
            ::close(fd);
    }
}

void CommitBell::ring()
{
    if (m_ownFile >= 0 && m_others.load(std::memory_order_relaxed) > 0) [[maybe_unused]]
        const ssize_t written = ::pwrite(m_ownFile, "r", 1, 0);
}

QString CommitBell::serverBellPath(const DatabaseUrl& url)
{
    const QString server = QStringLiteral("%1\n%2\n%3\n%4\n%5")
                               .arg(url.host, QString::number(url.port), url.socket, url.databaseName, url.schema);
    const QByteArray hash = QCryptographicHash::hash(server.toUtf8(), QCryptographicHash::Sha256).toHex().left(24);
    QString folder = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (folder.isEmpty())
        folder = QDir::tempPath();
    return folder + QStringLiteral("/queuedesk-") + QLatin1String(hash);
}

void CommitBell::ringOnce(const QString& databasePath)
{
    const QByteArray own
        = QFile::encodeName(databasePath + QLatin1String("-wake/")) + QByteArray::number(qint64(::getpid()));
    const int file = ::open(own.constData(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (file < 0)
        return; // no folder: no process has listened yet
    [[maybe_unused]] const ssize_t written = ::pwrite(file, "r", 1, 0);
    ::close(file);
    ::unlink(own.constData());
}

void CommitBell::rearm()
{
    {
        std::lock_guard lock(m_mutex);
        m_armed = true;
    }
    m_rearmed.notify_all();
}

bool CommitBell::waitForRearm()
{
    std::unique_lock lock(m_mutex);
    m_rearmed.wait(lock, [this] { return m_armed || m_stopping; });
    return !m_stopping;
}

void CommitBell::removeFilesOfDeadProcesses() const
{
    // A process killed with SIGKILL leaves its file behind. (Another host's process on a shared folder is not seen
    // as alive here: its file goes, and comes back at its next start.)
    const QStringList names = QDir(m_folder).entryList(QDir::Files);
    for (const QString& name : names) {
        bool isPid = false;
        const qint64 pid = name.toLongLong(&isPid);
        if (isPid && pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH)
            QFile::remove(m_folder + QLatin1Char('/') + name);
    }
}

void CommitBell::watchOtherFile(const QByteArray& name)
{
    if (name == m_ownName)
        return;
    const QByteArray path = QFile::encodeName(m_folder) + '/' + name;
    const int watch = ::inotify_add_watch(m_inotify, path.constData(), IN_MODIFY);
    if (watch < 0)
        return; // gone already (a one-shot ringer's file)
    m_fileWatches[watch] = name;
    m_others.store(int(m_fileWatches.size()), std::memory_order_relaxed);
}

bool CommitBell::readEvents()
{
    alignas(inotify_event) char events[4096];
    bool other = false;
    ssize_t length = 0;
    while ((length = ::read(m_inotify, events, sizeof events)) > 0) {
        for (ssize_t at = 0; at < length;) {
            const auto* event = reinterpret_cast<const inotify_event*>(events + at);
            at += ssize_t(sizeof(inotify_event)) + event->len;
            if (event->mask & IN_Q_OVERFLOW) {
                other = true;
            } else if (event->wd == m_folderWatch) {
                const QByteArray name(event->name);
                if (name != m_ownName) {
                    watchOtherFile(name);
                    other = true; // a new process, or a one-shot ringer whose write came before the watch
                }
            } else if (event->mask & IN_IGNORED) {
                m_fileWatches.erase(event->wd); // its process removed its file
                m_others.store(int(m_fileWatches.size()), std::memory_order_relaxed);
            } else if (event->mask & IN_MODIFY) {
                other = true;
            }
        }
    }
    return other;
}

void CommitBell::run()
{
    for (;;) {
        if (!waitForRearm())
            return;
        pollfd fds[2] = {{m_stopPipe[0], POLLIN, 0}, {m_inotify, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0)
            continue; // EINTR
        if (fds[0].revents != 0)
            return;
        m_wakeups.fetch_add(1, std::memory_order_relaxed);
        // Everything rung so far is one wake: the writer reads the data version once for all of it.
        if (!readEvents())
            continue;
        {
            std::lock_guard lock(m_mutex);
            m_armed = false;
        }
        m_onOtherCommit();
    }
}

} // namespace qd
