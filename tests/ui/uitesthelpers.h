#pragma once

#include "core/queueengine.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <memory>
#include <thread>
#include <type_traits>

namespace qd::test {

// How long to wait for a background write (a bulk job, an engine cycle) and the table's re-count after it. Under
// ThreadSanitizer on a loaded 2-core machine that takes seconds, beyond QTRY's default of 5; a passing run never
// waits this long.
constexpr int backgroundTimeoutMs = 30000;

// An engine on a fresh database in a temporary directory. Workers off unless asked, so tests decide what runs.
inline std::shared_ptr<QueueEngine> openEngine(const QTemporaryDir& dir, int workers = 0, bool readOnly = false,
    const QString& name = QStringLiteral("ui.db"), qint64 sampleIntervalMs = 200)
{
    EngineOptions options;
    options.store.path = dir.filePath(name);
    options.store.readOnly = readOnly;
    options.workerCount = workers;
    options.sampleIntervalMs = sampleIntervalMs;
    options.pollIntervalMs = 50;
    auto engine = QueueEngine::open(options);
    if (!engine) {
        qWarning("cannot open engine: %s", qPrintable(engine.errorString()));
        return {};
    }
    return std::shared_ptr<QueueEngine>(std::move(engine).value());
}

// `count` noop tasks spread over three queues, two types and a few priorities, with a searchable payload.
inline QList<NewTask> makeTasks(int count, int firstNumber = 0)
{
    QList<NewTask> tasks;
    tasks.reserve(count);
    static const QStringList queues = {QStringLiteral("emails"), QStringLiteral("images"), QStringLiteral("reports")};
    for (int i = 0; i < count; ++i) {
        NewTask t;
        const int n = firstNumber + i;
        t.queue = queues.at(n % 3);
        t.type = n % 2 ? QStringLiteral("sleep") : QStringLiteral("noop");
        t.payload = n % 2 ? QByteArrayLiteral("{\"ms\":10}")
                          : QStringLiteral("{\"n\":%1,\"tag\":\"%2\"}")
                                .arg(n)
                                .arg(n % 1000 == 0 ? QStringLiteral("needle") : QStringLiteral("hay"))
                                .toUtf8();
        t.priority = n % 5;
        tasks.append(t);
    }
    return tasks;
}

// Runs a call on a plain std::thread, for a write the GUI thread must not wait on. Not QtConcurrent::run: its future
// hands the result store between threads through reference counts inside the uninstrumented QtCore, so under
// ThreadSanitizer the pool thread freeing the store looked like a race with the test's read of result() (issue 25).
// result() joins the thread, an ordering TSan sees.
template <typename T> class ThreadCall {
public:
    template <typename Fn>
    explicit ThreadCall(Fn call)
        : m_thread([this, call = std::move(call)]() mutable {
            m_result = call();
            m_finished.store(true, std::memory_order_release);
        })
    { }
    ThreadCall(const ThreadCall&) = delete;
    ThreadCall& operator=(const ThreadCall&) = delete;
    ~ThreadCall() { join(); }

    bool isFinished() const { return m_finished.load(std::memory_order_acquire); }
    const T& result()
    {
        join();
        return m_result;
    }

private:
    void join()
    {
        if (m_thread.joinable())
            m_thread.join();
    }

    T m_result {};
    std::atomic<bool> m_finished {false};
    std::thread m_thread; // declared last: it starts once the members it writes exist
};
template <typename Fn> ThreadCall(Fn) -> ThreadCall<std::invoke_result_t<Fn>>;

} // namespace qd::test
