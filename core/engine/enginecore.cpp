// The writer thread's cycle: writerCycle and its steps, in the order it runs them.
#include "enginecore.h"

#include "enginelog.h"

#include <QJsonDocument>

namespace qd {

Q_LOGGING_CATEGORY(lcEngine, "qd.core.engine")

qint64 EngineCore::writerNextWake(qint64 now) const
{
    qint64 wake = now + 1000;
    auto consider = [&wake](qint64 t) {
        if (t > 0)
            wake = std::min(wake, t);
    };
    consider(m_nextPoll);
    consider(m_nextMaintenance);
    consider(m_beat.nextBeatAt());
    consider(m_sampler.nextSampleAt());
    consider(m_indexer.nextPassAt());
    consider(m_nextScheduled);
    consider(m_completionRetryAt);
    consider(m_claimRetryAt);
    for (const WorkerPool::Slot& slot : m_pool.workerSlots()) {
        if (slot.busy || !slot.ahead.empty()) {
            consider(m_nextHeartbeat);
            consider(slot.deadline);
        }
        for (const WorkerPool::Ahead& ahead : slot.ahead) {
            if (!ahead.started)
                consider(ahead.claimedAt + m_options.aheadGiveBackMs);
        }
    }
    if (m_dispatcher.isGivingBack())
        consider(std::max(m_completionRetryAt, now));
    return std::max({wake, now, m_writeRetryAt});
}

void EngineCore::writerCycle()
{
    Cycle cycle;
    writerTakeWork(cycle);
    cycle.now = engineNowMs();
    writerAdjustWorkers();
    writerRevokeAheads(cycle);
    writerPollForeignWrites(cycle.now);
    writerFindDue(cycle);
    if (cycle.hasWrites()) {
        if (writerBegin(cycle)) {
            writerRunCommands(cycle);
            writerRecordReports(cycle);
            writerGiveBack(cycle);
            writerMaintain(cycle);
            writerRenewLeases(cycle);
            writerBeat(cycle);
            writerClaim(cycle);
            writerCommit(cycle);
        }
        writerNoteCommitOutcome(cycle);
    }
    if (cycle.hasOutcome()) {
        if (cycle.committed)
            writerPublish(cycle);
        else
            writerKeepForRetry(cycle);
    }
    writerAnswerCallers(cycle);
    if (cycle.committed) {
        writerSettleReports(cycle);
        writerHandOut(cycle);
    }
    writerFinishCycle(cycle.now, !cycle.hasWrites());
}

void EngineCore::writerTakeWork(Cycle& cycle)
{
    const qint64 now = engineNowMs();
    auto lock = m_queue.lock();
    const auto wakeAt = std::chrono::system_clock::time_point(std::chrono::milliseconds(writerNextWake(now)));
    const bool writable = now >= m_writeRetryAt;
    const bool idleWorkerCanWork
        = writable && m_claiming && now >= m_claimRetryAt && m_dispatcher.hasClaimableWork(m_dispatcher.plan({}, {}));
    const bool workerCountChanged = int(m_pool.workerSlots().size()) != m_desiredWorkers;
    const bool givingBackDue
        = writable && m_dispatcher.isGivingBack() && (m_completionRetryAt == 0 || now >= m_completionRetryAt);
    if (!idleWorkerCanWork && !workerCountChanged && !givingBackDue) {
        const auto workArrived = [&] {
            const bool completionsDue
                = !m_completions.empty() && (m_completionRetryAt == 0 || engineNowMs() >= m_completionRetryAt);
            return m_queue.isStopping() || !m_queue.isEmpty() || completionsDue || !m_readyHints.isEmpty()
                || m_configsDirty || m_foreignCommit || m_revokeAheads
                || int(m_pool.workerSlots().size()) != m_desiredWorkers;
        };
        if (!workArrived() && m_store->checkpointDue()) {
            // Idle: the moment to copy what the checkpointer's pass left, so that the WAL starts over, without
            // holding up a commit (see TaskStore::handOverCheckpoints).
            lock.unlock();
            m_store->finishCheckpoint();
            lock.lock();
        }
        m_queue.waitUntil(lock, wakeAt, workArrived);
    }
    m_revokeAheads = false;
    m_queue.take(lock, cycle.commands, m_options.store.durability);
    cycle.producersWaiting = cycle.commands.size();
    if (m_completionRetryAt == 0 || engineNowMs() >= m_completionRetryAt)
        cycle.completions.swap(m_completions);
    cycle.recorded.assign(cycle.completions.size(), false);
    for (const QString& q : std::as_const(m_readyHints))
        m_dispatcher.markReady(q);
    m_readyHints.clear();
    if (std::exchange(m_foreignCommit, false)) {
        m_nextPoll = 0;
        if (m_bell)
            m_bell->rearm();
    }
    if (m_configsDirty) {
        m_configsDirty = false;
        lock.unlock();
        m_dispatcher.reloadConfigs(*m_store);
        writerLoadSettings();
        lock.lock();
    }
    cycle.claiming = m_claiming && !m_queue.isStopping();
}

void EngineCore::writerAdjustWorkers()
{
    int desired;
    {
        auto lock = m_queue.lock();
        desired = m_desiredWorkers;
    }
    std::vector<Task> revoked = m_pool.adjust(desired);
    if (revoked.empty())
        return;
    const int count = int(revoked.size());
    m_dispatcher.takeBack(std::move(revoked));
    auto lock = m_queue.lock();
    m_givingBackCount += count;
}

void EngineCore::writerRevokeAheads(const Cycle& cycle)
{
    if (const int revoked = m_dispatcher.revokeAheads(cycle.now, cycle.claiming); revoked > 0) {
        auto lock = m_queue.lock();
        m_givingBackCount += revoked;
    }
}

void EngineCore::writerPollForeignWrites(qint64 now)
{
    if (now < m_nextPoll || now < m_writeRetryAt) // a database that refused the last write is not polled meanwhile
        return;
    m_nextPoll = now + m_options.pollIntervalMs;
    if (m_listener) // the writer's connection may have been made again
        m_listener->ignoreBackend(m_store->serverProcessId());
    if (auto v = m_store->dataVersion(); v && *v != m_dataVersion) {
        m_dataVersion = *v;
        m_dispatcher.reloadConfigs(*m_store);
        writerLoadSettings();
        m_counts.markStale();
        m_dispatcher.markAllReady();
        m_nextScheduled = m_store->nextScheduledRunAt();
    }
}

void EngineCore::writerFindDue(Cycle& cycle)
{
    const qint64 now = cycle.now;
    cycle.readOnly = m_store->isReadOnly();
    // Callers' commands run whenever they come (they want an answer); the writer's own writes wait out a back-off.
    const bool writable = !cycle.readOnly && now >= m_writeRetryAt;
    cycle.maintenanceDue = writable && (now >= m_nextMaintenance || (m_nextScheduled > 0 && now >= m_nextScheduled));
    const bool anyBusy = m_dispatcher.isGivingBack() || m_pool.holdsTasks();
    cycle.heartbeatDue = writable && anyBusy && now >= m_nextHeartbeat;
    cycle.processBeatDue = writable && m_beat.isDue(now);
    cycle.claimAllowed = writable && cycle.claiming && now >= m_claimRetryAt;
    cycle.claimDue = cycle.claimAllowed && m_dispatcher.hasClaimableWork(m_dispatcher.plan({}, {}));
    cycle.givingBackDue
        = writable && m_dispatcher.isGivingBack() && (m_completionRetryAt == 0 || now >= m_completionRetryAt);
}

bool EngineCore::writerBegin(Cycle& cycle)
{
    Status began = cycle.readOnly
        ? Status(Error {ErrorCode::ReadOnly, QStringLiteral("The database is open read-only")})
        : m_store->begin();
    if (!began)
        cycle.failure = began.error();
    return bool(began);
}

void EngineCore::writerRunCommands(Cycle& cycle)
{
    for (auto& command : cycle.commands) {
        if (!m_store->inTransaction())
            break;
        cycle.results.append(command->atomicity == Atomicity::ByItself
                ? command->run(*m_store)
                : m_store->atomically([&] { return command->run(*m_store); }));
    }
    // A command that made SQLite abandon the transaction (disk full) took the whole cycle with it.
    if (!m_store->inTransaction())
        cycle.failure = cycle.results.last().error();
}

void EngineCore::writerRecordReports(Cycle& cycle)
{
    if (!m_store->inTransaction())
        return;
    // A worker's reports are recorded in order: once one must wait, the worker's later ones wait too (its start
    // report comes before the result of that run).
    QSet<int> waiting;
    // The slots change only after the commit: a worker's n-th start report of this cycle is of its n-th task ahead.
    QHash<int, std::size_t> startsRecorded;
    // Successes of this cycle: a start report of one of them is written with its result, one UPDATE fewer.
    QHash<qint64, std::size_t> successAt;
    for (std::size_t i = 0; i < cycle.completions.size(); ++i) {
        const Completion& c = cycle.completions[i];
        if (c.hasRun && c.result.outcome == HandlerResult::Outcome::Success && c.stopReason == StopReason::None)
            successAt.insert(c.task.id, i);
    }
    for (std::size_t i = 0; i < cycle.completions.size(); ++i) {
        const Completion& c = cycle.completions[i];
        if (waiting.contains(c.workerIndex))
            continue;
        Completion* resultOfStart = nullptr;
        if (c.aheadStarted) {
            const auto it = successAt.constFind(c.aheadStarted->taskId);
            if (it != successAt.cend() && *it > i)
                resultOfStart = &cycle.completions[*it];
        }
        Status s = writerRecordReport(c, startsRecorded.value(c.workerIndex), resultOfStart);
        if (!m_store->inTransaction()) {
            cycle.failure = s ? Error {ErrorCode::Internal, QStringLiteral("The transaction ended early")} : s.error();
            break;
        }
        if (!s) {
            // Keep the result and try again shortly; the task stays leased to us meanwhile.
            reportError(s.error());
            waiting.insert(c.workerIndex);
            continue;
        }
        cycle.recorded[i] = true;
        if (c.aheadStarted)
            ++startsRecorded[c.workerIndex];
    }
}

void EngineCore::writerGiveBack(Cycle& cycle)
{
    if (cycle.givingBackDue && m_store->inTransaction())
        cycle.givenBack = m_dispatcher.giveBack(*m_store, cycle.now, cycle.failure);
}

void EngineCore::writerMaintain(Cycle& cycle)
{
    if (!cycle.maintenanceDue || !m_store->inTransaction())
        return;
    m_nextMaintenance = cycle.now + m_options.maintenanceIntervalMs;
    if (auto staged = m_store->stageDueTasks(cycle.now); !staged)
        qCWarning(lcEngine) << staged.errorString();
    if (auto recovered = m_store->recoverExpiredLeases(cycle.now); !recovered)
        qCWarning(lcEngine) << recovered.errorString();
    if (auto purged = m_retention.pass(*m_store, cycle.now); !purged)
        qCWarning(lcEngine) << purged.errorString();
}

void EngineCore::writerLoadSettings()
{
    auto settings = m_store->databaseSettings();
    if (!settings) {
        qCWarning(lcEngine) << settings.errorString();
        return;
    }
    // Retention deletes tasks, an admin's right: an operator's engine leaves it to an admin's (see accessroles.h).
    m_retention.setDays(m_store->accessLevel() == AccessLevel::Admin ? settings->endedTasksDays() : 0);
    m_sampler.setMinuteRetentionDays(settings->metricsDays());
    m_engine.applyDatabaseSettings(*settings);
}

void EngineCore::writerRenewLeases(Cycle& cycle)
{
    if (!cycle.heartbeatDue || !m_store->inTransaction())
        return;
    m_nextHeartbeat = cycle.now + std::max<qint64>(m_options.leaseMs / 3, 50);
    if (auto flagged = m_store->renewLeases(m_owner, m_options.leaseMs, cycle.now))
        cycle.cancelRequested = *flagged;
    else
        qCWarning(lcEngine) << flagged.errorString();
}

void EngineCore::writerBeat(Cycle& cycle)
{
    if (cycle.processBeatDue && m_store->inTransaction())
        m_beat.beat(*m_store, cycle.now, int(m_pool.workerSlots().size()));
}

void EngineCore::writerClaim(Cycle& cycle)
{
    const qint64 now = cycle.now;
    // Slots whose results this transaction records take new tasks in the same transaction: with one worker, one
    // commit per task instead of two. So do tasks enqueued by this cycle's commands: they start without waiting for
    // the next cycle.
    std::vector<Dispatcher::SlotPlan> plan = m_dispatcher.plan(cycle.completions, cycle.recorded);
    // Every write of this transaction that can make a task ready has run by now (the claim only takes tasks):
    // marking their queues here, and not after the commit as well, keeps a claim that just found a queue drained
    // from being followed by one more claim that finds nothing (an empty transaction after each enqueue).
    for (const StateTransition& t : m_store->pendingTransitions()) {
        if (t.to == TaskState::Queued)
            m_dispatcher.markReady(t.queue);
    }
    if (!cycle.claimAllowed || !m_store->inTransaction())
        return;
    const Status claimed = m_dispatcher.claim(*m_store, now, plan, cycle.dispatch);
    if (!cycle.dispatch.isEmpty()) {
        // The slots are set up only after the commit (writerHandOut): until then the claim may still roll back.
        // They count as busy from the claim on, so that a shutdown starting now waits for these tasks too.
        auto lock = m_queue.lock();
        m_busyWorkers += int(cycle.dispatch.size());
    }
    if (!claimed) {
        // A claim the database refuses (full, locked) is tried again in half a second, not at once in a busy loop,
        // and reported once, not on every try. What else this cycle did still commits, unless the claim took the
        // whole transaction with it (a write after its first failed, see TaskStore::Undo::Transaction): then the
        // cycle fails as one.
        m_claimRetryAt = now + 500;
        if (int(claimed.error().code) != m_lastClaimErrorCode) {
            m_lastClaimErrorCode = int(claimed.error().code);
            reportError(claimed.error());
        }
        if (!m_store->inTransaction()) {
            cycle.failure = claimed.error();
            cycle.claimEndedTransaction = true;
            m_lastErrorCode = int(cycle.failure.code); // reported just now
        }
        return;
    }
    m_claimRetryAt = 0;
    m_lastClaimErrorCode = -1;
    if (!cycle.dispatch.isEmpty())
        m_nextHeartbeat = std::min(m_nextHeartbeat == 0 ? now + m_options.leaseMs / 3 : m_nextHeartbeat,
            now + std::max<qint64>(m_options.leaseMs / 3, 50));
}

void EngineCore::writerCommit(Cycle& cycle)
{
    if (!m_store->inTransaction())
        return;
    const auto commitStart = std::chrono::steady_clock::now();
    Status c = m_store->commit();
    m_queue.committed(std::chrono::steady_clock::now() - commitStart, cycle.producersWaiting);
    cycle.committed = bool(c);
    if (!cycle.committed)
        cycle.failure = c.error();
    else if (m_bell && !cycle.commands.empty())
        m_bell->ring(); // enqueues, retries, pauses...: what other processes' writers act on
}

void EngineCore::writerNoteCommitOutcome(const Cycle& cycle)
{
    if (cycle.committed) {
        m_writeRetryDelayMs = 0;
        m_writeRetryAt = 0;
        return;
    }
    m_writeRetryDelayMs = std::clamp<qint64>(m_writeRetryDelayMs * 2, 50, 2000);
    m_writeRetryAt = cycle.now + m_writeRetryDelayMs;
}

void EngineCore::writerPublish(const Cycle& cycle)
{
    m_lastErrorCode = -1;
    m_completionRetryAt = 0;
    const QList<StateTransition> transitions = m_store->takeTransitions();
    m_counts.apply(transitions);
    QList<TaskChange> changes;
    changes.reserve(transitions.size());
    bool scheduledSomething = false;
    for (const StateTransition& t : transitions) {
        if (t.to) {
            changes.append({t.id, t.queue, *t.to});
            scheduledSomething |= *t.to == TaskState::Scheduled;
        } else {
            changes.append({t.id, t.queue, *t.from});
        }
    }
    // Our own enqueue may have created a queue: learn its configuration before the next claim.
    for (const StateTransition& t : transitions) {
        if (!m_dispatcher.knowsQueue(t.queue)) {
            m_dispatcher.reloadConfigs(*m_store);
            break;
        }
    }
    if (scheduledSomething || cycle.maintenanceDue)
        m_nextScheduled = m_store->nextScheduledRunAt();
    if (!changes.isEmpty())
        Q_EMIT m_engine.tasksChanged(changes);
}

void EngineCore::writerKeepForRetry(Cycle& cycle)
{
    // Nothing of this cycle was written. Commands report the error to their callers; completions are kept and
    // recorded once the database accepts writes again (their tasks stay leased meanwhile).
    m_store->takeTransitions();
    if (!cycle.dispatch.isEmpty()) { // nothing was claimed: the slots were never touched
        auto lock = m_queue.lock();
        m_busyWorkers -= int(cycle.dispatch.size());
    }
    cycle.dispatch.clear();
    if (!cycle.completions.empty() || m_dispatcher.isGivingBack()) {
        auto lock = m_queue.lock();
        for (auto it = cycle.completions.rbegin(); it != cycle.completions.rend(); ++it)
            m_completions.push_front(std::move(*it));
        m_completionRetryAt = cycle.now + 500;
    }
    if (int(cycle.failure.code) != m_lastErrorCode) {
        m_lastErrorCode = int(cycle.failure.code);
        if (!cycle.completions.empty() || cycle.maintenanceDue || cycle.claimDue || cycle.givingBackDue)
            reportError(cycle.failure);
    }
}

void EngineCore::writerAnswerCallers(Cycle& cycle)
{
    for (qsizetype i = 0; i < qsizetype(cycle.commands.size()); ++i) {
        Status s = !cycle.committed ? Status(cycle.failure) : cycle.results.value(i, Status(cycle.failure));
        cycle.commands[std::size_t(i)]->finish(std::move(s));
    }
}

void EngineCore::writerSettleReports(Cycle& cycle)
{
    if (cycle.givenBack > 0) {
        m_dispatcher.forgetGivenBack(cycle.givenBack);
        auto lock = m_queue.lock();
        m_busyWorkers -= int(cycle.givenBack);
        m_givingBackCount -= int(cycle.givenBack);
    }
    std::deque<Completion> retryLater;
    for (std::size_t i = 0; i < cycle.completions.size(); ++i) {
        Completion& c = cycle.completions[i];
        if (!cycle.recorded[i]) {
            retryLater.push_back(std::move(c));
            continue;
        }
        if (c.hasRun) {
            {
                auto lock = m_queue.lock();
                --m_busyWorkers;
            }
            m_pool.freeSlot(c, cycle.now, !c.aheadStarted);
        }
        if (c.aheadStarted)
            m_pool.promoteAhead(c.workerIndex, *c.aheadStarted);
    }
    if (!retryLater.empty()) {
        // In front of what arrived meanwhile, so that each worker's reports stay in order.
        auto lock = m_queue.lock();
        for (auto it = retryLater.rbegin(); it != retryLater.rend(); ++it)
            m_completions.push_front(std::move(*it));
        m_completionRetryAt = cycle.now + 500;
    }
}

void EngineCore::writerHandOut(const Cycle& cycle)
{
    // Only now that the claim is durable.
    m_dispatcher.handOut(cycle.dispatch, cycle.now);
    if (!cycle.cancelRequested.isEmpty())
        stopRunning(cycle.cancelRequested, StopReason::CancelledByUser);
}

void EngineCore::writerFinishCycle(qint64 now, bool idle)
{
    m_pool.stopOverdue(now);
    if (m_counts.isStale())
        m_counts.recount(*m_store);
    m_sampler.sampleIfDue(*m_store, m_counts, now);
    m_indexer.indexIfDue(*m_store, now, idle);
}

Status EngineCore::writerRecordCompletion(const Completion& c)
{
    const Task& task = c.task;
    const HandlerResult& r = c.result;
    Status recorded = success();
    if (r.outcome == HandlerResult::Outcome::Success) {
        // The worker's copy of the task holds the started_at its claim or its start report wrote.
        const TaskStore::LeasedTask known {task.queue, task.startedAt};
        const TaskStore::AheadStartRecord start {c.startedAt, std::max<qint64>(0, c.startedAt - task.runAt)};
        recorded = m_store->complete(task.id, task.attempts, m_owner, c.worker,
            r.result.isEmpty() ? QByteArrayLiteral("{}") : QJsonDocument(r.result).toJson(QJsonDocument::Compact),
            c.finishedAt, &known, c.startWithResult ? &start : nullptr);
    } else if (c.stopReason == StopReason::CancelledByUser) {
        recorded = m_store->finishCancelled(task.id, task.attempts, m_owner, c.worker, c.finishedAt);
    } else if (c.stopReason == StopReason::ShuttingDown) {
        recorded = m_store->release(task.id, task.attempts, m_owner, c.worker, c.finishedAt);
    } else if (c.stopReason == StopReason::TimedOut) {
        auto failed = m_store->fail(task.id, task.attempts, m_owner, c.worker,
            QStringLiteral("Timed out after %1 ms").arg(task.timeoutMs), false, std::nullopt, c.finishedAt);
        if (!failed)
            recorded = failed.error();
    } else {
        auto failed = m_store->fail(task.id, task.attempts, m_owner, c.worker, r.error,
            r.outcome == HandlerResult::Outcome::PermanentError, r.retryAfterMs, c.finishedAt);
        if (!failed)
            recorded = failed.error();
    }
    if (!recorded && recorded.error().code == ErrorCode::NotFound) {
        // A stale result: the lease expired and the task went to someone else. Dropping it is the fencing.
        qCWarning(lcEngine) << "dropping a stale result:" << recorded.errorString();
        return success();
    }
    return recorded;
}

// A report's writes fail after the first one only when the database does (a lost lease is found before any
// write): no savepoint (TaskStore::Undo::Transaction).
Status EngineCore::writerRecordReport(const Completion& c, std::size_t aheadPosition, Completion* resultOfStart)
{
    return m_store->atomically(TaskStore::Undo::Transaction, [&]() -> Status {
        if (c.hasRun) {
            if (Status s = writerRecordCompletion(c); !s)
                return s;
            m_dispatcher.noteRun(c.task.queue, c.finishedAt - c.startedAt);
        }
        if (!c.aheadStarted)
            return success();
        const WorkerPool::Slot& slot = m_pool.workerSlots()[std::size_t(c.workerIndex)];
        if (aheadPosition >= slot.ahead.size() || slot.ahead[aheadPosition].task.id != c.aheadStarted->taskId) {
            qCWarning(lcEngine) << "a start report for task" << c.aheadStarted->taskId << "that" << c.worker
                                << "was not given";
            return success();
        }
        if (resultOfStart) {
            // Written with the result, later in this transaction or in the one that records it.
            resultOfStart->startWithResult = true;
            return success();
        }
        Status s = m_store->recordAheadStart(slot.ahead[aheadPosition].task, m_owner, c.worker, c.aheadStarted->at);
        if (!s && s.error().code == ErrorCode::NotFound) {
            qCWarning(lcEngine) << "dropping a stale start:" << s.errorString();
            return success();
        }
        return s;
    });
}

} // namespace qd
