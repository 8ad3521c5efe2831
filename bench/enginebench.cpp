#include "enginebench.h"

#include "latencyprobehandler.h"
#include "successwaiter.h"

#include "core/crypto/keyfile.h"
#include "core/handlerregistry.h"
#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QProcess>
#include <QSqlQuery>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <thread>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const QString& what, const QString& error)
{
    std::fprintf(stderr, "qd_bench: %s: %s\n", qPrintable(what), qPrintable(error));
    std::exit(2);
}

std::unique_ptr<QueueEngine> openEngine(EngineOptions options)
{
    auto engine = QueueEngine::open(std::move(options));
    if (!engine)
        die(QStringLiteral("cannot open the engine"), engine.errorString());
    return std::move(engine).value();
}

EngineOptions optionsFor(const QString& path, Durability durability = Durability::Normal)
{
    EngineOptions options;
    options.store.path = path;
    options.store.durability = durability;
    return options;
}

// An engine's options with `workers` workers and the latency probe handler recording into `recorder`.
EngineOptions latencyOptions(const QString& path, int workers, LatencyRecorder& recorder)
{
    auto handlers = HandlerRegistry::createDefault();
    handlers->add(std::make_unique<LatencyProbeHandler>(recorder));
    EngineOptions options = optionsFor(path);
    options.handlers = handlers;
    options.workerCount = workers;
    return options;
}

double offerLatencyProbes(QueueEngine& engine, double rate, int count);
LatencyRun collectLatencies(LatencyRecorder& recorder, int count, LatencyRun run);

NewTask noopTask()
{
    NewTask task;
    task.type = QStringLiteral("noop");
    return task;
}

} // namespace

double engineEnqueueRate(const QString& path, Durability durability, int total, int producers)
{
    auto engine = openEngine(optionsFor(path, durability));
    const NewTask task = noopTask();
    std::latch ready(producers + 1);
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
        const int count = total / producers + (p < total % producers ? 1 : 0);
        threads.emplace_back([&engine, &task, &ready, count] {
            ready.arrive_and_wait();
            for (int i = 0; i < count; ++i) {
                if (auto r = engine->enqueue(task); !r)
                    die(QStringLiteral("enqueue"), r.errorString());
            }
        });
    }
    ready.arrive_and_wait();
    const auto start = Clock::now();
    for (std::thread& t : threads)
        t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return double(total) / seconds;
}

