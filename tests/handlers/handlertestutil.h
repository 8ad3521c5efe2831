#pragma once

#include "core/handlercontext.h"
#include "core/taskhandler.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonObject>

#include <QThread>

#include <memory>
#include <mutex>
#include <thread>

// Helpers shared by the handler tests: run a handler on its own thread, as a worker would, while the test thread
// keeps its event loop turning (a local HTTP server in the test thread must keep answering).
namespace qd::test {

// A handler run on its own std::thread. Not std::async: libstdc++'s future synchronises through futexes that
// ThreadSanitizer cannot see, while std::mutex and join() it understands.
class AsyncRun {
public:
    AsyncRun(const TaskHandler& handler, const QJsonObject& payload, HandlerContext& context)
        : m_state(std::make_shared<State>())
    {
        m_thread = std::thread([state = m_state, &handler, payload, &context] {
            HandlerResult result = handler.run(payload, context);
            std::lock_guard lock(state->mutex);
            state->result = std::move(result);
            state->done = true;
        });
    }
    AsyncRun(AsyncRun&&) = default;
    AsyncRun& operator=(AsyncRun&&) = delete;
    ~AsyncRun() { wait(); }

    bool isReady() const
    {
        std::lock_guard lock(m_state->mutex);
        return m_state->done;
    }
    void wait()
    {
        if (m_thread.joinable())
            m_thread.join();
    }
    HandlerResult get()
    {
        wait();
        return m_state->result;
    }

private:
    struct State {
        mutable std::mutex mutex;
        bool done = false;
        HandlerResult result;
    };
    std::shared_ptr<State> m_state;
    std::thread m_thread;
};

inline AsyncRun runAsync(const TaskHandler& handler, const QJsonObject& payload, HandlerContext& context)
{
    return AsyncRun(handler, payload, context);
}

// Spins the event loop until the run is finished or timeoutMs passes. Returns whether it finished.
inline bool waitFor(AsyncRun& run, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!run.isReady()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        QThread::msleep(2);
        if (timer.elapsed() > timeoutMs)
            return false;
    }
    return true;
}

inline const char* outcomeName(HandlerResult::Outcome outcome)
{
    switch (outcome) {
    case HandlerResult::Outcome::Success:
        return "success";
    case HandlerResult::Outcome::RetryableError:
        return "retryable";
    case HandlerResult::Outcome::PermanentError:
        return "permanent";
    }
    return "?";
}

} // namespace qd::test

// QCOMPARE on outcomes prints names, and the error text when it fails.
#define QD_COMPARE_OUTCOME(result, expected)                                                                           \
    do {                                                                                                               \
        const auto& qdResult_ = (result);                                                                              \
        if (qdResult_.outcome != (expected))                                                                           \
            qWarning("unexpected outcome %s (error: %s)", qd::test::outcomeName(qdResult_.outcome),                    \
                qPrintable(qdResult_.error));                                                                          \
        QCOMPARE(qd::test::outcomeName(qdResult_.outcome), qd::test::outcomeName(expected));                           \
    } while (false)
