#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace qd {

// A stop request that a thread polls between blocking calls and sleeps on: request() sets it once (until reset()),
// requested() reads it without a lock, waitFor() sleeps until it is set or the time is up. Any thread.
class StopSignal {
public:
    void request()
    {
        {
            std::lock_guard lock(m_mutex);
            m_requested.store(true, std::memory_order_release);
        }
        m_wake.notify_all();
    }
    void reset() { m_requested.store(false, std::memory_order_release); }
    bool requested() const { return m_requested.load(std::memory_order_acquire); }
    // True when stop was requested, before or during the wait.
    bool waitFor(std::chrono::milliseconds time)
    {
        std::unique_lock lock(m_mutex);
        return m_wake.wait_for(lock, time, [this] { return requested(); });
    }

private:
    std::atomic<bool> m_requested {false};
    std::mutex m_mutex;
    std::condition_variable m_wake;
};

} // namespace qd
