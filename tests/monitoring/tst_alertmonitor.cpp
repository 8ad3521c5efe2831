// The alert monitor on a real database (and, as tst_alertmonitor_postgres, on PostgreSQL): figures read from the
// tasks and their events, one evaluating process at a time, and each firing recorded once across two monitors.
#include "core/monitoring/alertmonitor.h"
#include "tests/core/storetestutil.h"

#include <QJsonDocument>

using namespace qd;

namespace {

constexpr qint64 t0 = 1'800'000'000'000; // an injected clock: every write and evaluation says its time
constexpr qint64 second = 1000;

QByteArray definition(const QString& condition, double threshold, const QString& queue = QStringLiteral("mail"))
{
    return QJsonDocument(
        QJsonObject {{QStringLiteral("condition"), condition}, {QStringLiteral("threshold"), threshold},
            {QStringLiteral("queue"), queue}, {QStringLiteral("minVolume"), 4}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

class TestAlertMonitor : public QObject {
    Q_OBJECT

private slots:
    void oneFiringAcrossTwoMonitors()
    {
        QTemporaryDir dir;
        const QString path = test::testDatabase(dir, QStringLiteral("alerts"));
        auto storeA = test::openStore(path);
        auto storeB = test::openStore(path);
        QVERIFY(storeA && storeB);
        QVERIFY(storeA->addAlertRule(definition(QStringLiteral("length"), 5), t0).ok());
        QList<NewTask> tasks(10, test::task(QStringLiteral("noop"), QStringLiteral("mail")));
        QVERIFY(storeA->enqueue(tasks, t0).ok());

        AlertMonitor a(*storeA, QStringLiteral("host-a:1"));
        AlertMonitor b(*storeB, QStringLiteral("host-b:2"));
        QList<AlertTransition> seen;
        for (qint64 t = t0; t <= t0 + 10 * second; t += 5 * second) {
            for (AlertMonitor* m : {&a, &b}) {
                auto changes = m->evaluateOnce(t);
                QVERIFY2(changes.ok(), qPrintable(changes.errorString()));
                seen += *changes;
            }
        }
        QVERIFY(a.holdsLease());
        QVERIFY(!b.holdsLease());
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen[0].kind, AlertTransition::Kind::Fired);

        // A dies without a word: once its lease has run out, B takes over where A stood (still firing, no second
        // firing) and resolves the rule once the queue is back under the threshold.
        TaskFilter mail;
        mail.queues = {QStringLiteral("mail")};
        QVERIFY(storeB->cancel(mail, t0 + 20 * second).ok());
        seen.clear();
        for (qint64 t = t0 + 30 * second; t <= t0 + 90 * second; t += 5 * second) {
            auto changes = b.evaluateOnce(t);
            QVERIFY2(changes.ok(), qPrintable(changes.errorString()));
            seen += *changes;
        }
        QVERIFY(b.holdsLease());
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen[0].kind, AlertTransition::Kind::Resolved);
        QCOMPARE(seen[0].at, t0 + 60 * second); // clear from the first look at 30 s, for 30 s

        // A comes back: B holds the lease, so A neither evaluates nor writes anything.
        auto late = a.evaluateOnce(t0 + 95 * second);
        QVERIFY(late.ok());
        QVERIFY(late->isEmpty());
        QVERIFY(!a.holdsLease());

        // What a window that does not evaluate reads: who holds the lease until when, and the saved states.
        const auto record = storeA->alertMonitorRecord();
        QVERIFY2(record.ok(), qPrintable(record.errorString()));
        QCOMPARE(record->owner, QStringLiteral("host-b:2"));
        QCOMPARE(record->leaseExpiresAt, t0 + 90 * second + AlertMonitor::defaultLeaseMs);
        AlertEvaluator saved;
        saved.restoreStates(record->states);
        QCOMPARE(saved.states().size(), 1);
        QCOMPARE(saved.states().begin()->phase, AlertRuleState::Phase::Ok);

        const auto history = storeA->alertHistory(0, 100);
        QVERIFY(history.ok());
        QCOMPARE(history->size(), 2);
        QCOMPARE(history->at(0).kind, QStringLiteral("resolved"));
        QCOMPARE(history->at(1).kind, QStringLiteral("fired"));
        QVERIFY2(history->at(1).message.contains(QLatin1String("length of mail above 5")),
            qPrintable(history->at(1).message));

        // A clean stop hands over at once.
        QVERIFY(b.stop().ok());
        QVERIFY(storeA->alertMonitorRecord()->owner.isEmpty());
        QVERIFY(a.evaluateOnce(t0 + 96 * second).ok());
        QVERIFY(a.holdsLease());
    }

    void webhookTaskCommitsWithTheFiring()
    {
        QTemporaryDir dir;
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("webhook")));
        QVERIFY(store);
        QJsonObject rule = QJsonDocument::fromJson(definition(QStringLiteral("length"), 0)).object();
        rule.insert(QStringLiteral("webhook"), QStringLiteral("http://127.0.0.1:9/hooks"));
        QVERIFY(store->addAlertRule(QJsonDocument(rule).toJson(QJsonDocument::Compact), t0).ok());
        QVERIFY(store->enqueue({test::task(QStringLiteral("noop"), QStringLiteral("mail"))}, t0).ok());
        AlertMonitor monitor(*store, QStringLiteral("host:1"));
        for (qint64 t = t0; t < t0 + 30 * second; t += 5 * second)
            QVERIFY(monitor.evaluateOnce(t).ok());
        TaskQuery query;
        query.filter.queues = {QStringLiteral("alerts")};
        auto sent = store->listTasks(query);
        QVERIFY2(sent.ok(), qPrintable(sent.errorString()));
        QCOMPARE(sent->size(), 1); // one firing, one delivery, however often the monitor looked
        const QJsonObject payload = QJsonDocument::fromJson(sent->first().payload).object();
        QCOMPARE(sent->first().type, QStringLiteral("notify"));
        QCOMPARE(payload.value(QLatin1String("url")).toString(), QStringLiteral("http://127.0.0.1:9/hooks"));
        const QJsonObject body = payload.value(QLatin1String("body")).toObject();
        QCOMPARE(body.value(QLatin1String("status")).toString(), QStringLiteral("firing"));
        QVERIFY(body.value(QLatin1String("message")).toString().contains(QLatin1String("length of mail")));
    }

