#pragma once

#include "core/queueengine.h"

#include <QHash>
#include <QSet>
#include <QStringList>

#include <array>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

namespace qd {

class TaskStore;
class WorkerPool;
struct Completion;

// Which task goes to which worker: claims for the workers that will be free once the cycle's transaction commits,
// claims ahead for workers running short tasks (WorkerPool::Ahead), the return of tasks claimed ahead that did not
// start, and the hand-out of what was claimed once the claim is committed. Keeps the queue configurations the claims
// obey and the queues that may have ready tasks.
// Thread contract: queueConfigs() from any thread; everything else on the writer thread.
class Dispatcher {
public:
    // What a slot will hold once the open transaction commits (see plan()).
    struct SlotPlan {
        bool current = false;
        int ahead = 0; // tasks claimed ahead
        QString queue; // of the last task ahead, else of the current one
        qint64 since = 0;
    };
    // A claimed task for a slot, handed out after the commit.
    struct Dispatch {
        int index = 0;
        Task task;
        bool ahead = false;
    };

    Dispatcher(
        WorkerPool& pool, const EngineOptions& options, QString owner, std::function<void(const Error&)> reportError);

    QList<QueueConfig> queueConfigs() const; // any thread

    void reloadConfigs(TaskStore& store);
    bool knowsQueue(const QString& queue) const { return m_configs.contains(queue); }
    void markReady(const QString& queue) { m_maybeReady.insert(queue); }
    void markAllReady();
    // A handler of `queue` ran for runMs in this process (claims ahead are made for queues of short runs).
    void noteRun(const QString& queue, qint64 runMs) { m_recentRuns[queue].add(runMs); }

    // Slot states after the reports recorded[i] of `reports` are committed (all slots as they are for none).
    std::vector<SlotPlan> plan(const std::deque<Completion>& reports, const std::vector<bool>& recorded) const;
    bool hasIdleSlot(const std::vector<SlotPlan>& plan) const;
    bool hasClaimableWork(const std::vector<SlotPlan>& plan) const;

    // Inside the cycle's transaction: claims tasks for the slots that will be free and, for slots that will be busy
    // with a short task, some ahead; the slots take them in handOut() once the transaction is committed.
    Status claim(TaskStore& store, qint64 now, std::vector<SlotPlan>& plan, QList<Dispatch>& dispatch);
    // After the commit: the claimed tasks go to their workers.
    void handOut(const QList<Dispatch>& dispatch, qint64 now);

    // Takes back the tasks claimed ahead that must not wait any longer (too long unstarted, queue closed, worker
    // retiring, claims stopped, cancelled); returns how many. They wait to be given back.
    int revokeAheads(qint64 now, bool claiming);
    void takeBack(std::vector<Task> tasks);
    bool isGivingBack() const { return !m_givingBack.empty(); }
    // Inside the cycle's transaction: returns the tasks taken back to their queues; how many it returned. Sets
    // failure if the transaction ended.
    std::size_t giveBack(TaskStore& store, qint64 now, Error& failure);
    // After the commit that gave them back.
    void forgetGivenBack(std::size_t count);

private:
    // The last run times of a queue's handlers in this process: a queue qualifies for claims ahead while all were
    // short, and the shorter they were, the more a worker holds ahead.
    struct RecentRuns {
        std::array<qint64, 4> ms {};
        int count = 0;
        int next = 0;
        void add(qint64 runMs);
        bool allShort(qint64 limitMs) const;
        qint64 longest() const;
    };
    // How many tasks a worker running tasks of this queue may hold ahead (0: none).
    int aheadDepth(const QString& queue) const;

    Status claimAhead(TaskStore& store, qint64 now, std::vector<SlotPlan>& plan, QList<Dispatch>& dispatch);
    bool slotIsFree(int index, const std::vector<SlotPlan>& plan) const;
    int engagedIn(const QString& queue, const std::vector<SlotPlan>& plan) const;
    // The queue takes more tasks: known, not paused, fewer workers engaged than its concurrency.
    bool isOpen(const QString& queue, const std::vector<SlotPlan>& plan) const;
    // Its tasks claimed ahead go back: unknown, paused, or more workers engaged than its concurrency.
    bool isClosed(const QString& queue, const std::vector<SlotPlan>& plan) const;

    WorkerPool& m_pool;
    const EngineOptions& m_options;
    const QString m_owner;
    const std::function<void(const Error&)> m_reportError;

    mutable std::mutex m_mutex;
    QList<QueueConfig> m_publishedConfigs; // under m_mutex

    // Writer thread only.
    QHash<QString, QueueConfig> m_configs;
    QStringList m_queueOrder;
    QSet<QString> m_maybeReady;
    int m_claimRotation = 0;
    QHash<QString, RecentRuns> m_recentRuns;
    std::vector<Task> m_givingBack; // revoked tasks claimed ahead, to be returned to the queue
};

} // namespace qd
