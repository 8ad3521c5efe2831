#pragma once

#include "core/task.h"

#include <QHash>
#include <QMetaObject>
#include <QString>
#include <QtGlobal>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace qd {
class QueueEngine;
}

namespace qd::bench {

// Waits until an engine has announced a number of successes, without taking CPU from its workers meanwhile. A
// polling loop wakes every millisecond, and on two cores each wake-up pushes a busy worker off its core (B6 runs
// two workers); here the writer's own tasksChanged announcement, connected directly, wakes the waiter once, when
// the last expected success is committed. The engine's in-memory counts stay the judge: see wait().
class SuccessWaiter {
public:
    using Clock = std::chrono::steady_clock;

    // Connect before the tasks can start, so that no success goes uncounted.
    SuccessWaiter(QueueEngine& engine, qint64 expected);
    ~SuccessWaiter();
    SuccessWaiter(const SuccessWaiter&) = delete;
    SuccessWaiter& operator=(const SuccessWaiter&) = delete;

    // Returns once the engine's counts show `expected` succeeded tasks, or false at `deadline`. `check` runs
    // every `checkEvery` meanwhile (a benchmark dies there if a task failed); it may be empty.
    bool wait(Clock::time_point deadline, std::chrono::milliseconds checkEvery, const std::function<void()>& check);

private:
    QueueEngine& m_engine;
    const qint64 m_expected;
    std::mutex m_mutex;
    std::condition_variable m_done;
    qint64 m_announced = 0; // successes in tasksChanged so far (under m_mutex)
    QMetaObject::Connection m_connection;
};

// Tasks in `state` over every queue of an engine's in-memory counts.
qint64 countIn(const QHash<QString, StateCounts>& counts, TaskState state);

} // namespace qd::bench
