#pragma once

#include "core/handlercontext.h"
#include "core/taskhandler.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonObject>

#include <chrono>
#include <future>

// Helpers shared by the handler tests: run a handler on its own thread, as a worker would, while the test thread
// keeps its event loop turning (a local HTTP server in the test thread must keep answering).
namespace qd::test {

inline std::future<HandlerResult> runAsync(
    const TaskHandler& handler, const QJsonObject& payload, HandlerContext& context)
{
    return std::async(std::launch::async, [&handler, payload, &context] { return handler.run(payload, context); });
}

// Spins the event loop until the future is ready or timeoutMs passes. Returns whether it became ready.
template <typename T> bool waitFor(std::future<T>& future, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (future.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
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
