#include "workloadbench.h"

#include "core/handlercontext.h"
#include "core/handlerregistry.h"
#include "core/handlers/demoworkload.h"
#include "core/queueengine.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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

qint64 total(const QHash<QString, StateCounts>& counts, TaskState state)
{
    qint64 n = 0;
    for (const StateCounts& c : counts)
        n += c[std::size_t(state)];
    return n;
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

double engineMixedSeconds(const QString& databasePath, const QList<NewTask>& tasks, int workers)
{
    EngineOptions options;
    options.store.path = databasePath;
    auto opened = QueueEngine::open(options);
    if (!opened)
        die(QStringLiteral("cannot open the engine: %1").arg(opened.errorString()));
    std::unique_ptr<QueueEngine> engine = std::move(opened).value();

    const auto start = Clock::now();
    if (auto r = engine->enqueueBatch(tasks); !r)
        die(QStringLiteral("enqueueBatch: %1").arg(r.errorString()));
    engine->setWorkerCount(workers);
    const auto deadline = start + std::chrono::minutes(10);
    const qint64 expected = tasks.size();
    for (;;) {
        const auto counts = engine->counts();
        if (total(counts, TaskState::Failed) > 0 || total(counts, TaskState::Scheduled) > 0)
            die(QStringLiteral("a task failed under the queue (a broken workload measures nothing)"));
        if (total(counts, TaskState::Succeeded) >= expected)
            break;
        if (Clock::now() > deadline)
            die(QStringLiteral("not drained after 10 minutes"));
        // Tasks take tens of milliseconds: a 1 ms poll adds at most that to seconds of work.
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double loopMixedSeconds(const QList<NewTask>& tasks, int threads)
{
    const auto registry = HandlerRegistry::createDefault();
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
    return seconds;
}

} // namespace qd::bench
