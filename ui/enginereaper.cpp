#include "enginereaper.h"

#include "core/queueengine.h"

#include <QThread>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace qd::ui {

namespace {

struct Reaper {
    std::mutex mutex;
    std::vector<std::thread> threads;
    std::atomic<int> pending {0};

    // A last resort if the application never called waitForAll(): a joinable std::thread at exit would abort.
    ~Reaper() { join(); }

    void join()
    {
        std::vector<std::thread> running;
        {
            const std::lock_guard lock(mutex);
            running.swap(threads);
        }
        for (std::thread& t : running)
            t.join();
    }
};

Reaper& reaper()
{
    static Reaper instance;
    return instance;
}

} // namespace

void EngineReaper::retire(std::shared_ptr<QueueEngine> engine)
{
    if (!engine)
        return;
    // The engine object stops belonging to the GUI thread, so its destruction on another thread is legitimate (it
    // runs no timers and receives no events; its signals are emitted from its own threads either way).
    if (engine->thread() == QThread::currentThread())
        engine->moveToThread(nullptr);
    Reaper& r = reaper();
    ++r.pending;
    std::thread t([engine = std::move(engine), &r]() mutable {
        engine.reset();
        --r.pending;
    });
    const std::lock_guard lock(r.mutex);
    r.threads.push_back(std::move(t));
}

void EngineReaper::waitForAll()
{
    reaper().join();
}

int EngineReaper::pendingCount()
{
    return reaper().pending.load();
}

} // namespace qd::ui
