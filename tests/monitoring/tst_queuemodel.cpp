// The queueing formulas against textbook values: Erlang C tables, M/M/1 and M/M/2 closed forms, Little's law, and
// the design's and the fluid model's lengths and drain times.
#include "core/monitoring/capacityforecast.h"
#include "core/monitoring/ewmarate.h"
#include "core/monitoring/queuemodel.h"

#include <QTest>

#include <cmath>

using namespace qd;
using namespace qd::queuemodel;

class TestQueueModel : public QObject {
    Q_OBJECT

private slots:
    void erlangCMatchesTables_data()
    {
        QTest::addColumn<int>("servers");
        QTest::addColumn<double>("erlangs");
        QTest::addColumn<double>("expected");
        // c = 1: the probability of waiting is ρ. The others are the usual Erlang C table entries.
        QTest::newRow("M/M/1 at 0.8") << 1 << 0.8 << 0.8;
        QTest::newRow("2 servers, 1 erlang") << 2 << 1.0 << 1.0 / 3;
        QTest::newRow("5 servers, 4 erlangs") << 5 << 4.0 << 0.5541;
        QTest::newRow("10 servers, 7 erlangs") << 10 << 7.0 << 0.2217;
        QTest::newRow("10 servers, 8 erlangs") << 10 << 8.0 << 0.4092;
        QTest::newRow("20 servers, 15 erlangs") << 20 << 15.0 << 0.1604;
    }
    void erlangCMatchesTables()
    {
        QFETCH(int, servers);
        QFETCH(double, erlangs);
        QFETCH(double, expected);
        QVERIFY2(std::abs(erlangC(servers, erlangs) - expected) < 5e-4,
            qPrintable(QString::number(erlangC(servers, erlangs), 'f', 6)));
    }

    void erlangCIsStableForManyServers()
    {
        const double p = erlangC(2000, 1950);
        QVERIFY(std::isfinite(p));
        QVERIFY(p > 0 && p < 1);
        QCOMPARE(erlangC(4, 4.0), 1.0); // saturated: every task waits
        QCOMPARE(erlangC(4, 0.0), 0.0);
    }

    void mm1ClosedForms()
    {
        // ρ = 0.8, μ = 1: Lq = ρ²/(1 − ρ) = 3.2, Wq = ρ/(μ − λ) = 4 s, L = ρ/(1 − ρ) = 4.
        const MmcPrediction p = mmc(0.8, 1.0, 1);
        QVERIFY(p.stable);
        QVERIFY(std::abs(p.meanQueued - 3.2) < 1e-9);
        QVERIFY(std::abs(p.meanWaitSeconds - 4.0) < 1e-9);
        QVERIFY(std::abs(p.meanInSystem - 4.0) < 1e-9);
    }

    void mm2ClosedFormsAndLittlesLaw()
    {
        // λ = μ = 1, c = 2: P(wait) = 1/3, Lq = 1/3, Wq = 1/3 s, L = 4/3.
        const MmcPrediction p = mmc(1.0, 1.0, 2);
        QVERIFY(std::abs(p.utilisation - 0.5) < 1e-12);
        QVERIFY(std::abs(p.waitProbability - 1.0 / 3) < 1e-9);
        QVERIFY(std::abs(p.meanQueued - 1.0 / 3) < 1e-9);
        QVERIFY(std::abs(p.meanWaitSeconds - 1.0 / 3) < 1e-9);
        // Little: L = λW with W = Wq + 1/μ.
        QVERIFY(std::abs(p.meanInSystem - 1.0 * (p.meanWaitSeconds + 1.0)) < 1e-9);
    }

    void overloadedQueueHasNoSteadyState()
    {
        const MmcPrediction p = mmc(12, 1, 10);
        QVERIFY(!p.stable);
        QVERIFY(std::abs(p.utilisation - 1.2) < 1e-12);
        QCOMPARE(p.meanWaitSeconds, 0.0);
        QVERIFY(std::isinf(mmc(1, 0, 4).utilisation)); // nothing served
    }

