#pragma once

#include <QString>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace qd {

// Why a running task was asked to stop.
enum class StopReason { None, CancelledByUser, TimedOut, ShuttingDown };

// What a handler sees of the world while it runs one task. Thread contract: the handler uses it on its worker
// thread; requestStop() may be called from any thread.
class HandlerContext {
public:
    using ProgressFn = std::function<void(double fraction, const QString& message)>;
    using LogFn = std::function<void(const QString& line)>;

    HandlerContext(qint64 taskId, int attempt, QString queue, ProgressFn progress = {}, LogFn log = {});

    qint64 taskId() const { return m_taskId; }
    int attempt() const { return m_attempt; }
    const QString& queue() const { return m_queue; }

    bool isCancelled() const { return m_stopReason.load(std::memory_order_acquire) != StopReason::None; }
    StopReason stopReason() const { return m_stopReason.load(std::memory_order_acquire); }

    // Sleeps up to ms milliseconds, waking early on a stop request. Returns false when woken by a stop.
    bool sleepFor(qint64 ms);

    // fraction in [0, 1].
    void reportProgress(double fraction, const QString& message = {});
    void log(const QString& line);

    // First reason wins: a timeout is not turned into a user cancel afterwards.
    void requestStop(StopReason reason);

private:
    qint64 m_taskId;
    int m_attempt;
    QString m_queue;
    ProgressFn m_progress;
    LogFn m_log;
    std::atomic<StopReason> m_stopReason {StopReason::None};
    std::mutex m_mutex;
    std::condition_variable m_wake;
};

} // namespace qd
