// EventSlices: refreshes that read the task events in consecutive spans count every event once, even when events
// commit after their stamp (a writer cycle, a lagging producer clock), so the arrival rate estimated from constant
// or Poisson arrivals is the rate that arrived. Reads ending at "now" lose what commits late: λ̂ runs low.
#include "core/monitoring/capacityestimator.h"
#include "core/monitoring/eventslices.h"

#include <QTest>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace qd;

namespace {

constexpr qint64 startMs = 1'800'000'000'000;
constexpr qint64 refreshMs = 3000;

struct Event {
    qint64 stampMs; // task_events.at
    qint64 committedMs; // when a reader can see it
};

// Events with stamps in [from, to) that a read at readAtMs sees.
qint64 visible(const std::vector<Event>& events, const EventSlices::Span& span, qint64 readAtMs)
{
    qint64 n = 0;
    for (const Event& e : events)
        n += e.stampMs >= span.fromMs && e.stampMs < span.toMs && e.committedMs <= readAtMs ? 1 : 0;
    return n;
}

// The capacity panel's loop over `seconds`: a refresh every 3 s reads the next span and feeds the estimator; the
// spans read are appended to `spans`.
double estimatedArrivals(const std::vector<Event>& events, EventSlices slices, double seconds,
    std::vector<EventSlices::Span>* spans = nullptr)
{
    CapacityEstimator estimator(60);
    const auto feed = [&](const EventSlices::Span& span, qint64 readAtMs) {
        ServiceStats slice;
        slice.enqueued = visible(events, span, readAtMs);
        estimator.observe(slice, span.seconds(), 0, span.toMs);
        if (spans)
            spans->push_back(span);
    };
    feed(slices.first(startMs, 60'000), startMs);
    for (qint64 at = startMs + refreshMs; at <= startMs + qint64(seconds * 1000); at += refreshMs) {
        if (const std::optional<EventSlices::Span> span = slices.next(at))
            feed(*span, at);
    }
    return estimator.inputs().arrivalsPerSecond;
}

// Every `gapMs` from two minutes before the start, each committing `lagMs` after its stamp.
std::vector<Event> constantArrivals(qint64 gapMs, qint64 lagMs, double seconds)
{
    std::vector<Event> events;
    for (qint64 at = startMs - 120'000; at < startMs + qint64(seconds * 1000); at += gapMs)
        events.push_back({at, at + lagMs});
    return events;
}

} // namespace

class TestEventSlices : public QObject {
    Q_OBJECT

private slots:
    void spansFollowOneAnotherBehindNow()
    {
        EventSlices slices(1000);
        QVERIFY(!slices.next(startMs)); // nothing read yet
        const EventSlices::Span first = slices.first(startMs, 60'000);
        QCOMPARE(first.toMs, startMs - 1000);
        QCOMPARE(first.fromMs, startMs - 61'000);
        QVERIFY(!slices.next(startMs)); // no time has passed
        const std::optional<EventSlices::Span> next = slices.next(startMs + 3000);
        QVERIFY(next);
        QCOMPARE(next->fromMs, first.toMs);
        QCOMPARE(next->toMs, startMs + 2000);
        QCOMPARE(next->seconds(), 3.0);
    }

    // 50/s exactly, each event seen 40 ms after its stamp (or 800 ms: a producer whose clock lags).
    void constantArrivalsCommittingLateAreCountedOnce_data()
    {
        QTest::addColumn<qint64>("lagMs");
        QTest::newRow("committed at once") << qint64(0);
        QTest::newRow("40 ms writer cycle") << qint64(40);
        QTest::newRow("800 ms lagging clock") << qint64(800);
    }
    void constantArrivalsCommittingLateAreCountedOnce()
    {
        QFETCH(qint64, lagMs);
        const std::vector<Event> events = constantArrivals(20, lagMs, 60);
        const double lambda = estimatedArrivals(events, EventSlices(), 60);
        QVERIFY2(std::abs(lambda - 50) < 1e-9, qPrintable(QString::number(lambda, 'g', 12)));
        // Reading up to now loses what commits after each read: lag / 3 s of the arrivals.
        if (lagMs > 0) {
            const double unsettled = estimatedArrivals(events, EventSlices(0), 60);
            QVERIFY2(unsettled < 50 * (1 - 0.1 * double(lagMs) / refreshMs), qPrintable(QString::number(unsettled)));
        }
    }

    // Poisson arrivals at 40/s with commit lags spread over 0-500 ms: the estimate equals the same estimator fed the
    // arrivals counted by their stamps over the same spans (nothing lost, nothing twice).
    void poissonArrivalsAreCountedByTheirStamps()
    {
        std::mt19937_64 random(2026);
        std::exponential_distribution<double> gap(40.0 / 1000);
        std::uniform_int_distribution<qint64> lag(0, 500);
        std::vector<Event> events;
        for (double at = double(startMs - 60'000); at < double(startMs + 90'000); at += gap(random)) {
            const auto stamp = qint64(at);
            events.push_back({stamp, stamp + lag(random)});
        }
        std::vector<EventSlices::Span> spans;
        const double lambda = estimatedArrivals(events, EventSlices(), 90, &spans);
        CapacityEstimator truth(60);
        for (const EventSlices::Span& span : spans) {
            ServiceStats slice;
            slice.enqueued = visible(events, span, std::numeric_limits<qint64>::max());
            truth.observe(slice, span.seconds(), 0, span.toMs);
        }
        const double expected = truth.inputs().arrivalsPerSecond;
        QVERIFY2(std::abs(lambda - expected) < 1e-9, qPrintable(QStringLiteral("%1 vs %2").arg(lambda).arg(expected)));
        QVERIFY(std::abs(expected - 40) < 4); // a sample of the process, near its rate
        QVERIFY(estimatedArrivals(events, EventSlices(0), 90) < expected);
    }
};

QTEST_GUILESS_MAIN(TestEventSlices)
#include "tst_eventslices.moc"
