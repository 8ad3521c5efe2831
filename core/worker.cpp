#include "worker.h"

#include "handlerregistry.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QThread>

#include <exception>

namespace qd {

Q_LOGGING_CATEGORY(lcWorker, "qd.core.worker")

Worker::Worker(int index, QString name, const HandlerRegistry& handlers, ReportFn report)
    : m_index(index)
    , m_name(std::move(name))
    , m_handlers(handlers)
    , m_report(std::move(report))
{
    m_thread.reset(QThread::create([this] { run(); }));
    m_thread->setObjectName(QStringLiteral("qd-worker-%1").arg(index));
    m_thread->start();
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
        Q_ASSERT(!m_inbox);
        m_inbox = std::move(assignment);
    }
    m_wake.notify_one();
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
    if (m_thread)
        m_thread->wait();
}

void Worker::run()
{
    for (;;) {
        Assignment assignment;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_inbox.has_value() || m_exit; });
            if (!m_inbox)
                return;
            assignment = std::move(*m_inbox);
            m_inbox.reset();
        }
        HandlerResult result = runHandler(assignment);
        Completion completion {m_index, std::move(assignment.task), assignment.worker, std::move(result),
            assignment.context->stopReason(), QDateTime::currentMSecsSinceEpoch()};
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
        return HandlerResult::retryable(QStringLiteral("The handler threw an exception: %1").arg(QString::fromLocal8Bit(e.what())));
    } catch (...) {
        qCWarning(lcWorker) << "handler" << task.type << "threw an unknown exception";
        return HandlerResult::retryable(QStringLiteral("The handler threw an unknown exception"));
    }
}

} // namespace qd
