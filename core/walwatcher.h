#pragma once

#include <QString>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace qd {

// Wakes the engine's writer within microseconds when another process commits to the same SQLite file: every commit
// writes its frames to the file's -wal, and inotify reports the write (a thread of its own waits with poll() beside a
// stop pipe). The writer then asks PRAGMA data_version what changed, so a wake for its own commit costs one check,
// and its slow poll stays the safety net. After each wake the watcher waits for rearm(): however fast the commits
// come, the writer is woken at most once per cycle.
// Thread contract: constructed, rearmed and destroyed by the writer; onWrite runs on the watcher's own thread.
class WalWatcher {
public:
    // Watches DATABASE-wal; isWatching() is false if it cannot (no such file, inotify refused).
    WalWatcher(const QString& databasePath, std::function<void()> onWrite);
    ~WalWatcher(); // stops and joins
    WalWatcher(const WalWatcher&) = delete;
    WalWatcher& operator=(const WalWatcher&) = delete;

    bool isWatching() const { return m_thread.joinable(); }
    // The writer has taken the last wake: report the next write.
    void rearm();

private:
    void run();
    bool waitForRearm(); // false when stopping

    const std::function<void()> m_onWrite;
    int m_inotify = -1;
    int m_stopPipe[2] = {-1, -1};
    std::mutex m_mutex;
    std::condition_variable m_rearmed;
    bool m_armed = true;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace qd
