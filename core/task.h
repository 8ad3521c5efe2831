#pragma once

#include "taskstate.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <array>
#include <optional>

namespace qd {

// All times are milliseconds since the Unix epoch, UTC; 0 means "never / not set".

// Exponential backoff: the n-th retry waits min(maxDelayMs, baseDelayMs * 2^(n-1)), shortened by a random
// fraction of up to `jitter` so that tasks which failed together do not retry in lockstep.
struct RetryPolicy {
    qint64 baseDelayMs = 1000;
    qint64 maxDelayMs = 3600 * 1000;
    double jitter = 0.25;
};

// The delay before retry number `attempt` (1-based), with the jitter fraction drawn from `random01` in [0, 1).
qint64 backoffDelayMs(const RetryPolicy& policy, int attempt, double random01);

// What a caller asks to enqueue.
struct NewTask {
    QString queue = QStringLiteral("default");
    QString type;
    QByteArray payload = QByteArrayLiteral("{}"); // a JSON object, as text
    int priority = 0; // 0..100, higher runs first
    qint64 delayMs = 0; // run no earlier than now + delayMs ...
    qint64 runAt = 0; // ... or at this absolute time (wins over delayMs when set)
    int maxAttempts = 0; // 0: the queue's default
    int timeoutMs = 0; // 0: the queue's default (0 there too: no timeout)
    std::optional<RetryPolicy> retryPolicy; // unset: the queue's policy
    QString idempotencyKey; // empty: none. An existing key returns the existing task.
    // A producer's Ed25519 signature of queue, type, payload and idempotency key (core/crypto/tasksignature.h) and
    // the id of its key; both empty: unsigned. Verified at enqueue, never stored.
    QByteArray signature {};
    QString signatureKeyId {};
};

struct EnqueueResult {
    qint64 id = 0;
    bool existed = false; // true when the idempotency key matched a task already stored
    // Only from an enqueue that skips refused tasks (RefusedTasks::Skip): why this task was not stored (id 0).
    QString refused {};
};

// What an enqueue does with a task whose signature check refuses it (see core/crypto/tasksignature.h): refuse the
// whole batch (the callers that answer a person), or store the others and say why it was skipped (spools and bridges,
// which move each refused task aside).
enum class RefusedTasks { RefuseBatch, Skip };

struct Task {
    qint64 id = 0;
    QString queue;
    QString type;
    QByteArray payload;
    int priority = 0;
    TaskState state = TaskState::Queued;
    int attempts = 0; // counted when a worker claims the task, so a crash still uses up an attempt
    int maxAttempts = 0;
    qint64 runAt = 0;
    qint64 createdAt = 0;
    qint64 startedAt = 0; // last claim
    qint64 finishedAt = 0;
    QString leaseOwner;
    qint64 leaseExpiresAt = 0;
    QString lastError;
    QByteArray result; // JSON text; empty when none
    QString idempotencyKey;
    int timeoutMs = 0;
    bool cancelRequested = false;
    // Payload, result or error are encrypted and did not open in this process (no key, or a damaged value): each
    // such field reads as the text "encrypted".
    bool sealed = false;
};

// One row of the state-transition history. Written in the same transaction as the change it records.
struct TaskEvent {
    qint64 id = 0;
    qint64 taskId = 0;
    QString queue;
    qint64 at = 0;
    QString kind; // enqueued, started, succeeded, retry_scheduled, failed, cancelled, cancel_requested,
                  // retried, ready, lease_expired
    std::optional<TaskState> fromState; // unset for "enqueued"
    TaskState toState = TaskState::Queued;
    int attempt = 0;
    QString worker;
    QString detail;
    qint64 durationMs = -1; // started: wait time; succeeded/failed: run time; retry_scheduled: backoff; else -1
};

// The producer key that verified a task at enqueue (schema 12).
struct TaskSigner {
    QString keyId;
    QString name;
    qint64 revokedAt = 0; // revoked since (the task was verified before): 0 while in use
};

struct TaskWithEvents {
    Task task;
    QList<TaskEvent> events;
    std::optional<TaskSigner> signer {}; // unset: stored unsigned
};

// Which tasks an operation or listing applies to. Empty lists mean "any".
struct TaskFilter {
    QList<qint64> ids;
    QStringList queues;
    QList<TaskState> states;
    QStringList types;
    QString search; // substring of payload or last error (case-insensitive for ASCII)
    qint64 createdFrom = 0; // inclusive
    qint64 createdTo = 0; // exclusive; 0: no bound

