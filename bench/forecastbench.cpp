#include "forecastbench.h"

#include "core/monitoring/capacityestimator.h"
#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QDateTime>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;
const QString queueName = QStringLiteral("forecast");

[[noreturn]] void die(const QString& what, const QString& error)
{
    std::fprintf(stderr, "qd_bench (B17): %s: %s\n", qPrintable(what), qPrintable(error));
    std::exit(2);
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

NewTask sleepTask(double ms)
{
    NewTask t;
    t.queue = queueName;
    t.type = QStringLiteral("sleep");
    t.payload = QStringLiteral("{\"ms\":%1}").arg(std::llround(ms)).toUtf8();
    return t;
}

// Open-loop Poisson arrivals at `lambda` for `seconds`, each task's sleep drawn from Exp(mean serviceMs); the due
// tasks of each moment go in one enqueueBatch, so a slow commit delays arrivals but never thins them.
void offerPoisson(
    QueueEngine& engine, double lambda, double seconds, double serviceMs, unsigned seed, std::atomic<bool>& stop)
{
    std::mt19937_64 random(seed);
    std::exponential_distribution<double> gap(lambda), service(1.0 / serviceMs);
    const Clock::time_point start = Clock::now();
    double next = gap(random);
    while (!stop.load() && next < seconds) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (next > elapsed) {
            std::this_thread::sleep_for(std::chrono::duration<double>(std::min(next - elapsed, 0.05)));
            continue;
        }
        QList<NewTask> due;
        while (next <= elapsed && next < seconds) {
            due.append(sleepTask(service(random)));
            next += gap(random);
        }
        const auto enqueued = engine.enqueueBatch(due);
        if (!enqueued)
            die(QStringLiteral("enqueue"), enqueued.errorString());
    }
}

qint64 waiting(QueueEngine& engine)
{
    return engine.counts().value(queueName)[std::size_t(TaskState::Queued)];
}

// The panel's loop: every refresh, the slice of events since the last one feeds the 1, 5 and 15 min estimators.
class Panel {
public:
    explicit Panel(const QString& path)
    {
        StoreOptions options;
        options.path = path;
        options.createIfMissing = false;
        auto store = TaskStore::open(options);
        if (!store)
            die(QStringLiteral("open a reader"), store.errorString());
        m_store = std::move(store).value();
        m_last = nowMs();
    }
    void refresh(QueueEngine& engine)
    {
        const qint64 now = nowMs();
        const auto stats = m_store->serviceStats(m_last, now);
        if (!stats)
            die(QStringLiteral("serviceStats"), stats.errorString());
        const qint64 queued = waiting(engine);
        for (CapacityEstimator& e : estimators)
            e.observe(stats->value(queueName), double(now - m_last) / 1000, queued, now);
        m_last = now;
    }
    ServiceStats over(qint64 from, qint64 to)
    {
        const auto stats = m_store->serviceStats(from, to);
        if (!stats)
            die(QStringLiteral("serviceStats"), stats.errorString());
        return stats->value(queueName);
    }
    CapacityEstimator estimators[3] {CapacityEstimator(60), CapacityEstimator(300), CapacityEstimator(900)};

private:
    std::unique_ptr<TaskStore> m_store;
    qint64 m_last = 0;
};