    void designModel()
    {
        // L(t) = L0 + (λ − μ)(1 − e^(−μt))/μ
        QCOMPARE(designLength(7, 3, 2, 0), 7.0);
        const double t = 0.7;
        QVERIFY(std::abs(designLength(7, 3, 2, t) - (7 + (3 - 2) * (1 - std::exp(-2 * t)) / 2)) < 1e-12);
        // Its slope at 0 is λ − μ, and with no service it grows at λ.
        QVERIFY(std::abs((designLength(7, 3, 2, 1e-6) - 7) / 1e-6 - 1.0) < 1e-4);
        QVERIFY(std::abs(designLength(7, 3, 0, 10) - 37) < 1e-12);
        QCOMPARE(designLength(0.1, 0, 5, 100), 0.0); // never negative
        // Drain: L0 = 0.5, λ = 0, μ = 2: e^(−2t) = 1 − 0.5·2/2 = 0.5, t = ln 2 / 2.
        QVERIFY(std::abs(*designDrainSeconds(0.5, 0, 2) - std::log(2.0) / 2) < 1e-12);
        // Its limit L0 − 1 + λ/μ stays above 0 for a backlog of 10: by this model it never drains.
        QVERIFY(!designDrainSeconds(10, 0, 2));
        QVERIFY(!designDrainSeconds(1, 3, 2));
    }

    void fluidModel()
    {
        QCOMPARE(fluidLength(100, 5, 1, 10, 10), 50.0);
        QCOMPARE(fluidLength(100, 5, 1, 10, 1000), 0.0);
        QCOMPARE(*fluidDrainSeconds(100, 5, 1, 10), 20.0);
        QVERIFY(!fluidDrainSeconds(100, 5, 1, 5)); // capacity equals arrivals
        QVERIFY(!fluidDrainSeconds(0, 6, 1, 5)); // empty now, but growing
        QCOMPARE(*fluidDrainSeconds(0, 4, 1, 5), 0.0);
        const int c = workersToDrainWithin(600, 10, 1, 60);
        QCOMPARE(c, 20);
        QVERIFY(*fluidDrainSeconds(600, 10, 1, c) <= 60);
        QVERIFY(!fluidDrainSeconds(600, 10, 1, c - 1) || *fluidDrainSeconds(600, 10, 1, c - 1) > 60);
    }

    void forecastSentences()
    {
        CapacityForecast f = forecastCapacity({240, 5, 1, 7});
        QCOMPARE(f.sentence, QStringLiteral("drains in about 2 min"));
        QCOMPARE(*f.drainSeconds, 120.0);

        f = forecastCapacity({5000, 20, 1, 8});
        QVERIFY(!f.drainSeconds);
        QCOMPARE(f.excessArrivalsPerSecond, 12.0);
        QVERIFY2(f.sentence.startsWith(QStringLiteral("will not drain: arrivals exceed capacity by 12/s; ")),
            qPrintable(f.sentence));
        QVERIFY(f.suggestedWorkers > 20);
        QVERIFY(*f.suggestedDrainSeconds <= 600);
        QVERIFY2(
            f.sentence.contains(QStringLiteral("%1 more workers would drain it in about").arg(f.suggestedWorkers - 8)),
            qPrintable(f.sentence));

        QCOMPARE(forecastCapacity({0, 2, 1, 4}).sentence, QStringLiteral("keeps up: nothing waits"));
        QCOMPARE(forecastCapacity({10, 1, 0, 4}).sentence,
            QStringLiteral("no run times measured yet: nothing to forecast with"));
    }

    void durations()
    {
        QCOMPARE(aboutDuration(0.2), QStringLiteral("under a second"));
        QCOMPARE(aboutDuration(40), QStringLiteral("about 40 s"));
        QCOMPARE(aboutDuration(240), QStringLiteral("about 4 min"));
        QCOMPARE(aboutDuration(9000), QStringLiteral("about 2.5 h"));
        QCOMPARE(aboutDuration(3 * 86400), QStringLiteral("about 3 days"));
    }

    void ewmaFollowsARate()
    {
        EwmaRate rate(60);
        QVERIFY(!rate.primed());
        rate.observe(10, 1);
        QCOMPARE(rate.perSecond(), 10.0);
        for (int i = 0; i < 600; ++i)
            rate.observe(10, 1);
        QVERIFY(std::abs(rate.perSecond() - 10) < 1e-9);
        // A step to 20/s: one window later the estimate has moved about 1 − 1/e of the way.
        for (int i = 0; i < 60; ++i)
            rate.observe(20, 1);
        QVERIFY2(std::abs(rate.perSecond() - (10 + 10 * (1 - std::exp(-1.0)))) < 0.05,
            qPrintable(QString::number(rate.perSecond())));
    }
};

QTEST_APPLESS_MAIN(TestQueueModel)
#include "tst_queuemodel.moc"
