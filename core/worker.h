#pragma once

#include "handlercontext.h"
#include "task.h"
#include "taskhandler.h"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

class QThread;

namespace qd {

class HandlerRegistry;

// A claimed task handed to a worker, with the context its handler will see.
struct Assignment {
    Task task;
    QString worker;
    std::shared_ptr<HandlerContext> context;
};

// What a worker reports back when a handler run ends.
struct Completion {
    int workerIndex = 0;
    Task task;
    QString worker;
    HandlerResult result;
    StopReason stopReason = StopReason::None;
    qint64 finishedAt = 0;
};

// One worker thread that runs handlers, one task at a time. It never touches the database: it reports each
// result through `report`, and the engine's writer records it. Thread contract: assign() and requestExit() are
// called from the engine's writer thread; the handler runs on the worker's own QThread.
class Worker {
public:
    using ReportFn = std::function<void(Completion)>;

    Worker(int index, QString name, const HandlerRegistry& handlers, ReportFn report);
    ~Worker(); // requests exit and joins
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    int index() const { return m_index; }
    const QString& name() const { return m_name; }

    void assign(Assignment assignment);
    // Exit once the current task (if any) is done.
    void requestExit();
    void join();

private:
    void run();
    HandlerResult runHandler(const Assignment& assignment);

    const int m_index;
    const QString m_name;
    const HandlerRegistry& m_handlers;
    const ReportFn m_report;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::optional<Assignment> m_inbox;
    bool m_exit = false;
    std::unique_ptr<QThread> m_thread;
};

} // namespace qd