double since(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// Waits until nothing waits in the queue (polled every 20 ms), at most `limit` s; seconds taken or nothing.
std::optional<double> timeToEmpty(QueueEngine& engine, Clock::time_point from, double limit)
{
    while (since(from) < limit) {
        if (waiting(engine) == 0)
            return since(from);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
}

} // namespace

ForecastOutcome runForecastScenario(const QString& path, const ForecastScenario& sc)
{
    EngineOptions options;
    options.store.path = path;
    options.workerCount = sc.workers;
    auto opened = QueueEngine::open(options);
    if (!opened)
        die(QStringLiteral("open the engine"), opened.errorString());
    std::unique_ptr<QueueEngine> engine = std::move(opened).value();

    ForecastOutcome out;
    const double mu = 1000.0 / sc.serviceMs;
    const double lambda = sc.rho * sc.workers * mu;
    out.trueRho = sc.rho;
    out.trueLambda = lambda;
    out.trueMu = mu;
    std::mt19937_64 random(sc.seed + 1);
    std::exponential_distribution<double> service(1.0 / sc.serviceMs);

    if (sc.rho <= 0) {
        // A backlog and no arrivals: queued while the queue is paused, then the panel starts and the queue resumes.
        if (const Status s = engine->setPaused(queueName, true); !s)
            die(QStringLiteral("pause"), s.errorString());
        QList<NewTask> backlog;
        for (int i = 0; i < sc.backlog; ++i)
            backlog.append(sleepTask(service(random)));
        if (const auto e = engine->enqueueBatch(backlog); !e)
            die(QStringLiteral("enqueue"), e.errorString());
        while (waiting(*engine) < sc.backlog)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(50)); // the enqueue events lie before the first slice
        Panel panel(path);
        if (const Status s = engine->setPaused(queueName, false); !s)
            die(QStringLiteral("resume"), s.errorString());
        std::this_thread::sleep_for(std::chrono::milliseconds(sc.refreshMs));
        panel.refresh(*engine);
        const Clock::time_point forecastAt = Clock::now();
        const CapacityForecast f = forecastCapacity(panel.estimators[0].inputs());
        out.backlogAtForecast = f.inputs.queued;
        out.estimatedLambda = f.inputs.arrivalsPerSecond;
        out.estimatedMu = f.inputs.servicePerWorkerPerSecond;
        out.estimatedWorkers = f.inputs.workers;
        out.fluidDrainSeconds = f.drainSeconds;
        out.designDrainSeconds = f.designDrainSeconds;
        out.measuredDrainSeconds = timeToEmpty(*engine, forecastAt, 10 * sc.backlog / (sc.workers * mu) + 10);
        return out;
    }

    Panel panel(path);
    std::atomic<bool> stop {false};
    const Clock::time_point start = Clock::now();
    std::thread producer([&] { offerPoisson(*engine, lambda, sc.seconds, sc.serviceMs, sc.seed, stop); });
    // Warm-up: the first fifth of the phase is not measured (the queue starts empty, not in its steady state).
    const double warmUp = sc.seconds / 5;
    qint64 warmUpEndMs = 0;
    double queuedSum = 0;
    int queuedSamples = 0;
    Clock::time_point nextRefresh = start + std::chrono::milliseconds(sc.refreshMs);
    bool halfDone = false;
    while (since(start) < sc.seconds) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const double t = since(start);
        if (t >= warmUp) {
            if (warmUpEndMs == 0)
                warmUpEndMs = nowMs();
            queuedSum += double(waiting(*engine));
            ++queuedSamples;
        }
        if (Clock::now() < nextRefresh)
            continue;
        nextRefresh += std::chrono::milliseconds(sc.refreshMs);
        panel.refresh(*engine);
        ++out.refreshes;
        if (forecastCapacity(panel.estimators[0].inputs()).sentence.startsWith(QLatin1String("will not drain")))
            ++out.willNotDrainRefreshes;
        for (int w = 0; w < 3; ++w) {
            if (!out.willNotDrainAfter[w]
                && forecastCapacity(panel.estimators[w].inputs()).sentence.startsWith(QLatin1String("will not drain")))
                out.willNotDrainAfter[w] = t;
        }
        if (sc.rho >= 1 && !halfDone && t >= sc.seconds / 2) {
            // Forecast the length at the end of the phase from here.
            halfDone = true;
            const CapacityInputs in = panel.estimators[0].inputs();
            const double rest = sc.seconds - t;
            out.fluidLengthAtEnd = queuemodel::fluidLength(
                in.queued, in.arrivalsPerSecond, in.servicePerWorkerPerSecond, in.workers, rest);
            out.designLengthAtEnd = queuemodel::designLength(
                in.queued, in.arrivalsPerSecond, in.servicePerWorkerPerSecond * in.workers, rest);
        }
    }
    panel.refresh(*engine);
    const qint64 endMs = nowMs();
    const CapacityForecast f = forecastCapacity(panel.estimators[0].inputs());
    out.estimatedRho = f.mmc.utilisation;
    out.estimatedLambda = f.inputs.arrivalsPerSecond;
    out.estimatedMu = f.inputs.servicePerWorkerPerSecond;
    out.estimatedWorkers = f.inputs.workers;
    if (f.mmc.stable) {
        out.predictedWqMs = f.mmc.meanWaitSeconds * 1000;
        out.predictedLq = f.mmc.meanQueued;
    }
    const ServiceStats measured = panel.over(warmUpEndMs, endMs);
    if (measured.starts > 0)
        out.measuredWqMs = measured.meanWaitMs;
    if (sc.rho < 1 && measured.runs > 0) {
        CapacityInputs truth;
        truth.arrivalsPerSecond = lambda;
        truth.servicePerWorkerPerSecond = 1000 / measured.meanRunMs;
        truth.workers = sc.workers;
        const CapacityForecast known = forecastCapacity(truth);
        if (known.mmc.stable)
            out.knownLambdaWqMs = known.mmc.meanWaitSeconds * 1000;
    }
    // Batch means: the spans' mean waits are nearly independent when each is much longer than the queue's
    // relaxation time (about a second here at ρ 0.8).
    constexpr int batches = 8;
    double sum = 0, sumSquares = 0;
    int filled = 0;
    for (int b = 0; b < batches; ++b) {
        const qint64 from = warmUpEndMs + (endMs - warmUpEndMs) * b / batches;
        const qint64 to = warmUpEndMs + (endMs - warmUpEndMs) * (b + 1) / batches;
        const ServiceStats span = panel.over(from, to);
        if (span.starts == 0)
            continue;
        sum += span.meanWaitMs;
        sumSquares += span.meanWaitMs * span.meanWaitMs;
        ++filled;
    }
    if (filled == batches) {
        const double mean = sum / batches;
        const double variance = (sumSquares - batches * mean * mean) / (batches - 1);
        out.measuredWqHalfWidthMs = 2.365 * std::sqrt(std::max(0.0, variance) / batches); // t(0.975, 7 df)
    }
    if (sc.rho >= 1) {
        const qint64 half = warmUpEndMs + (endMs - warmUpEndMs) / 2;
        const ServiceStats busy = panel.over(half, endMs);
        if (busy.runs > 0) {
            out.saturatedMu = double(busy.runs) / (double(endMs - half) / 1000) / sc.workers;
            out.runMu = 1000 / busy.meanRunMs;
        }
    }
    out.measuredLq = queuedSamples > 0 ? queuedSum / queuedSamples : 0;
    if (sc.rho >= 1)
        out.lengthAtEnd = double(waiting(*engine));

    if (sc.backlog > 0 && sc.rho < 1) {
        // A burst on top of the arrivals: forecast from the steady phase's estimates and the length after the burst.
        std::atomic<bool> stopMore {false};
        std::thread more([&] { offerPoisson(*engine, lambda, 1e9, sc.serviceMs, sc.seed + 2, stopMore); });
        QList<NewTask> burst;
        for (int i = 0; i < sc.backlog; ++i)
            burst.append(sleepTask(service(random)));
        if (const auto e = engine->enqueueBatch(burst); !e)
            die(QStringLiteral("enqueue"), e.errorString());
        const Clock::time_point forecastAt = Clock::now();
        CapacityInputs in = f.inputs;
        in.queued = double(waiting(*engine));
        const CapacityForecast drain = forecastCapacity(in);
        out.backlogAtForecast = in.queued;
        out.fluidDrainSeconds = drain.drainSeconds;
        out.designDrainSeconds = drain.designDrainSeconds;
        const double limit = drain.drainSeconds ? 3 * *drain.drainSeconds + 10 : 60;
        out.measuredDrainSeconds = timeToEmpty(*engine, forecastAt, limit);
        stopMore.store(true);
        more.join();
    }
    stop.store(true);
    producer.join();
    return out;
}

} // namespace qd::bench
