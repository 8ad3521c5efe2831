// CapacityEstimator: one slice over the window is the window's plain average (what `stats --capacity` prints), later
// slices move the estimate exponentially (a short first slice does not stand for the whole window), μ weighs slices by
// their runs, and c is the most workers seen in the window.
#include "core/monitoring/capacityestimator.h"

#include <QTest>

#include <cmath>

using namespace qd;

namespace {
ServiceStats slice(qint64 enqueued, qint64 runs, double meanRunMs, qint64 starts, double meanWaitMs, int workers)
{
    ServiceStats s;
    s.enqueued = enqueued;
    s.runs = runs;
    s.meanRunMs = meanRunMs;
    s.starts = starts;
    s.meanWaitMs = meanWaitMs;
    s.workers = workers;
    return s;
}
} // namespace

class TestCapacityEstimator : public QObject {
    Q_OBJECT

private slots:
    void oneWindowSliceIsThePlainAverage()
    {
        const CapacityInputs in = windowCapacityInputs(slice(600, 300, 250, 290, 1200, 3), 300, 42, std::nullopt);
        QCOMPARE(in.arrivalsPerSecond, 2.0);
        QCOMPARE(in.servicePerWorkerPerSecond, 4.0);
        QCOMPARE(in.workers, 3); // no heartbeat rows: the workers seen starting tasks
        QCOMPARE(in.queued, 42.0);
    }

    // c comes from the heartbeat rows: the workers of live processes serving the queue, not of lost ones, and
    // none when the rows say none is alive, whoever ran tasks in the window.
    void workersComeFromLiveProcesses()
    {
        const qint64 now = 1'800'000'000'000;
        const auto process = [&](const QString& id, int workers, qint64 lastSeen, const QString& queues) {
            ProcessRecord p;
            p.id = id;
            p.workers = workers;
            p.lastSeen = lastSeen;
            p.beatMs = 5000;
            p.queues = queues;
            return p;
        };
        const QList<ProcessRecord> rows {process(QStringLiteral("a"), 4, now - 2000, QStringLiteral("*")),
            process(QStringLiteral("b"), 2, now - 4000, QStringLiteral("mail,images")),
            process(QStringLiteral("c"), 8, now - 16'000, QStringLiteral("*"))}; // lost: 3 beats missed
        QCOMPARE(liveWorkersServing(rows, QStringLiteral("mail"), now), std::optional<int>(6));
        QCOMPARE(liveWorkersServing(rows, QStringLiteral("logs"), now), std::optional<int>(4));
        QCOMPARE(liveWorkersServing(rows, QString(), now), std::optional<int>(6));
        QCOMPARE(liveWorkersServing({}, QStringLiteral("mail"), now), std::nullopt);
        const ServiceStats window = slice(600, 300, 250, 290, 1200, 3);
        QCOMPARE(
            windowCapacityInputs(window, 300, 42, liveWorkersServing(rows, QStringLiteral("mail"), now)).workers, 6);
        QCOMPARE(windowCapacityInputs(window, 300, 42, 0).workers, 0);
    }

    void nothingMeasuredGivesNoService()
    {
        CapacityEstimator e(60);
        QVERIFY(!e.primed());
        e.observe(slice(5, 0, 0, 0, 0, 0), 5, 5, 5000);
        QVERIFY(e.primed());
        QCOMPARE(e.inputs().servicePerWorkerPerSecond, 0.0);
        QVERIFY(!e.measuredWaitSeconds());
        QCOMPARE(e.inputs().arrivalsPerSecond, 1.0);
    }

    void laterSlicesMoveTheEstimateByTheirShareOfTheWindow()
    {
        CapacityEstimator e(60);
        e.observe(slice(60, 60, 100, 60, 10, 2), 60, 0, 60'000);
        QCOMPARE(e.inputs().arrivalsPerSecond, 1.0);
        // 60 s at 3/s: the first minute fades to 1/e of its weight, the new one weighs as the first did.
        e.observe(slice(180, 60, 100, 60, 10, 2), 60, 0, 120'000);
        const double expected = (std::exp(-1.0) * 1 + 3) / (std::exp(-1.0) + 1);
        QVERIFY(std::abs(e.inputs().arrivalsPerSecond - expected) < 1e-9);
    }

    void serviceRateWeighsSlicesByTheirRuns()
    {
        CapacityEstimator e(60);
        e.observe(slice(0, 10, 100, 10, 0, 1), 10, 0, 10'000); // 10 runs of 100 ms
        e.observe(slice(0, 1, 1000, 1, 0, 1), 10, 0, 20'000); // one run of 1 s
        const double keep = std::exp(-10.0 / 60); // the first slice's weight after the second
        const double runs = (keep * 1 + 0.1) / (keep + 1);
        const double runMs = 100; // both slices: 1,000 ms of runs in 10 s
        QVERIFY(std::abs(e.inputs().servicePerWorkerPerSecond - 1000 * runs / runMs) < 1e-9);
    }

    void aShortFirstSliceDoesNotStandForTheWindow()
    {
        CapacityEstimator e(300);
        e.observe(slice(0, 0, 0, 0, 0, 0), 3, 0, 3'000); // 3 s of nothing
        for (int i = 2; i <= 20; ++i)
            e.observe(slice(30, 0, 0, 0, 0, 0), 3, 0, i * 3'000); // then 10/s for 57 s
        QVERIFY2(e.inputs().arrivalsPerSecond > 9, qPrintable(QString::number(e.inputs().arrivalsPerSecond)));
    }

    void measuredWaitAndLength()
    {
        CapacityEstimator e(60);
        e.observe(slice(10, 10, 100, 4, 500, 1), 10, 8, 10'000);
        QCOMPARE(*e.measuredWaitSeconds(), 0.5);
        QCOMPARE(e.measuredQueued(), 8.0);
        QCOMPARE(e.inputs().queued, 8.0);
    }

    void workersAreTheMostSeenWithinTheWindow()
    {
        CapacityEstimator e(60);
        e.observe(slice(0, 0, 0, 4, 0, 4), 5, 0, 5'000);
        e.observe(slice(0, 0, 0, 2, 0, 2), 5, 0, 10'000);
        QCOMPARE(e.inputs().workers, 4);
        e.observe(slice(0, 0, 0, 2, 0, 2), 5, 0, 70'000); // the slice of 4 is now older than the window
        QCOMPARE(e.inputs().workers, 2);
    }
};

QTEST_GUILESS_MAIN(TestCapacityEstimator)
#include "tst_capacityestimator.moc"
