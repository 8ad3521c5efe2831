#include "successwaiter.h"

#include "core/queueengine.h"

namespace qd::bench {

SuccessWaiter::SuccessWaiter(QueueEngine& engine, qint64 expected)
    : m_engine(engine)
    , m_expected(expected)
{
    // Direct: runs on the writer's thread right after its commit, with no event loop needed on ours.
    m_connection = QObject::connect(
        &engine, &QueueEngine::tasksChanged, &engine,
        [this](const QList<TaskChange>& changes) {
            qint64 successes = 0;
            for (const TaskChange& c : changes)
                successes += c.state == TaskState::Succeeded;
            if (successes == 0)
                return;
            std::lock_guard lock(m_mutex);
            m_announced += successes;
            if (m_announced >= m_expected)
                m_done.notify_all();
        },
        Qt::DirectConnection);
}

SuccessWaiter::~SuccessWaiter()
{
    QObject::disconnect(m_connection);
}

bool SuccessWaiter::wait(
    Clock::time_point deadline, std::chrono::milliseconds checkEvery, const std::function<void()>& check)
{
    for (;;) {
        // The counts are published before tasksChanged is emitted, so once the announcements reach the goal the
        // counts do too; a change that is not a new success (a purge reports a task's last state) can only make
        // the announcements run ahead, and then the counts say to wait on.
        if (countIn(m_engine.counts(), TaskState::Succeeded) >= m_expected)
            return true;
        if (Clock::now() >= deadline)
            return false;
        if (check)
            check();
        std::unique_lock lock(m_mutex);
        m_done.wait_until(lock, std::min(deadline, Clock::now() + checkEvery), [this] {
            return m_announced >= m_expected && countIn(m_engine.counts(), TaskState::Succeeded) >= m_expected;
        });
    }
}

qint64 countIn(const QHash<QString, StateCounts>& counts, TaskState state)
{
    qint64 n = 0;
    for (const StateCounts& c : counts)
        n += c[std::size_t(state)];
    return n;
}

} // namespace qd::bench
