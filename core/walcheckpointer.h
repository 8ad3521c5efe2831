#pragma once

#include <QString>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace qd {

// Runs SQLite's WAL checkpoints on a thread of its own, with a connection of its own, so that the engine's writer
// never stops to copy pages into the database file and flush it (a checkpoint took 10-30 ms here, in the middle of
// a dispatch: the tail of the enqueue-to-start latency). The writer turns its automatic checkpoints off and calls
// request() after a commit that left the WAL long; a PASSIVE checkpoint never blocks the writer or readers.
// Thread contract: the public functions are thread-safe; everything else happens on the checkpointer's thread.
class WalCheckpointer {
public:
    WalCheckpointer(QString path, int busyTimeoutMs);
    ~WalCheckpointer(); // finishes a running checkpoint, then joins
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

    // Asks for a pass and returns its number: the pass has run once finishedPasses() reaches it.
    quint64 request();
    quint64 finishedPasses() const;
    // Returns once no pass is running or asked for. The writer waits here before it finishes a checkpoint itself
    // (TaskStore::finishCheckpoint): SQLite gives up at once, never waiting, when another connection holds the WAL's
    // checkpoint lock, and a writer that gave up would let the WAL grow past its bound.
    void waitUntilIdle();
    // Checkpoints that copied frames into the database file.
    int completedCheckpoints() const;

private:
    void run();

    const QString m_path;
    const int m_busyTimeoutMs;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    bool m_requested = false;
    bool m_checkpointing = false;
    bool m_stop = false;
    int m_completed = 0;
    quint64 m_started = 0; // passes begun
    quint64 m_finished = 0; // passes ended, whether they copied anything or not
    std::thread m_thread;
};

} // namespace qd
