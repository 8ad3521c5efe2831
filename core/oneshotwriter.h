#pragma once

#include "result.h"
#include "task.h"

#include <QJsonValue>
#include <QList>
#include <QString>

#include <optional>

namespace qd {

class HandlerRegistry;
class TaskStore;

// The writes of a process that writes a few times and exits (queuedesk-cli's enqueue, retry, pause...): each call is
// one transaction of its own on the caller's thread, straight through the caller's TaskStore, with none of an
// engine's threads, recount or lease recovery. After a commit that changed something, it wakes the writers of other
// processes: the commit bell on SQLite; on PostgreSQL the store's commit carries the NOTIFY.
// Thread contract: the thread that owns the store.
class OneShotWriter {
public:
    OneShotWriter(TaskStore& store, const HandlerRegistry& handlers);

    const HandlerRegistry& handlers() const { return m_handlers; }

    // An admin's enqueue: each call leaves one audit row (see EnqueueAudit), as every write here does.
    // Tasks the caller has checked with validateNewTask, all stored or none.
    Result<QList<EnqueueResult>> enqueueValidated(const QList<NewTask>& tasks);
    // Checks each task (validateNewTask), then stores them all or none.
    Result<QList<EnqueueResult>> enqueue(const QList<NewTask>& tasks);

    // As QueueEngine's: other processes' workers stop a running task that cancel() flags at their next lease renewal.
    Result<qint64> retry(const TaskFilter& filter);
    Result<qint64> runNow(const TaskFilter& filter);
    Result<qint64> cancel(const TaskFilter& filter);
    Status setPaused(const QString& queue, bool paused); // an empty queue: every queue
    Status setConcurrency(const QString& queue, int concurrency);
    // A database setting set, or removed (value unset: its default); see TaskStore::setSetting.
    Status setSetting(const QString& key, const std::optional<QJsonValue>& value);
    // Whether the queue takes only tasks signed by a producer key in use (creates the queue when missing).
    Status setRequireSigned(const QString& queue, bool required);

private:
    void wakeOthers() const;

    TaskStore& m_store;
    const HandlerRegistry& m_handlers;
};

} // namespace qd
