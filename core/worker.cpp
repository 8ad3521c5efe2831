#include "worker.h"

#include "handlerregistry.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <algorithm>
#include <exception>

namespace qd {

Q_LOGGING_CATEGORY(lcWorker, "qd.core.worker")

Worker::Worker(int index, QString name, const HandlerRegistry& handlers, ReportFn report)
    : m_index(index)
    , m_name(std::move(name))
    , m_handlers(handlers)
    , m_report(std::move(report))
{
    m_thread = std::thread([this] { run(); });
}

Worker::~Worker()
{
    requestExit();
    join();
}

void Worker::assign(Assignment assignment)
{
    {
        std::lock_guard lock(m_mutex);
        m_inbox.push_back(std::move(assignment));
    }
    m_wake.notify_one();
}

bool Worker::revoke(qint64 taskId)
{
    std::lock_guard lock(m_mutex);
    const auto it = std::find_if(
        m_inbox.begin(), m_inbox.end(), [taskId](const Assignment& a) { return a.ahead && a.task.id == taskId; });
    if (it == m_inbox.end())
        return false;
    m_inbox.erase(it);
    return true;
}

void Worker::requestExit()
{
    {
        std::lock_guard lock(m_mutex);
        m_exit = true;
    }
    m_wake.notify_one();
}

void Worker::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

void Worker::run()
{
    std::optional<Assignment> next; // taken from the inbox as the previous run ended
    qint64 nextStartedAt = 0;
    for (;;) {
        Assignment assignment;
        qint64 startedAt = 0;
        if (next) {
            assignment = std::move(*next);
            next.reset();
            startedAt = nextStartedAt;
        } else {
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [this] { return !m_inbox.empty() || m_exit; });
                if (m_inbox.empty())
                    return;
                assignment = std::move(m_inbox.front());
                m_inbox.pop_front();
            }
            startedAt = QDateTime::currentMSecsSinceEpoch();
            if (assignment.ahead) {
                assignment.task.startedAt = startedAt; // what the writer records as its start
                Completion started;
                started.workerIndex = m_index;
                started.worker = assignment.worker;
                started.hasRun = false;
                started.aheadStarted = AheadStart {assignment.task.id, assignment.task.attempts, startedAt};
                m_report(std::move(started));
            }
        }
        HandlerResult result = runHandler(assignment);
        const qint64 finishedAt = QDateTime::currentMSecsSinceEpoch();
        Completion completion {m_index, std::move(assignment.task), assignment.worker, std::move(result),
            assignment.context->stopReason(), finishedAt, startedAt, true, std::nullopt};
        {
            // Taking the next task under the lock is what makes revoke() and the start exclusive.
            std::lock_guard lock(m_mutex);
            if (!m_inbox.empty()) {
                next = std::move(m_inbox.front());
                m_inbox.pop_front();
                nextStartedAt = finishedAt;
                if (next->ahead) {
                    next->task.startedAt = nextStartedAt;
                    completion.aheadStarted = AheadStart {next->task.id, next->task.attempts, nextStartedAt};
                }
            }
        }
        m_report(std::move(completion));
    }
}

HandlerResult Worker::runHandler(const Assignment& assignment)
{
    const Task& task = assignment.task;
    const TaskHandler* handler = m_handlers.find(task.type);
    if (!handler)
        return HandlerResult::permanent(QStringLiteral("No handler for task type \"%1\" in %2").arg(task.type, m_name));
    QJsonParseError parseError;
    const QJsonDocument payload = QJsonDocument::fromJson(task.payload, &parseError);
    if (!payload.isObject())
        return HandlerResult::permanent(QStringLiteral("The stored payload is not a JSON object"));
    // A handler must not throw, but one that does must not take the worker (or the process) down with it.
    try {
        return handler->run(payload.object(), *assignment.context);
    } catch (const std::exception& e) {
        qCWarning(lcWorker) << "handler" << task.type << "threw:" << e.what();
        return HandlerResult::retryable(
            QStringLiteral("The handler threw an exception: %1").arg(QString::fromLocal8Bit(e.what())));
    } catch (...) {
        qCWarning(lcWorker) << "handler" << task.type << "threw an unknown exception";
        return HandlerResult::retryable(QStringLiteral("The handler threw an unknown exception"));
    }
}

} // namespace qd
