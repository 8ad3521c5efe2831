#include "workloadbench.h"

#include "successwaiter.h"

#include "core/handlercontext.h"
#include "core/handlerregistry.h"
#include "core/handlers/demoworkload.h"
#include "core/queueengine.h"
#include "core/taskhandler.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const QString& what)
{
    std::fprintf(stderr, "qd_bench: B6: %s\n", qPrintable(what));
    std::exit(2);
}

// When each handler run began and ended, per thread, relative to the run's start.
class HandlerClock {
public:
    void start() { m_start = Clock::now(); }
    void record(Clock::time_point began, Clock::time_point ended)
    {
        std::lock_guard lock(m_mutex);
        m_runs[std::this_thread::get_id()].push_back({began, ended});
    }
    // Ends the run: fills in everything but `seconds`.
    MixedRun summary() const
    {
        using Ms = std::chrono::duration<double, std::milli>;
        std::lock_guard lock(m_mutex);
        MixedRun run;
        for (const auto& [thread, runs] : m_runs) {
            Clock::time_point free = m_start;
            for (const auto& [began, ended] : runs) {
                run.waitingMs += Ms(began - free).count();
                run.handlerMs += Ms(ended - began).count();
                free = ended;
            }
        }
        return run;
    }

private:
    struct Span {
        Clock::time_point began, ended;
    };
    Clock::time_point m_start;
    mutable std::mutex m_mutex;
    std::map<std::thread::id, std::vector<Span>> m_runs; // in order: a thread runs one task at a time
};

// A registered handler, timed by a HandlerClock.
class TimedHandler : public TaskHandler {
public:
    TimedHandler(const TaskHandler& handler, HandlerClock& clock)
        : m_handler(handler)
        , m_clock(clock)
    { }
    QString type() const override { return m_handler.type(); }
    QString description() const override { return m_handler.description(); }
    QJsonObject payloadTemplate() const override { return m_handler.payloadTemplate(); }
    std::optional<QString> validate(const QJsonObject& payload) const override { return m_handler.validate(payload); }
    HandlerResult run(const QJsonObject& payload, HandlerContext& context) const override
    {
        const auto began = Clock::now();
        HandlerResult result = m_handler.run(payload, context);
        m_clock.record(began, Clock::now());
        return result;
    }

private:
    const TaskHandler& m_handler;
    HandlerClock& m_clock;
};

// The default registry's handlers, each timed by `clock`; `defaults` must outlive the result.
std::shared_ptr<HandlerRegistry> timedRegistry(const HandlerRegistry& defaults, HandlerClock& clock)
{
    auto timed = std::make_shared<HandlerRegistry>();
    for (const QString& type : defaults.types())
        timed->add(std::make_unique<TimedHandler>(*defaults.find(type), clock));
    return timed;
}

} // namespace

QList<NewTask> buildMixedWorkload(const QString& directory, const MixedWorkloadSize& size)
{
    DemoWorkload demo(directory);
    DemoWorkload::Options options;
    options.images = size.images;
    options.logs = size.logs;
    options.logLines = size.logLines;
    options.sleeps = 0;
    options.notifications = 0;
    options.includeFailures = false;
    auto built = demo.build(options);
    if (!built)
        die(QStringLiteral("cannot build the workload: %1").arg(built.errorString()));
    QList<NewTask> tasks;
    for (const NewTask& task : built.value()) {
        if (task.type == QLatin1String("image") || task.type == QLatin1String("logstats"))
            tasks.append(task);
    }
    return tasks;
}

MixedRun engineMixedRun(const QString& databasePath, const QList<NewTask>& tasks, int workers)
{
    const auto defaults = HandlerRegistry::createDefault();
    HandlerClock clock;
    EngineOptions options;
    options.store.path = databasePath;
    options.handlers = timedRegistry(*defaults, clock);
    auto opened = QueueEngine::open(options);
    if (!opened)
        die(QStringLiteral("cannot open the engine: %1").arg(opened.errorString()));
    std::unique_ptr<QueueEngine> engine = std::move(opened).value();

    const qint64 expected = tasks.size();
    SuccessWaiter waiter(*engine, expected);
    const auto start = Clock::now();
    clock.start();
    if (auto r = engine->enqueueBatch(tasks); !r)
        die(QStringLiteral("enqueueBatch: %1").arg(r.errorString()));
    engine->setWorkerCount(workers);
    // Woken by the last success rather than by polling: the loop it is compared with takes no CPU while it waits
    // either, and on two cores a 1 ms poll would push a busy worker off its core a thousand times a second.
    const bool drained = waiter.wait(start + std::chrono::minutes(10), std::chrono::milliseconds(100), [&] {
        const auto counts = engine->counts();
        if (countIn(counts, TaskState::Failed) > 0 || countIn(counts, TaskState::Scheduled) > 0)
            die(QStringLiteral("a task failed under the queue (a broken workload measures nothing)"));
    });
    if (!drained)
        die(QStringLiteral("not drained after 10 minutes"));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    MixedRun run = clock.summary();
    run.seconds = seconds;
    return run;
}

MixedRun loopMixedRun(const QList<NewTask>& tasks, int threads)
{
    const auto defaults = HandlerRegistry::createDefault();
    HandlerClock clock;
    const auto registry = timedRegistry(*defaults, clock);
    // The engine claims per queue, highest priority first within a queue, and rotates the queue it starts with
    // from one claim to the next; the loop takes the tasks in that same interleaved order, so both sides run the
    // long log summaries beside the images and neither gets a better load balance by its order alone.
    QMap<QString, QList<NewTask>> byQueue;
    for (const NewTask& task : tasks)
        byQueue[task.queue].append(task);
    for (QList<NewTask>& queue : byQueue) {
        std::stable_sort(
            queue.begin(), queue.end(), [](const NewTask& a, const NewTask& b) { return a.priority > b.priority; });
    }
    QList<NewTask> ordered;
    for (qsizetype i = 0; ordered.size() < tasks.size(); ++i) {
        for (const QList<NewTask>& queue : std::as_const(byQueue)) {
            if (i < queue.size())
                ordered.append(queue.at(i));
        }
    }
    std::atomic<qsizetype> next {0};
    std::atomic<bool> failed {false};
    const auto start = Clock::now();
    clock.start();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (qsizetype i = next++; i < ordered.size(); i = next++) {
                const NewTask& task = ordered.at(i);
                const TaskHandler* handler = registry->find(task.type);
                const QJsonObject payload = QJsonDocument::fromJson(task.payload).object();
                HandlerContext context(i + 1, 1, task.queue);
                if (!handler || handler->run(payload, context).outcome != HandlerResult::Outcome::Success)
                    failed = true;
            }
        });
    }
    for (std::thread& t : pool)
        t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (failed)
        die(QStringLiteral("a task failed in the plain loop"));
    MixedRun run = clock.summary();
    run.seconds = seconds;
    return run;
}

} // namespace qd::bench
