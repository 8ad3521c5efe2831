#include "oneshotwriter.h"

#include "commitbell.h"
#include "databaseurl.h"
#include "taskstore.h"
#include "taskvalidation.h"

#include <QDateTime>

namespace qd {

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

OneShotWriter::OneShotWriter(TaskStore& store, const HandlerRegistry& handlers)
    : m_store(store)
    , m_handlers(handlers)
{ }

void OneShotWriter::wakeOthers() const
{
    if (!m_store.databaseUrl())
        CommitBell::ringOnce(m_store.path());
    else if (m_store.isMariaDb())
        CommitBell::ringOnce(CommitBell::serverBellPath(*m_store.databaseUrl()));
}

Result<QList<EnqueueResult>> OneShotWriter::enqueueValidated(const QList<NewTask>& tasks)
{
    Result<QList<EnqueueResult>> stored = m_store.enqueue(tasks, nowMs(), EnqueueAudit::Record);
    if (stored.ok())
        wakeOthers();
    return stored;
}

Result<QList<EnqueueResult>> OneShotWriter::enqueue(const QList<NewTask>& tasks)
{
    if (std::optional<Error> error = validateNewTasks(tasks, m_handlers))
        return *error;
    return enqueueValidated(tasks);
}

Result<qint64> OneShotWriter::retry(const TaskFilter& filter)
{
    Result<qint64> changed = m_store.retry(filter, nowMs());
    if (changed.ok() && changed.value() > 0)
        wakeOthers();
    return changed;
}

Result<qint64> OneShotWriter::runNow(const TaskFilter& filter)
{
    Result<qint64> changed = m_store.runNow(filter, nowMs());
    if (changed.ok() && changed.value() > 0)
        wakeOthers();
    return changed;
}

Result<qint64> OneShotWriter::cancel(const TaskFilter& filter)
{
    Result<qint64> changed = m_store.cancel(filter, nowMs());
    if (changed.ok() && changed.value() > 0)
        wakeOthers();
    return changed;
}

Status OneShotWriter::setPaused(const QString& queue, bool paused)
{
    if (!queue.isEmpty()) {
        if (std::optional<Error> error = queueNameError(queue))
            return *error;
    }
    Status status = m_store.setPaused(queue, paused, nowMs());
    if (status.ok())
        wakeOthers();
    return status;
}

Status OneShotWriter::setConcurrency(const QString& queue, int concurrency)
{
    if (std::optional<Error> error = queueNameError(queue))
        return *error;
    if (std::optional<Error> error = concurrencyError(concurrency))
        return *error;
    Status status = m_store.setConcurrency(queue, concurrency, nowMs());
    if (status.ok())
        wakeOthers();
    return status;
}

Status OneShotWriter::setSetting(const QString& key, const std::optional<QJsonValue>& value)
{
    Status status = m_store.setSetting(key, value, nowMs());
    if (status.ok())
        wakeOthers();
    return status;
}

Status OneShotWriter::setRequireSigned(const QString& queue, bool required)
{
    if (std::optional<Error> error = queueNameError(queue))
        return *error;
    return m_store.setRequireSigned(queue, required, nowMs());
}

} // namespace qd
