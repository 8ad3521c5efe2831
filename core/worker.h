#pragma once

#include "handlercontext.h"
#include "task.h"
#include "taskhandler.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace qd {

class HandlerRegistry;

// A claimed task handed to a worker, with the context its handler will see.
struct Assignment {
    Task task;
    QString worker;
    std::shared_ptr<HandlerContext> context;
    // Claimed ahead while the worker was busy (EngineCore's prefetch): it waits in the worker's inbox until the
    // current run ends, unless the engine revokes it first, and the worker reports when it starts it.
    bool ahead = false;
};

// A task claimed ahead that the worker has started.
struct AheadStart {
    qint64 taskId = 0;
    int attempt = 0;
    qint64 at = 0;
};

// What a worker reports back: a handler run that ended, and the start of a task claimed ahead (taken right after
// that run, or on its own when the worker was idle as it arrived). The two travel together so that one commit
// records both.
struct Completion {
    int workerIndex = 0;
    Task task;
    QString worker;
    HandlerResult result;
    StopReason stopReason = StopReason::None;
    qint64 finishedAt = 0;
    qint64 startedAt = 0; // when this run's handler started
    bool hasRun = true; // false: only aheadStarted is reported
    std::optional<AheadStart> aheadStarted;
    // Set by the writer: this run's start report was recorded without writing it, and the result's write records
    // it (TaskStore::complete's `start`).
    bool startWithResult = false;
};

// One worker thread that runs handlers, one task at a time (more may wait in its inbox, claimed ahead). It
// never touches the database: it reports each result, and each start of a task claimed ahead, through `report`,
// and the engine's writer records them. Thread contract: assign(), revoke() and requestExit() are called from the
// engine's writer thread; the handler runs on the worker's own thread.
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
    // Takes back a task assigned ahead if the worker has not started it yet; false once it has.
    bool revoke(qint64 taskId);
    // Exit once the current task and the assigned ones are done.
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
    std::deque<Assignment> m_inbox; // the next task and those claimed ahead
    bool m_exit = false;
    // A std::thread rather than a QThread: its join is visible to ThreadSanitizer (the system Qt is not
    // instrumented), and Qt adopts the thread if a handler needs an event loop on it.
    std::thread m_thread;
};

} // namespace qd
