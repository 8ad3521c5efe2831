#include "workerpool.h"

#include "enginelog.h"

namespace qd {

WorkerPool::WorkerPool(QueueEngine& engine, const EngineOptions& options, QString owner, Worker::ReportFn report)
    : m_engine(engine)
    , m_options(options)
    , m_owner(std::move(owner))
    , m_report(std::move(report))
{ }

QList<WorkerStatus> WorkerPool::workers() const
{
    // Before the read: a change published after it finds the flag down and emits again (publish()).
    m_changePending.store(false);
    std::lock_guard lock(m_mutex);
    QList<WorkerStatus> result;
    for (const auto& [index, status] : m_status)
        result.append(status);
    return result;
}

bool WorkerPool::hasWorkers() const
{
    std::lock_guard lock(m_mutex);
    return !m_status.empty();
}

bool WorkerPool::stopRunning(const QList<qint64>& taskIds, StopReason reason)
{
    bool ahead = false;
    std::lock_guard lock(m_mutex);
    for (qint64 id : taskIds) {
        if (auto it = m_running.find(id); it != m_running.end())
            it->second->requestStop(reason);
        ahead |= m_aheadIds.contains(id);
    }
    return ahead;
}

void WorkerPool::stopAll(StopReason reason)
{
    std::lock_guard lock(m_mutex);
    for (const auto& [id, context] : m_running)
        context->requestStop(reason);
}

std::vector<Task> WorkerPool::adjust(int desired)
{
    std::vector<Task> revoked;
    // Revive retiring workers first, then grow.
    int active = 0;
    for (Slot& slot : m_slots) {
        if (!slot.retiring)
            ++active;
    }
    for (std::size_t i = 0; i < m_slots.size() && active < desired; ++i) {
        if (m_slots[i].retiring && (m_slots[i].busy || !m_slots[i].ahead.empty())) {
            m_slots[i].retiring = false;
            ++active;
        }
    }
    while (active > desired) {
        // Retire from the back: idle ones leave now, busy ones after their task; a task claimed ahead goes back.
        for (std::size_t i = m_slots.size(); i-- > 0;) {
            if (!m_slots[i].retiring) {
                m_slots[i].retiring = true;
                for (Task& task : revokeAheads(int(i)))
                    revoked.push_back(std::move(task));
                if (!m_slots[i].busy && m_slots[i].ahead.empty())
                    m_slots[i].worker->requestExit();
                --active;
                break;
            }
        }
    }
    // Drop retired idle workers at the end of the vector (indices of the others must stay stable).
    while (!m_slots.empty() && m_slots.back().retiring && !m_slots.back().busy && m_slots.back().ahead.empty()) {
        const int index = int(m_slots.size()) - 1;
        m_slots.pop_back();
        {
            std::lock_guard lock(m_mutex);
            m_status.erase(index);
        }
        announceChanged();
    }
    while (int(m_slots.size()) < desired) {
        const int index = int(m_slots.size());
        Slot slot;
        slot.worker = std::make_unique<Worker>(
            index, m_owner + QStringLiteral("/w%1").arg(index), *m_options.handlers, m_report);
        slot.since = engineNowMs();
        m_slots.push_back(std::move(slot));
        publish(index);
        ++active;
    }
    return revoked;
}

std::vector<Task> WorkerPool::revokeAheads(int index, const std::function<bool(const Ahead&)>& which)
{
    Slot& slot = m_slots[std::size_t(index)];
    std::vector<Task> revoked;
    // From the back: the worker takes its inbox from the front, so once one is found taken, so are those before it.
    for (std::size_t k = slot.ahead.size(); k-- > 0;) {
        Ahead& ahead = slot.ahead[k];
        if (ahead.started)
            break;
        if (!which(ahead))
            continue;
        if (!slot.worker->revoke(ahead.task.id)) {
            for (std::size_t j = 0; j <= k; ++j)
                slot.ahead[j].started = true; // their start reports are on the way
            break;
        }
        {
            std::lock_guard lock(m_mutex);
            m_running.erase(ahead.task.id);
            m_aheadIds.remove(ahead.task.id);
        }
        revoked.push_back(std::move(ahead.task));
        slot.ahead.erase(slot.ahead.begin() + std::ptrdiff_t(k));
    }
    if (!revoked.empty() && !slot.busy && slot.ahead.empty()) {
        if (slot.retiring)
            slot.worker->requestExit();
        slot.since = engineNowMs();
        publish(index);
    }
    // In claim order, as they go back.
    std::reverse(revoked.begin(), revoked.end());
    return revoked;
}

std::shared_ptr<HandlerContext> WorkerPool::makeContext(const Task& task)
{
    return std::make_shared<HandlerContext>(
        task.id, task.attempts, task.queue,
        [this, id = task.id](
            double fraction, const QString& message) { Q_EMIT m_engine.taskProgress(id, fraction, message); },
        [id = task.id](const QString& line) { qCInfo(lcEngine).noquote() << "task" << id << line; });
}

void WorkerPool::assign(int index, const Task& task, bool ahead, qint64 now)
{
    Slot& slot = m_slots[std::size_t(index)];
    auto context = makeContext(task);
    {
        std::lock_guard lock(m_mutex);
        m_running[task.id] = context;
        if (ahead)
            m_aheadIds.insert(task.id);
    }
    if (ahead) {
        // The worker status keeps showing the current task: this one has not started.
        slot.ahead.push_back(Ahead {task, context, now, false});
        slot.worker->assign(Assignment {task, slot.worker->name(), std::move(context), true});
        return;
    }
    slot.busy = true;
    slot.task = task;
    slot.since = now;
    slot.deadline = task.timeoutMs > 0 ? now + task.timeoutMs : 0;
    slot.context = context;
    publish(index);
    slot.worker->assign(Assignment {task, slot.worker->name(), std::move(context), false});
}

void WorkerPool::freeSlot(const Completion& c, qint64 now, bool publishIdle)
{
    Slot& slot = m_slots[std::size_t(c.workerIndex)];
    slot.busy = false;
    slot.context.reset();
    slot.deadline = 0;
    slot.since = now;
    {
        std::lock_guard lock(m_mutex);
        m_running.erase(c.task.id);
    }
    // A task still ahead runs first (the worker empties its inbox before it exits), and the worker is not shown
    // idle for the moment until its start is reported (or the task is taken back, see revokeAhead).
    if (slot.retiring && slot.ahead.empty())
        slot.worker->requestExit();
    if (publishIdle && slot.ahead.empty())
        publish(c.workerIndex);
}

void WorkerPool::promoteAhead(int index, const AheadStart& started)
{
    Slot& slot = m_slots[std::size_t(index)];
    if (slot.ahead.empty() || slot.ahead.front().task.id != started.taskId)
        return;
    slot.busy = true;
    slot.task = std::move(slot.ahead.front().task);
    slot.context = std::move(slot.ahead.front().context);
    slot.since = started.at;
    slot.deadline = slot.task.timeoutMs > 0 ? started.at + slot.task.timeoutMs : 0;
    slot.ahead.pop_front();
    {
        std::lock_guard lock(m_mutex);
        m_aheadIds.remove(started.taskId);
    }
    publish(index);
}

void WorkerPool::stopOverdue(qint64 now)
{
    for (Slot& slot : m_slots) {
        if (slot.busy && slot.deadline > 0 && now >= slot.deadline && slot.context)
            slot.context->requestStop(StopReason::TimedOut);
    }
}

bool WorkerPool::holdsTasks() const
{
    return std::any_of(
        m_slots.begin(), m_slots.end(), [](const Slot& slot) { return slot.busy || !slot.ahead.empty(); });
}

void WorkerPool::clear()
{
    m_slots.clear();
}

void WorkerPool::publish(int index)
{
    const Slot& slot = m_slots[std::size_t(index)];
    WorkerStatus status;
    status.index = index;
    status.name = slot.worker->name();
    status.busy = slot.busy;
    status.since = slot.since;
    if (slot.busy) {
        status.taskId = slot.task.id;
        status.taskType = slot.task.type;
        status.queue = slot.task.queue;
    }
    {
        std::lock_guard lock(m_mutex);
        m_status[index] = status;
    }
    announceChanged();
}

void WorkerPool::announceChanged()
{
    if (!m_changePending.exchange(true))
        Q_EMIT m_engine.workersChanged();
}

} // namespace qd
