#include "commandqueue.h"

namespace qd {

namespace {

// Commands taken into one transaction at most: bounds the latency one cycle adds to the commands behind it.
constexpr std::size_t maxCommandsPerCycle = 512;

} // namespace

void CommandQueue::Command::finish(Status s)
{
    std::lock_guard lock(mutex);
    outcome = std::move(s);
    finished.notify_all();
}

Status CommandQueue::Command::wait()
{
    std::unique_lock lock(mutex);
    finished.wait(lock, [this] { return outcome.has_value(); });
    return *outcome;
}

Status CommandQueue::submit(std::function<Status(TaskStore&)> fn, Atomicity atomicity)
{
    auto command = std::make_shared<Command>();
    command->run = std::move(fn);
    command->atomicity = atomicity;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return Error {ErrorCode::Internal, QStringLiteral("The queue engine is shutting down")};
        m_commands.push_back(command);
    }
    m_wake.notify_all();
    return command->wait();
}

void CommandQueue::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
}

// Group commit: with power-loss-safe durability every commit waits for an fsync, which costs the same for one command
// as for eight: when more producers were active at the last commit than have queued a command now (the others are
// between their calls), wait a fraction of a commit for them, so that one fsync carries them all. With Normal
// durability a commit is cheap and the wait would only add latency.
void CommandQueue::take(std::unique_lock<std::mutex>& lock, Batch& into, Durability durability)
{
    const auto takeQueued = [&] {
        while (!m_commands.empty() && into.size() < maxCommandsPerCycle) {
            into.push_back(std::move(m_commands.front()));
            m_commands.pop_front();
        }
    };
    takeQueued();
    if (durability != Durability::Full || into.empty() || into.size() >= m_activeProducers)
        return;
    const auto patience
        = std::min<std::chrono::steady_clock::duration>(m_lastCommitDuration / 2, std::chrono::milliseconds(2));
    m_wake.wait_for(lock, patience, [&] { return m_stopping || into.size() + m_commands.size() >= m_activeProducers; });
    takeQueued();
}

void CommandQueue::committed(std::chrono::steady_clock::duration took, std::size_t released)
{
    m_lastCommitDuration = took;
    // Every producer this commit releases, and every one that queued a command meanwhile.
    std::lock_guard lock(m_mutex);
    m_activeProducers = released + m_commands.size();
}

} // namespace qd
