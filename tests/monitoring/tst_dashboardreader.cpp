// DashboardReader (the window's dashboard strip): its figures equal what serviceStats and a GROUP BY of the queued
// tasks say, on its first read and on later ones that read only the last hour's events; a new day starts over.
// Runs on PostgreSQL and MariaDB too.
#include "core/monitoring/dashboardreader.h"
#include "tests/core/storetestutil.h"

#include <QSqlQuery>

using namespace qd;
using namespace qd::test;

namespace {

constexpr qint64 minute = 60'000;
constexpr qint64 hour = 3'600'000;
constexpr qint64 dayStart = 1'700'000'000'000;

enum class End { Succeed, Fail, Retry };

// One task of queue "done" that ran and ended at `at`.
void endAttempt(TaskStore& store, qint64 at, End end)
{
    auto enqueued = store.enqueue({task(QStringLiteral("noop"), QStringLiteral("done"))}, at - 100);
    QVERIFY2(enqueued, qPrintable(enqueued.errorString()));
    auto claimed = store.claim(QStringLiteral("done"), 1, QStringLiteral("me"), 30000, at - 50);
    QVERIFY(claimed && claimed->size() == 1);
    const Task& t = claimed->first();
    QVERIFY(store.recordStart(t, QStringLiteral("w"), at - 50).ok());
    if (end == End::Succeed)
        QVERIFY(store.complete(t.id, t.attempts, QStringLiteral("me"), QStringLiteral("w"), "{}", at).ok());
    else
        QVERIFY(store
                    .fail(t.id, t.attempts, QStringLiteral("me"), QStringLiteral("w"), QStringLiteral("boom"),
                        end == End::Fail, std::nullopt, at)
                    .ok());
}

// What the strip read before DashboardReader: serviceStats over each window, the oldest queued task by a GROUP BY.
DashboardFigures oracle(TaskStore& store, qint64 now, qint64 day)
{
    const auto all = [&](qint64 from, qint64 to) { return store.serviceStats(from, to).value().value(QString()); };
    DashboardFigures f;
    f.processedToday = all(day, now + 1).attemptsEnded;
    f.failedToday = all(day, now + 1).attemptsFailed;
    f.processedLastHour = all(now - hour, now + 1).attemptsEnded;
    f.failedLastHour = all(now - hour, now + 1).attemptsFailed;
    f.perSecondNow = double(all(now - minute, now + 1).attemptsEnded) / 60;
    f.perSecondHourAgo = double(all(now - hour - minute, now - hour).attemptsEnded) / 60;
    QSqlQuery q(store.database());
    if (q.exec(QStringLiteral("SELECT min(run_at) FROM tasks WHERE state = 'queued'")) && q.next())
        f.oldestWaitingSince = q.value(0).toLongLong();
    return f;
}

QString describe(const DashboardFigures& f)
{
    return QStringLiteral("today %1/%2, hour %3/%4, now %5/s, hour ago %6/s, oldest %7")
        .arg(f.processedToday)
        .arg(f.failedToday)
        .arg(f.processedLastHour)
        .arg(f.failedLastHour)
        .arg(f.perSecondNow)
        .arg(f.perSecondHourAgo)
        .arg(f.oldestWaitingSince);
}

} // namespace

class TestDashboardReader : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void equalsTheFullReadAsTimeGoesOn();
    void oldestQueuedOverQueuesAndPriorities();
};

void TestDashboardReader::equalsTheFullReadAsTimeGoesOn()
{
    QTemporaryDir dir;
    auto store = openStore(testDatabase(dir, QStringLiteral("dash")));
    QVERIFY(store);
    qint64 now = dayStart + 10 * hour;
    endAttempt(*store, dayStart - hour, End::Succeed); // yesterday
    endAttempt(*store, now - 5 * hour, End::Succeed);
    endAttempt(*store, now - 5 * hour, End::Fail);
    endAttempt(*store, now - 4 * hour, End::Retry);
    endAttempt(*store, now - hour - 30'000, End::Succeed); // the minute an hour ago
    endAttempt(*store, now - 30 * minute, End::Fail);
    endAttempt(*store, now - 10'000, End::Succeed);
    if (QTest::currentTestFailed())
        return;

    DashboardReader reader;
    auto first = reader.read(*store, now, dayStart);
    QVERIFY2(first, qPrintable(first.errorString()));
    QCOMPARE(describe(*first), describe(oracle(*store, now, dayStart)));
    QCOMPARE(first->processedToday, 6);

    // Later reads: attempts that end meanwhile (some stamped just before the previous read's settle point) count.
    for (int step = 1; step <= 4; ++step) {
        endAttempt(*store, now - DashboardReader::settleMs + 1000, step % 2 ? End::Fail : End::Succeed);
        now += 20 * minute;
        endAttempt(*store, now - 5 * minute, End::Succeed);
        endAttempt(*store, now - 1000, End::Retry);
        if (QTest::currentTestFailed())
            return;
        auto later = reader.read(*store, now, dayStart);
        QVERIFY2(later, qPrintable(later.errorString()));
        QCOMPARE(describe(*later), describe(oracle(*store, now, dayStart)));
    }

    // A new day counts from its own start.
    const qint64 nextDay = dayStart + 24 * hour;
    now = nextDay + 2 * minute;
    endAttempt(*store, nextDay + minute, End::Succeed);
    if (QTest::currentTestFailed())
        return;
    auto tomorrow = reader.read(*store, now, nextDay);
    QVERIFY2(tomorrow, qPrintable(tomorrow.errorString()));
    QCOMPARE(describe(*tomorrow), describe(oracle(*store, now, nextDay)));
    QCOMPARE(tomorrow->processedToday, 1);
}

void TestDashboardReader::oldestQueuedOverQueuesAndPriorities()
{
    QTemporaryDir dir;
    auto store = openStore(testDatabase(dir, QStringLiteral("oldest")));
    QVERIFY(store);
    // Queue a: the oldest task has the lowest priority; queue b: its oldest is newer than a's; c: none queued.
    const qint64 t = dayStart;
    for (const auto& [queue, priority, at] : {std::tuple {"a", 90, t + 300}, std::tuple {"a", 0, t + 100},
             std::tuple {"a", 50, t + 200}, std::tuple {"a", 50, t + 400}, std::tuple {"b", 10, t + 150},
             std::tuple {"b", 10, t + 120}, std::tuple {"c", 10, t + 50}}) {
        NewTask n = task(QStringLiteral("noop"), QLatin1String(queue));
        n.priority = priority;
        QVERIFY(store->enqueue({n}, at).ok());
    }
    auto running = store->claim(QStringLiteral("c"), 1, QStringLiteral("me"), 30000, t + 500);
    QVERIFY(running && running->size() == 1);
    auto oldest = store->oldestQueuedRunAt();
    QVERIFY2(oldest, qPrintable(oldest.errorString()));
    QCOMPARE(oldest->value(QStringLiteral("a")), t + 100);
    QCOMPARE(oldest->value(QStringLiteral("b")), t + 120);
    QVERIFY(!oldest->contains(QStringLiteral("c")));
    QCOMPARE(oldest->value(QString()), t + 100);
    QCOMPARE(oldest->size(), 3);
}

QTEST_GUILESS_MAIN(TestDashboardReader)
#include "tst_dashboardreader.moc"
