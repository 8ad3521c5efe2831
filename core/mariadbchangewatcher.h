#pragma once

#include <QString>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace qd {

// Wakes the engine's writer soon after another connection commits to the same MariaDB database. MariaDB has no
// LISTEN/NOTIFY: every write transaction bumps one counter row (queuedesk_changes, see TaskStore::commit()), and this
// thread reads it every pollMs on a connection of its own, a primary-key read. A value that moved, and is not the
// one our own writer's last commit left (ownVersion), wakes the writer, which then asks TaskStore::dataVersion() what
// changed; a change hidden behind our own next commit is caught by the writer's own slow poll. While the server is
// away it reconnects every second.
// Thread contract: constructed and destroyed by the writer; onForeignCommit runs on the watcher's own thread.
class MariaDbChangeWatcher {
public:
    static constexpr int pollMs = 20;

    // location: the database's URL as the engine was given it (with its password).
    MariaDbChangeWatcher(
        QString location, std::shared_ptr<std::atomic<qint64>> ownVersion, std::function<void()> onForeignCommit);
    ~MariaDbChangeWatcher(); // stops and joins
    MariaDbChangeWatcher(const MariaDbChangeWatcher&) = delete;
    MariaDbChangeWatcher& operator=(const MariaDbChangeWatcher&) = delete;

private:
    void run();
    bool sleepFor(int ms); // false once stopping

    const QString m_location;
    const std::shared_ptr<std::atomic<qint64>> m_ownVersion;
    const std::function<void()> m_onForeignCommit;
    std::mutex m_mutex;
    std::condition_variable m_stopped;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace qd
