#pragma once

#include "core/result.h"
#include "core/storeoptions.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace qd {

class TaskStore;

// How other threads hand their writes to the engine's writer thread and wait for the commit that holds them.
// Its mutex and condition also guard the engine's other hand-overs to the writer (EngineCore's "shared" members),
// so that the writer waits on one condition for all of them.
// Thread contract: submit() and stop() from any thread but the writer's; take() and committed() on the writer thread;
// the accessors marked "under lock()" need the lock held.
class CommandQueue {
public:
    // How a command is kept apart from the others that share the writer's transaction.
    enum class Atomicity {
        Savepoint, // fn may make several writes: it runs in a savepoint of its own
        // fn is one TaskStore write method, atomic by TaskStore's contract: a savepoint around it would only add two
        // statements to every enqueue
        ByItself,
    };
    // A caller's write and, once committed, its outcome. Shared by the caller and the writer. A mutex and a condition
    // variable rather than std::promise: libstdc++ waits for a future inside its uninstrumented shared library, so
    // ThreadSanitizer cannot see that the caller reads the outcome after the writer wrote it.
    struct Command {
        std::function<Status(TaskStore&)> run;
        Atomicity atomicity = Atomicity::Savepoint;
        std::mutex mutex;
        std::condition_variable finished;
        std::optional<Status> outcome;

        void finish(Status s);
        Status wait();
    };
    using Batch = std::deque<std::shared_ptr<Command>>;

    // Queues fn for the writer's next transaction and waits until it is committed (or failed).
    Status submit(std::function<Status(TaskStore&)> fn, Atomicity atomicity);
    // No command is accepted from now on; wakes the writer, which drains the queue and stops.
    void stop();

    std::unique_lock<std::mutex> lock() const { return std::unique_lock(m_mutex); }
    void wake() { m_wake.notify_all(); }
    template <typename Predicate>
    void waitUntil(std::unique_lock<std::mutex>& lock, std::chrono::system_clock::time_point at, Predicate until)
    {
        m_wake.wait_until(lock, at, until);
    }
    bool isStopping() const { return m_stopping; } // under lock()
    bool isEmpty() const { return m_commands.empty(); } // under lock()

    // Writer thread, under lock: takes this cycle's commands into `into` (see the group commit note in the .cpp).
    void take(std::unique_lock<std::mutex>& lock, Batch& into, Durability durability);
    // Writer thread, after a commit that took `took` and answered `released` callers.
    void committed(std::chrono::steady_clock::duration took, std::size_t released);

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    Batch m_commands; // under m_mutex
    bool m_stopping = false; // under m_mutex
    std::size_t m_activeProducers = 0; // under m_mutex: see take()
    std::chrono::steady_clock::duration m_lastCommitDuration {}; // writer thread only
};

} // namespace qd