    // Exactly these tasks (a failure cluster's), whatever else they are.
    static TaskFilter ofIds(QList<qint64> taskIds)
    {
        TaskFilter f;
        f.ids = std::move(taskIds);
        return f;
    }

    bool isEmpty() const
    {
        return ids.isEmpty() && queues.isEmpty() && states.isEmpty() && types.isEmpty() && search.isEmpty()
            && createdFrom == 0 && createdTo == 0;
    }
};

// An admin's action on many tasks, and the states it changes as the engine applies it: retry takes failed and
// cancelled tasks, cancel queued, scheduled and running ones (running ones are asked to stop), purge every task but
// running ones, run now scheduled ones.
enum class AdminAction { Retry, Cancel, Purge, RunNow };
// `filter` narrowed to the tasks `action` changes, so that a preview (the window's confirmation, the CLI's
// --dry-run) counts exactly those; empty when the filter only shows tasks the action leaves alone.
std::optional<TaskFilter> changedBy(AdminAction action, const TaskFilter& filter);

enum class TaskSortKey { Id, Queue, Type, State, Priority, Attempts, RunAt, FinishedAt };

struct TaskQuery {
    TaskFilter filter;
    TaskSortKey sortKey = TaskSortKey::Id;
    bool descending = false;
    qint64 offset = 0;
    int limit = 200;
};

// Per-queue configuration, shared by every process on the database.
struct QueueConfig {
    QString name;
    bool paused = false;
    int concurrency = 0; // most tasks of this queue running at once in one process; 0: no limit but the pool
    int maxAttempts = 3;
    int timeoutMs = 0;
    RetryPolicy retryPolicy;
    // Only tasks signed by a producer key in use are stored (schema 12). Set by setRequireSigned(), not by
    // setQueueConfig(), so a caller that builds a QueueConfig never turns it off by leaving it out.
    bool requireSigned = false;
};

using StateCounts = std::array<qint64, taskStateCount>;

struct QueueInfo {
    QueueConfig config;
    StateCounts counts {};
};

// One per queue per sampling interval; also the unit persisted in the metrics history.
struct QueueSample {
    QString queue;
    qint64 at = 0; // start of the interval
    int resolutionSeconds = 1;
    StateCounts counts {};
    qint64 enqueued = 0; // during the interval
    qint64 completed = 0;
    qint64 failed = 0; // attempts that failed (retried or final)
    double waitP50Ms = 0;
    double waitP95Ms = 0;
    // Run times of the attempts that ended (succeeded or failed for good) in the interval; live samples only, the
    // metrics history does not keep them (0 there).
    double runP50Ms = 0;
    double runP95Ms = 0;
    double runP99Ms = 0;
};

// One per task type that had attempts end in a sampling interval (live samples only; not in the metrics history).
struct TypeSample {
    QString type;
    qint64 at = 0;
    qint64 completed = 0; // attempts that succeeded
    qint64 failed = 0; // attempts that failed (retried or final)
    double runP50Ms = 0;
    double runP95Ms = 0;
    double runP99Ms = 0;
};

struct StatsSample {
    qint64 at = 0;
    QList<QueueSample> queues;
    QList<TypeSample> types;
};

// Reported by the engine after each committed batch of work: which tasks changed and their new state.
struct TaskChange {
    qint64 id = 0;
    QString queue;
    TaskState state = TaskState::Queued;
};

struct WorkerStatus {
    int index = 0;
    QString name;
    bool busy = false;
    qint64 taskId = 0;
    QString taskType;
    QString queue;
    qint64 since = 0; // when it became busy (or idle)
};

// Matches a queue name: letters, digits, '_', '-', '.', 1-64 characters.
bool isValidQueueName(const QString& name);

} // namespace qd

Q_DECLARE_METATYPE(qd::Task)
Q_DECLARE_METATYPE(qd::TaskEvent)
Q_DECLARE_METATYPE(qd::StatsSample)
Q_DECLARE_METATYPE(qd::TaskChange)
Q_DECLARE_METATYPE(qd::WorkerStatus)