double engineBatchRate(const QString& path, int batches, int batchSize)
{
    auto engine = openEngine(optionsFor(path));
    const QList<NewTask> batch(batchSize, noopTask());
    const auto start = Clock::now();
    for (int b = 0; b < batches; ++b) {
        if (auto r = engine->enqueueBatch(batch); !r)
            die(QStringLiteral("enqueueBatch"), r.errorString());
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return double(batches) * batchSize / seconds;
}

double engineEnqueueDrainRate(const QString& path, const QString& keyFile, int total, int workers)
{
    EngineOptions options = optionsFor(path);
    options.store.keyFile = keyFile;
    options.workerCount = workers;
    if (!keyFile.isEmpty()) {
        crypto::KeyRing keys;
        const crypto::DataKey key = crypto::KeyRing::generate();
        keys.add(key);
        if (Status s = crypto::writeKeyFile(keyFile, keys); !s)
            die(QStringLiteral("key file"), s.errorString());
        auto store = TaskStore::open(options.store);
        if (!store)
            die(QStringLiteral("encrypting"), store.errorString());
        if (Status s = (*store)->addEncryptionKey(key, 1); !s)
            die(QStringLiteral("encrypting"), s.errorString());
    }
    auto engine = openEngine(options);
    NewTask task = noopTask();
    task.payload = QByteArrayLiteral("{\"note\":\"") + QByteArray(256 - 12, 'x') + QByteArrayLiteral("\"}");
    const QList<NewTask> batch(1000, task);
    SuccessWaiter waiter(*engine, total);
    const auto start = Clock::now();
    for (int done = 0; done < total; done += int(batch.size())) {
        if (auto r = engine->enqueueBatch(batch.mid(0, std::min<qsizetype>(batch.size(), total - done))); !r)
            die(QStringLiteral("enqueueBatch"), r.errorString());
    }
    if (!waiter.wait(start + std::chrono::minutes(10), std::chrono::milliseconds(100), {}))
        die(QStringLiteral("enqueue and drain"), QStringLiteral("not drained after 10 minutes"));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return total / seconds;
}

void engineFillQueue(const QString& path, int count)
{
    auto engine = openEngine(optionsFor(path));
    const QList<NewTask> batch(1000, noopTask());
    for (int done = 0; done < count; done += int(batch.size())) {
        const QList<NewTask> part = count - done >= batch.size() ? batch : batch.mid(0, count - done);
        if (auto r = engine->enqueueBatch(part); !r)
            die(QStringLiteral("filling the queue"), r.errorString());
    }
}

double engineDrainRate(const QString& path, int expected, int workers)
{
    auto engine = openEngine(optionsFor(path)); // no workers yet: opening (recount, recovery) is not timed
    // The engine counts tasks per queue and state just after open() returns: wait for that count, untimed.
    const auto countedBy = Clock::now() + std::chrono::minutes(1);
    while (engine->counts().isEmpty()) {
        if (Clock::now() > countedBy)
            die(QStringLiteral("drain"), QStringLiteral("no counts a minute after open()"));
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (engine->counts().value(QStringLiteral("default"))[std::size_t(TaskState::Queued)] != expected)
        die(QStringLiteral("drain"), QStringLiteral("the copied queue does not hold %1 queued tasks").arg(expected));
    SuccessWaiter waiter(*engine, expected);
    const auto start = Clock::now();
    engine->setWorkerCount(workers);
    if (!waiter.wait(start + std::chrono::minutes(10), std::chrono::milliseconds(100), {}))
        die(QStringLiteral("drain"), QStringLiteral("not drained after 10 minutes"));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return expected / seconds;
}

LatencyRun engineLatency(const QString& path, double rate, double seconds, int workers, const QString& tweak)
{
    LatencyRecorder recorder;
    EngineOptions options = latencyOptions(path, workers, recorder);
    if (tweak == QLatin1String("nosample")) {
        options.sampleIntervalMs = 0;
        options.persistMetrics = false;
    }
    auto engine = openEngine(options);
    if (tweak == QLatin1String("nockpt")) {
        engine->runInWriter([](TaskStore& store) -> Status {
            QSqlQuery q(store.database());
            q.exec(QStringLiteral("PRAGMA wal_autocheckpoint = 0"));
            return success();
        });
    }

    const auto count = int(rate * seconds);
    LatencyRun run;
    run.achievedRate = offerLatencyProbes(*engine, rate, count);
    return collectLatencies(recorder, count, std::move(run));
}

LatencyRun crossProcessLatency(const QString& path, double rate, double seconds, int workers, const QString& producer)
{
    LatencyRecorder recorder;
    auto engine = openEngine(latencyOptions(path, workers, recorder));
    const auto count = int(rate * seconds);
    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(producer, {QStringLiteral("--latency-producer"), path, QString::number(rate), QString::number(count)});
    if (!child.waitForFinished(int(seconds * 1000) + 60'000) || child.exitStatus() != QProcess::NormalExit
        || child.exitCode() != 0)
        die(QStringLiteral("latency producer"), child.errorString());
    LatencyRun run;
    run.achievedRate = child.readAllStandardOutput().trimmed().toDouble();
    return collectLatencies(recorder, count, std::move(run));
}

int runLatencyProducer(const QString& path, double rate, int count)
{
    LatencyRecorder unused; // the handler is registered for validation only: this process runs no worker
    EngineOptions options = latencyOptions(path, 0, unused);
    options.sampleIntervalMs = 0;
    auto engine = openEngine(options);
    std::printf("%f\n", offerLatencyProbes(*engine, rate, count));
    return 0;
}

namespace {

double offerLatencyProbes(QueueEngine& engine, double rate, int count)
{
    NewTask task;
    task.type = QStringLiteral("bench_latency");
    const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
    const auto start = Clock::now();
    for (int i = 0; i < count; ++i) {
        // Open loop: a late enqueue does not push back the next one's schedule.
        std::this_thread::sleep_until(start + i * period);
        const qint64 t0 = steadyNowNs();
        task.payload = QByteArrayLiteral("{\"t0\":") + QByteArray::number(t0) + '}';
        if (auto r = engine.enqueue(task); !r)
            die(QStringLiteral("enqueue"), r.errorString());
    }
    return count / std::chrono::duration<double>(Clock::now() - start).count();
}

LatencyRun collectLatencies(LatencyRecorder& recorder, int count, LatencyRun run)
{
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (recorder.count() < std::size_t(count)) {
        if (Clock::now() > deadline)
            die(QStringLiteral("latency"), QStringLiteral("tasks did not start within 30 s"));
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    run.latenciesMs = recorder.take();
    // The first tasks pay for cold caches and the workers' first wake-up; not what a running system sees.
    const auto warmUp = std::min<std::size_t>(run.latenciesMs.size() / 20, 50);
    run.latenciesMs.erase(run.latenciesMs.begin(), run.latenciesMs.begin() + qsizetype(warmUp));
    return run;
}

} // namespace

} // namespace qd::bench
