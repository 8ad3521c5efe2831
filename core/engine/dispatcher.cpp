#include "dispatcher.h"

#include "enginelog.h"
#include "workerpool.h"

#include "core/taskstore.h"

namespace qd {

namespace {

// Claims ahead (WorkerPool::Ahead) are made only for a queue whose last four runs in this process each took under
// aheadShortRunMs, and for a slot whose current run began less than that ago: a task is not parked behind a handler
// known to be slow. When the guess is wrong (a slow task among fast ones), the task claimed ahead goes back to the
// queue after aheadGiveBackMs, where any idle worker can take it: that bounds what a guess can cost a task.
// 5 ms: a noop or a small image or webhook is well under it; a handler that waits for something is over it.
// aheadGiveBackMs is EngineOptions::aheadGiveBackMs (200 ms by default).
constexpr qint64 aheadShortRunMs = 5;
// A worker holds up to this many tasks ahead when its queue's runs take under a millisecond (a noop, a cache
// refresh): it then goes from task to task without waiting for the writer, and a commit records dozens of results.
// Runs of a few milliseconds get one or two, so that a task waits behind at most about aheadShortRunMs of others.
constexpr int aheadMaxDepth = 32;

} // namespace

Dispatcher::Dispatcher(
    WorkerPool& pool, const EngineOptions& options, QString owner, std::function<void(const Error&)> reportError)
    : m_pool(pool)
    , m_options(options)
    , m_owner(std::move(owner))
    , m_reportError(std::move(reportError))
{ }

QList<QueueConfig> Dispatcher::queueConfigs() const
{
    std::lock_guard lock(m_mutex);
    return m_publishedConfigs;
}

void Dispatcher::reloadConfigs(TaskStore& store)
{
    auto configs = store.queues();
    if (!configs) {
        qCWarning(lcEngine) << configs.errorString();
        return;
    }
    m_configs.clear();
    m_queueOrder.clear();
    for (const QueueConfig& c : *configs) {
        m_configs.insert(c.name, c);
        m_queueOrder.append(c.name);
    }
    std::lock_guard lock(m_mutex);
    m_publishedConfigs = *configs;
}

void Dispatcher::markAllReady()
{
    for (const QueueConfig& c : std::as_const(m_configs))
        m_maybeReady.insert(c.name);
}

std::vector<Dispatcher::SlotPlan> Dispatcher::plan(
    const std::deque<Completion>& reports, const std::vector<bool>& recorded) const
{
    const auto& workers = m_pool.workerSlots();
    std::vector<SlotPlan> plan(workers.size());
    for (std::size_t i = 0; i < workers.size(); ++i) {
        const WorkerPool::Slot& slot = workers[i];
        plan[i].current = slot.busy;
        plan[i].ahead = int(slot.ahead.size());
        plan[i].queue = !slot.ahead.empty() ? slot.ahead.back().task.queue : slot.busy ? slot.task.queue : QString();
        plan[i].since = slot.since;
    }
    for (std::size_t i = 0; i < reports.size(); ++i) {
        if (!recorded[i])
            continue;
        const Completion& c = reports[i];
        SlotPlan& p = plan[std::size_t(c.workerIndex)];
        if (c.hasRun)
            p.current = false;
        if (c.aheadStarted) {
            p.current = true;
            p.ahead = std::max(0, p.ahead - 1);
            p.since = c.aheadStarted->at;
        }
    }
    return plan;
}

bool Dispatcher::slotIsFree(int index, const std::vector<SlotPlan>& plan) const
{
    const SlotPlan& p = plan[std::size_t(index)];
    return !m_pool.workerSlots()[std::size_t(index)].retiring && !p.current && p.ahead == 0;
}

bool Dispatcher::hasIdleSlot(const std::vector<SlotPlan>& plan) const
{
    for (int i = 0; i < int(plan.size()); ++i) {
        if (slotIsFree(i, plan))
            return true;
    }
    return false;
}

// Concurrency counts workers, not tasks: a worker holding a task of the queue, running or claimed ahead (which
// runs after the current one, on the same worker, never beside it).
int Dispatcher::engagedIn(const QString& queue, const std::vector<SlotPlan>& plan) const
{
    int engaged = 0;
    for (const SlotPlan& p : plan)
        engaged += (p.current || p.ahead > 0) && p.queue == queue ? 1 : 0;
    return engaged;
}

bool Dispatcher::isOpen(const QString& queue, const std::vector<SlotPlan>& plan) const
{
    const auto config = m_configs.constFind(queue);
    return config != m_configs.cend() && !config->paused
        && (config->concurrency == 0 || engagedIn(queue, plan) < config->concurrency);
}

bool Dispatcher::isClosed(const QString& queue, const std::vector<SlotPlan>& plan) const
{
    const auto config = m_configs.constFind(queue);
    return config == m_configs.cend() || config->paused
        || (config->concurrency > 0 && engagedIn(queue, plan) > config->concurrency);
}

bool Dispatcher::hasClaimableWork(const std::vector<SlotPlan>& plan) const
{
    if (!hasIdleSlot(plan))
        return false;
    for (const QString& name : m_maybeReady) {
        if (isOpen(name, plan))
            return true;
    }
    return false;
}

Status Dispatcher::claim(TaskStore& store, qint64 now, std::vector<SlotPlan>& plan, QList<Dispatch>& dispatch)
{
    const auto& workers = m_pool.workerSlots();
    QList<int> idle;
    for (int i = 0; i < int(workers.size()); ++i) {
        if (slotIsFree(i, plan))
            idle.append(i);
    }
    // Rotate the starting queue so that a busy queue cannot starve the others.
    QStringList order = m_queueOrder;
    if (!idle.isEmpty() && !order.isEmpty()) {
        m_claimRotation = (m_claimRotation + 1) % int(order.size());
        std::rotate(order.begin(), order.begin() + m_claimRotation, order.end());
    }
    for (const QString& name : std::as_const(order)) {
        if (idle.isEmpty())
            break;
        if (!m_maybeReady.contains(name))
            continue;
        const QueueConfig& config = m_configs[name];
        if (config.paused)
            continue;
        int capacity = int(idle.size());
        if (config.concurrency > 0)
            capacity = std::min(capacity, config.concurrency - engagedIn(name, plan));
        if (capacity <= 0)
            continue;
        // The claim and its "started" events stand or fall together: a claim without them would commit tasks that
        // are running in the database but on no worker. The events fail only when the database does: no savepoint
        // (TaskStore::Undo::Transaction).
        const qsizetype mark = dispatch.size();
        const QList<int> idleBefore = idle;
        bool drained = false;
        const Status s = store.atomically(TaskStore::Undo::Transaction, [&]() -> Status {
            auto claimed = store.claim(name, capacity, m_owner, m_options.leaseMs, now);
            if (!claimed)
                return claimed.error();
            drained = claimed->size() < capacity;
            for (Task& task : claimed.value()) {
                const int index = idle.takeFirst();
                if (Status started = store.recordStart(task, workers[std::size_t(index)].worker->name(), now); !started)
                    return started;
                dispatch.append({index, std::move(task), false});
            }
            return success();
        });
        if (!s) {
            qCWarning(lcEngine) << s.errorString();
            dispatch.resize(mark);
            idle = idleBefore;
            return s;
        }
        if (drained)
            m_maybeReady.remove(name);
        for (qsizetype i = mark; i < dispatch.size(); ++i) {
            SlotPlan& p = plan[std::size_t(dispatch[i].index)];
            p.current = true;
            p.queue = name;
            p.since = now;
        }
    }
    // A queue we did not get to (all workers busy) keeps its hint for the next cycle.
    return claimAhead(store, now, plan, dispatch);
}

Status Dispatcher::claimAhead(TaskStore& store, qint64 now, std::vector<SlotPlan>& plan, QList<Dispatch>& dispatch)
{
    if (m_options.aheadGiveBackMs <= 0)
        return success();
    const auto& workers = m_pool.workerSlots();
    QStringList queues;
    QHash<QString, QList<std::pair<int, int>>> wanted; // slot, how many more it may hold ahead
    for (int i = 0; i < int(workers.size()); ++i) {
        const SlotPlan& p = plan[std::size_t(i)];
        if (workers[std::size_t(i)].retiring || !p.current || now - p.since >= aheadShortRunMs)
            continue;
        if (!m_maybeReady.contains(p.queue) || isClosed(p.queue, plan))
            continue;
        const int room = aheadDepth(p.queue) - p.ahead;
        if (room <= 0)
            continue;
        if (!wanted.contains(p.queue))
            queues.append(p.queue);
        wanted[p.queue].append({i, room});
    }
    if (queues.isEmpty())
        return success();
    // A worker that always has its next task ahead never becomes free, and the rotation between queues in claim()
    // would never reach another queue: while another queue may have work a worker could take, claim nothing ahead.
    for (const QString& name : m_maybeReady) {
        if (!wanted.contains(name) && isOpen(name, plan))
            return success();
    }
    for (const QString& name : std::as_const(queues)) {
        // Round-robin over the slots: when the queue has fewer tasks than room, each worker still gets some.
        QList<int> holders;
        for (int round = 0;; ++round) {
            const qsizetype before = holders.size();
            for (const auto& [slot, room] : wanted[name]) {
                if (round < room)
                    holders.append(slot);
            }
            if (holders.size() == before)
                break;
        }
        const qsizetype mark = dispatch.size();
        bool drained = false;
        // One statement: it fails whole, and needs no savepoint.
        const Status s = store.atomically(TaskStore::Undo::Transaction, [&]() -> Status {
            auto claimed = store.claim(name, int(holders.size()), m_owner, m_options.leaseMs, now, true);
            if (!claimed)
                return claimed.error();
            drained = claimed->size() < holders.size();
            for (qsizetype k = 0; k < claimed->size(); ++k)
                dispatch.append({holders[k], std::move((*claimed)[k]), true});
            return success();
        });
        if (!s) {
            qCWarning(lcEngine) << s.errorString();
            dispatch.resize(mark);
            return s;
        }
        if (drained)
            m_maybeReady.remove(name);
        for (qsizetype i = mark; i < dispatch.size(); ++i)
            ++plan[std::size_t(dispatch[i].index)].ahead;
    }
    return success();
}

int Dispatcher::aheadDepth(const QString& queue) const
{
    const RecentRuns runs = m_recentRuns.value(queue);
    if (!runs.allShort(aheadShortRunMs))
        return 0;
    const qint64 longest = runs.longest();
    return longest == 0 ? aheadMaxDepth : int(std::max<qint64>(1, aheadShortRunMs / (longest + 1)));
}

void Dispatcher::handOut(const QList<Dispatch>& dispatch, qint64 now)
{
    for (const Dispatch& d : dispatch)
        m_pool.assign(d.index, d.task, d.ahead, now);
}

int Dispatcher::revokeAheads(qint64 now, bool claiming)
{
    const std::vector<SlotPlan> asIs = plan({}, {});
    const auto& workers = m_pool.workerSlots();
    int revoked = 0;
    for (int i = 0; i < int(workers.size()); ++i) {
        const WorkerPool::Slot& slot = workers[std::size_t(i)];
        if (slot.ahead.empty())
            continue;
        const bool allGo = !claiming || slot.retiring;
        for (Task& task : m_pool.revokeAheads(i, [&](const WorkerPool::Ahead& ahead) {
                 return allGo || isClosed(ahead.task.queue, asIs) || ahead.context->isCancelled()
                     || now - ahead.claimedAt >= m_options.aheadGiveBackMs;
             })) {
            m_givingBack.push_back(std::move(task));
            ++revoked;
        }
    }
    return revoked;
}

void Dispatcher::takeBack(std::vector<Task> tasks)
{
    for (Task& task : tasks)
        m_givingBack.push_back(std::move(task));
}

std::size_t Dispatcher::giveBack(TaskStore& store, qint64 now, Error& failure)
{
    std::size_t givenBack = 0;
    for (const Task& task : m_givingBack) {
        auto back = store.giveBack(task.id, task.attempts, m_owner, now);
        if (!store.inTransaction()) {
            failure = back ? Error {ErrorCode::Internal, QStringLiteral("The transaction ended early")} : back.error();
            break;
        }
        // NotFound: our lease was lost and someone else has the task; nothing to give back.
        if (!back && back.error().code != ErrorCode::NotFound) {
            m_reportError(back.error());
            break; // the rest are tried again with the next results
        }
        ++givenBack;
    }
    return givenBack;
}

void Dispatcher::forgetGivenBack(std::size_t count)
{
    m_givingBack.erase(m_givingBack.begin(), m_givingBack.begin() + std::ptrdiff_t(count));
}

void Dispatcher::RecentRuns::add(qint64 runMs)
{
    ms[std::size_t(next)] = runMs;
    next = (next + 1) % int(ms.size());
    count = std::min(count + 1, int(ms.size()));
}

qint64 Dispatcher::RecentRuns::longest() const
{
    return *std::max_element(ms.begin(), ms.end());
}

bool Dispatcher::RecentRuns::allShort(qint64 limitMs) const
{
    return count == int(ms.size()) && longest() < limitMs;
}

} // namespace qd
