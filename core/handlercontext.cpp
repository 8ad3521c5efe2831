#include "handlercontext.h"

#include <chrono>

namespace qd {

HandlerContext::HandlerContext(qint64 taskId, int attempt, QString queue, ProgressFn progress, LogFn log)
    : m_taskId(taskId)
    , m_attempt(attempt)
    , m_queue(std::move(queue))
    , m_progress(std::move(progress))
    , m_log(std::move(log))
{ }

bool HandlerContext::sleepFor(qint64 ms)
{
    std::unique_lock lock(m_mutex);
    return !m_wake.wait_for(lock, std::chrono::milliseconds(ms), [this] { return isCancelled(); });
}

void HandlerContext::reportProgress(double fraction, const QString& message)
{
    if (m_progress)
        m_progress(std::clamp(fraction, 0.0, 1.0), message);
}

void HandlerContext::log(const QString& line)
{
    if (m_log)
        m_log(line);
}

void HandlerContext::requestStop(StopReason reason)
{
    {
        std::lock_guard lock(m_mutex);
        StopReason expected = StopReason::None;
        m_stopReason.compare_exchange_strong(expected, reason, std::memory_order_acq_rel);
    }
    m_wake.notify_all();
}

} // namespace qd