    void figuresComeFromTheEvents()
    {
        QTemporaryDir dir;
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("figures")));
        QVERIFY(store);
        const auto rate = store->addAlertRule(definition(QStringLiteral("failure-rate"), 0.4), t0);
        const auto stall = store->addAlertRule(definition(QStringLiteral("stall"), 60'000), t0);
        const auto wait = store->addAlertRule(definition(QStringLiteral("wait-p95"), 20'000), t0);
        QVERIFY(rate.ok() && stall.ok() && wait.ok());

        // Ten tasks; from 30 s on, each is claimed and ends 1 s later: 6 fail for good, 4 succeed. Waits 30..39 s.
        QList<NewTask> tasks(10, test::task(QStringLiteral("noop"), QStringLiteral("mail")));
        for (NewTask& t : tasks)
            t.maxAttempts = 1;
        QVERIFY(store->enqueue(tasks, t0).ok());
        for (int i = 0; i < 10; ++i) {
            const qint64 at = t0 + 30 * second + i * second;
            auto claimed = store->claim(QStringLiteral("mail"), 1, QStringLiteral("w"), 60'000, at);
            QVERIFY(claimed.ok() && claimed->size() == 1);
            const Task& task = claimed->first();
            QVERIFY(store->recordStart(task, QStringLiteral("w1"), at).ok());
            if (i < 6)
                QVERIFY(store
                            ->fail(task.id, task.attempts, QStringLiteral("w"), QStringLiteral("w1"),
                                QStringLiteral("boom"), true, std::nullopt, at + second)
                            .ok());
            else
                QVERIFY(
                    store->complete(task.id, task.attempts, QStringLiteral("w"), QStringLiteral("w1"), {}, at + second)
                        .ok());
        }
        QList<NewTask> later(3, test::task(QStringLiteral("noop"), QStringLiteral("mail")));
        QVERIFY(store->enqueue(later, t0 + 50 * second).ok());

        AlertMonitor monitor(*store, QStringLiteral("host:1"));
        auto changes = monitor.evaluateOnce(t0 + 60 * second);
        QVERIFY2(changes.ok(), qPrintable(changes.errorString()));
        // 60% failed (above 40%) and the p95 wait (39 s) above 20 s fire; nothing stalled yet (the last end 20 s ago).
        QSet<qint64> fired;
        for (const AlertTransition& t : *changes)
            fired.insert(t.ruleId);
        QCOMPARE(fired, (QSet<qint64> {*rate, *wait}));
        // 3 tasks wait from 50 s on and nothing ends: a stall once both last a minute (at 110 s, the first look
        // at or after it).
        for (qint64 t = t0 + 65 * second; t <= t0 + 105 * second; t += 5 * second) {
            auto quiet = monitor.evaluateOnce(t);
            QVERIFY(quiet.ok());
            QVERIFY2(quiet->isEmpty(), qPrintable(quiet->isEmpty() ? QString() : quiet->first().message));
        }
        auto stalled = monitor.evaluateOnce(t0 + 111 * second);
        QVERIFY(stalled.ok());
        QCOMPARE(stalled->size(), 1);
        QCOMPARE(stalled->first().ruleId, *stall);
    }

    // worker-silent reads the heartbeat rows: it fires once a process with workers serving the queue has been lost
    // and silent for longer than the threshold, not for a watching window without workers or a process serving
    // other queues, and resolves when the process beats again.
    void workerSilentFiresWhenAProcessStopsBeating()
    {
        QTemporaryDir dir;
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("silent")));
        QVERIFY(store);
        const auto rule = store->addAlertRule(definition(QStringLiteral("worker-silent"), 60'000), t0);
        QVERIFY(rule.ok());
        const auto process = [](const QString& id, int workers, const QString& queues) {
            ProcessRecord p;
            p.id = id;
            p.host = id.section(QLatin1Char(':'), 0, 0);
            p.pid = 1;
            p.kind = QStringLiteral("cli");
            p.version = p.user = QStringLiteral("x");
            p.beatMs = 5 * second;
            p.workers = workers;
            p.queues = queues;
            return p;
        };
        const ProcessRecord worker = process(QStringLiteral("a:1:0001"), 4, QStringLiteral("*"));
        const ProcessRecord watcher = process(QStringLiteral("b:1:0002"), 0, QStringLiteral("*"));
        const ProcessRecord other = process(QStringLiteral("c:1:0003"), 2, QStringLiteral("images"));
        const qint64 pruneBefore = t0 - 24 * 3600 * second;
        for (const ProcessRecord& p : {watcher, other})
            QVERIFY(store->beatProcess(p, t0, pruneBefore).ok()); // and never again
        AlertMonitor monitor(*store, QStringLiteral("host:1"));
        QList<AlertTransition> seen;
        // The worker beats until 20 s, then falls silent: lost from 35 s, silent for more than a minute at 85 s.
        for (qint64 t = t0; t <= t0 + 120 * second; t += 5 * second) {
            if (t <= t0 + 20 * second)
                QVERIFY(store->beatProcess(worker, t, pruneBefore).ok());
            auto changes = monitor.evaluateOnce(t);
            QVERIFY2(changes.ok(), qPrintable(changes.errorString()));
            seen += *changes;
        }
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen[0].kind, AlertTransition::Kind::Fired);
        QCOMPARE(seen[0].at, t0 + 85 * second);
        QCOMPARE(seen[0].figure, double(65 * second));

        // It beats again: clear at once, resolved once clear for 30 s.
        seen.clear();
        for (qint64 t = t0 + 125 * second; t <= t0 + 170 * second; t += 5 * second) {
            QVERIFY(store->beatProcess(worker, t, pruneBefore).ok());
            auto changes = monitor.evaluateOnce(t);
            QVERIFY(changes.ok());
            seen += *changes;
        }
        QCOMPARE(seen.size(), 1);
        QCOMPARE(seen[0].kind, AlertTransition::Kind::Resolved);
        QCOMPARE(seen[0].at, t0 + 155 * second);
    }
};

QTEST_GUILESS_MAIN(TestAlertMonitor)
#include "tst_alertmonitor.moc"
