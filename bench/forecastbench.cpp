#include "forecastbench.h"

#include "core/monitoring/capacityestimator.h"
#include "core/monitoring/eventslices.h"
#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QDateTime>

#include <algorithm>
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

// The arrivals a producer offered: each one's due time (the Poisson process itself, ms since the epoch) and the
// sleeps drawn for them (whole ms, as sent).
struct Offered {
    std::vector<double> atMs;
    double sleepMsSum = 0;
};

// Open-loop Poisson arrivals at `lambda` for `seconds`, each task's sleep drawn from Exp(mean serviceMs); the due
// tasks of each moment go in one enqueueBatch, so a slow commit delays arrivals but never thins them. With
// `offered`, what was offered is recorded there.
void offerPoisson(QueueEngine& engine, double lambda, double seconds, double serviceMs, unsigned seed,
    std::atomic<bool>& stop, Offered* offered = nullptr)
{
    std::mt19937_64 random(seed);
    std::exponential_distribution<double> gap(lambda), service(1.0 / serviceMs);
    const Clock::time_point start = Clock::now();
    const double startMs = double(QDateTime::currentMSecsSinceEpoch());
    double next = gap(random);
    while (!stop.load() && next < seconds) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (next > elapsed) {
            std::this_thread::sleep_for(std::chrono::duration<double>(std::min(next - elapsed, 0.05)));
            continue;
        }
        QList<NewTask> due;
        while (next <= elapsed && next < seconds) {
            const double sleepMs = service(random);
            due.append(sleepTask(sleepMs));
            if (offered) {
                offered->atMs.push_back(startMs + 1000 * next);
                offered->sleepMsSum += double(std::llround(sleepMs));
            }
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

// The panel's loop: every refresh, the events of the next span (EventSlices, as CapacityTracker reads them) feed
// the 1, 5 and 15 min estimators. Beside it, the same refreshes read up to the moment of reading, as the panel did
// before EventSlices, into a 1 min estimator of their own: the baseline of the same run.
class Panel {
public:
    using Span = EventSlices::Span;

    explicit Panel(const QString& path)
    {
        StoreOptions options;
        options.path = path;
        options.createIfMissing = false;
        auto store = TaskStore::open(options);
        if (!store)
            die(QStringLiteral("open a reader"), store.errorString());
        m_store = std::move(store).value();
        const qint64 now = nowMs();
        m_slices.startAt(now);
        m_unsettledSlices.startAt(now);
    }
    void refresh(QueueEngine& engine)
    {
        const qint64 now = nowMs();
        const qint64 queued = waiting(engine);
        if (const std::optional<Span> span = m_slices.next(now)) {
            const ServiceStats stats = over(span->fromMs, span->toMs);
            for (CapacityEstimator& e : estimators)
                e.observe(stats, span->seconds(), queued, span->toMs);
            m_spans.push_back(*span);
        }
        if (const std::optional<Span> span = m_unsettledSlices.next(now)) {
            unsettled.observe(over(span->fromMs, span->toMs), span->seconds(), queued, span->toMs);
            m_unsettledSpans.push_back(*span);
        }
    }
    // The 1-min estimate had each span been read once all its events were committed (read again now).
    CapacityEstimator settled()
    {
        CapacityEstimator e(60);
        for (const Span& span : m_spans)
            e.observe(over(span.fromMs, span.toMs), span.seconds(), 0, span.toMs);
        return e;
    }
    // The 1-min rate of the arrivals offered, counted by their due times over the panel's spans (or the baseline's):
    // what an estimator that missed nothing would say of this sample of the Poisson process.
    double offeredRate(const std::vector<double>& atMs, bool unsettledSpans = false) const
    {
        EwmaRate rate(60);
        for (const Span& span : unsettledSpans ? m_unsettledSpans : m_spans) {
            const auto n = std::count_if(atMs.begin(), atMs.end(),
                [&](double at) { return at >= double(span.fromMs) && at < double(span.toMs); });
            rate.observe(double(n), span.seconds());
        }
        return rate.perSecond();
    }
    ServiceStats over(qint64 from, qint64 to)
    {
        const auto stats = m_store->serviceStats(from, to);
        if (!stats)
            die(QStringLiteral("serviceStats"), stats.errorString());
        return stats->value(queueName);
    }
    CapacityEstimator estimators[3] {CapacityEstimator(60), CapacityEstimator(300), CapacityEstimator(900)};
    CapacityEstimator unsettled {60}; // the baseline: reads up to the moment of reading

private:
    std::unique_ptr<TaskStore> m_store;
    EventSlices m_slices, m_unsettledSlices {0};
    std::vector<Span> m_spans, m_unsettledSpans;
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
    Offered offered;
    std::thread producer([&] { offerPoisson(*engine, lambda, sc.seconds, sc.serviceMs, sc.seed, stop, &offered); });
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
    // The producer stops by itself at sc.seconds; once it has, every arrival it offered is committed
    // (enqueueBatch waits for its commit).
    producer.join();
    {
        const CapacityInputs settled = panel.settled().inputs();
        out.settledLambda = settled.arrivalsPerSecond;
        out.settledMu = settled.servicePerWorkerPerSecond;
        out.offeredLambda = panel.offeredRate(offered.atMs);
        out.unsettledLambda = panel.unsettled.inputs().arrivalsPerSecond;
        out.unsettledMu = panel.unsettled.inputs().servicePerWorkerPerSecond;
        out.unsettledOfferedLambda = panel.offeredRate(offered.atMs, true);
        if (!offered.atMs.empty())
            out.offeredMu = 1000 / (offered.sleepMsSum / double(offered.atMs.size()));
    }
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
    return out;
}

} // namespace qd::bench
