#include "walwatcher.h"

#include <QFile>
#include <QLoggingCategory>

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace qd {

namespace {
Q_LOGGING_CATEGORY(lcWalWatcher, "qd.core.walwatcher")
}

WalWatcher::WalWatcher(const QString& databasePath, std::function<void()> onWrite)
    : m_onWrite(std::move(onWrite))
{
    m_inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (m_inotify < 0) {
        qCInfo(lcWalWatcher) << "no inotify: other processes' commits are seen by polling only";
        return;
    }
    const QByteArray wal = QFile::encodeName(databasePath + QLatin1String("-wal"));
    if (::inotify_add_watch(m_inotify, wal.constData(), IN_MODIFY) < 0 || ::pipe2(m_stopPipe, O_CLOEXEC) != 0) {
        qCInfo(lcWalWatcher) << "cannot watch" << wal << ": other processes' commits are seen by polling only";
        return;
    }
    m_thread = std::thread([this] { run(); });
}

WalWatcher::~WalWatcher()
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
    for (int fd : {m_stopPipe[0], m_stopPipe[1], m_inotify}) {
        if (fd >= 0)
            ::close(fd);
    }
}

void WalWatcher::rearm()
{
    {
        std::lock_guard lock(m_mutex);
        m_armed = true;
    }
    m_rearmed.notify_all();
}

bool WalWatcher::waitForRearm()
{
    std::unique_lock lock(m_mutex);
    m_rearmed.wait(lock, [this] { return m_armed || m_stopping; });
    return !m_stopping;
}

void WalWatcher::run()
{
    alignas(inotify_event) char events[4096];
    for (;;) {
        if (!waitForRearm())
            return;
        pollfd fds[2] = {{m_stopPipe[0], POLLIN, 0}, {m_inotify, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0)
            continue; // EINTR
        if (fds[0].revents != 0)
            return;
        // Everything written so far is one wake: the writer reads the data version once for all of it.
        while (::read(m_inotify, events, sizeof events) > 0) { }
        {
            std::lock_guard lock(m_mutex);
            m_armed = false;
        }
        m_onWrite();
    }
}

} // namespace qd
