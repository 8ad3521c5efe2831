#pragma once

#include <QString>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace qd {

struct DatabaseUrl;

// Wakes the writers of other processes on the same host within microseconds of a commit to the same SQLite file.
// Each process keeps a file of its own in DATABASE-wake/ (named by its pid) and, after a commit that carried
// commands (enqueues, retries, pauses...), writes one byte to it: ring(). Every process watches, with inotify on a
// thread of its own (poll() beside a stop pipe), the folder for files coming and going and each other process's file
// for writes, and calls onOtherCommit on either. Its own file is not watched, so its own rings never wake it, and it
// rings only while another process's file is there. The write comes after the commit, so the commit is visible to
// the woken reader. The writer then asks PRAGMA data_version what changed; its slow poll stays the safety net for
// other writers (the sqlite3 shell) and a missed wake. After each wake the bell waits for rearm(), so a writer is
// woken at most once per cycle however fast others commit.
// Thread contract: constructed, rung, rearmed and destroyed by the writer; onOtherCommit runs on the bell's thread.
class CommitBell {
public:
    // ownName: this process's file (its pid; tests give two bells in one process names of their own).
    CommitBell(const QString& databasePath, std::function<void()> onOtherCommit, QByteArray ownName = {});
    ~CommitBell(); // stops and joins; removes this process's file
    CommitBell(const CommitBell&) = delete;
    CommitBell& operator=(const CommitBell&) = delete;

    bool isListening() const { return m_thread.joinable(); }
    // After a commit: wakes the other processes listening on this database. Costs one write(), none when alone.
    void ring();
    // How many other processes' files the bell watches, and how often its thread has woken (for tests).
    int othersWatched() const { return m_others.load(std::memory_order_relaxed); }
    qint64 wakeups() const { return m_wakeups.load(std::memory_order_relaxed); }
    // The path whose "-wake" folder the processes of this host share for a database server (MariaDB, whose change
    // counter other hosts poll): in the user's runtime folder, named by a hash of the server and database.
    static QString serverBellPath(const DatabaseUrl& url);
    // For a process that commits once and exits, with no bell of its own: wakes the listening processes of the
    // database at databasePath (its own file is created, written and removed). Does nothing if none listens.
    static void ringOnce(const QString& databasePath);
    // The writer has taken the last wake: report the next ring.
    void rearm();

private:
    void run();
    bool waitForRearm(); // false when stopping
    void removeFilesOfDeadProcesses() const;
    void watchOtherFile(const QByteArray& name);
    // Reads the queued events; true if another process committed (or a file appeared: a one-shot ringer's).
    bool readEvents();

    const QString m_folder;
    const QByteArray m_ownName; // this process's pid
    const std::function<void()> m_onOtherCommit;
    int m_ownFile = -1;
    int m_inotify = -1;
    int m_folderWatch = -1;
    std::map<int, QByteArray> m_fileWatches; // watch -> other process's file; the bell's thread only
    std::atomic<int> m_others {0};
    std::atomic<qint64> m_wakeups {0};
    int m_stopPipe[2] = {-1, -1};
    std::mutex m_mutex;
    std::condition_variable m_rearmed;
    bool m_armed = true;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace qd
