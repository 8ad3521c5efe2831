#include "handofflatency.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

// One sleeping consumer's inbox: a mutex, a condition variable and a queue, as the engine's writer and workers have.
template <typename T> class Inbox {
public:
    void push(T item)
    {
        {
            std::lock_guard lock(m_mutex);
            m_items.push_back(std::move(item));
        }
        m_wake.notify_one();
    }
    // Empty once close() was called and everything before it was taken.
    std::optional<T> take()
    {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [this] { return !m_items.empty() || m_closed; });
        if (m_items.empty())
            return std::nullopt;
        T item = std::move(m_items.front());
        m_items.pop_front();
        return item;
    }
    void close()
    {
        {
            std::lock_guard lock(m_mutex);
            m_closed = true;
        }
        m_wake.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<T> m_items;
    bool m_closed = false;
};

// What the producer waits on: the relay's acknowledgement of one item.
struct Ack {
    std::mutex mutex;
    std::condition_variable wake;
    bool done = false;
};

struct Item {
    Clock::time_point t0;
    Ack* ack = nullptr;
};

} // namespace

std::vector<double> handoffLatenciesMs(double rate, double seconds)
{
    Inbox<Item> relayInbox;
    Inbox<Clock::time_point> workerInbox;
    std::vector<double> latencies;
    const auto count = int(rate * seconds);
    latencies.reserve(std::size_t(count));

    std::thread worker([&] {
        while (auto t0 = workerInbox.take())
            latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - *t0).count());
    });
    std::thread relay([&] {
        while (auto item = relayInbox.take()) {
            {
                // Notified under the lock: once the producer sees done, it may destroy the Ack.
                std::lock_guard lock(item->ack->mutex);
                item->ack->done = true;
                item->ack->wake.notify_one();
            }
            workerInbox.push(item->t0);
        }
        workerInbox.close();
    });

    const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
    const auto start = Clock::now();
    for (int i = 0; i < count; ++i) {
        std::this_thread::sleep_until(start + i * period);
        Ack ack;
        relayInbox.push({Clock::now(), &ack});
        std::unique_lock lock(ack.mutex);
        ack.wake.wait(lock, [&] { return ack.done; });
    }
    relayInbox.close();
    relay.join();
    worker.join();

    // As engineLatency: the first 5% (at most 50) are warm-up.
    const auto warmUp = std::min<std::size_t>(latencies.size() / 20, 50);
    latencies.erase(latencies.begin(), latencies.begin() + std::ptrdiff_t(warmUp));
    return latencies;
}

} // namespace qd::bench
