// Desktop notifications of firings that another process evaluated: a window standing by while a monitor elsewhere
// holds the lease tells the desktop of each firing it reads in the alert history, once per window, and not of
// firings recorded before it started. Two engines on one database, the monitor on a store of its own, an injected
// clock.
#include "ui/alertactions.h"
#include "ui/alertfiringnotices.h"
#include "ui/alerthistorymodel.h"
#include "ui/alertnotifier.h"
#include "ui/alertwatcher.h"
#include "ui/mainwindow.h"
#include "uitesthelpers.h"

#include "core/monitoring/alertmonitor.h"
#include "core/taskstore.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QSignalSpy>

#include <atomic>

using namespace qd;
using namespace qd::ui;

namespace {

class CountingNotifier final : public AlertNotifier {
public:
    explicit CountingNotifier(std::shared_ptr<QStringList> seen)
        : m_seen(std::move(seen))
    { }
    void notifyFired(const AlertTransition& fired) override { m_seen->append(fired.ruleName); }

private:
    std::shared_ptr<QStringList> m_seen;
};

QByteArray lengthRule(const QString& name, const QString& queue)
{
    return QJsonDocument(
        QJsonObject {{QStringLiteral("name"), name}, {QStringLiteral("condition"), QStringLiteral("length")},
            {QStringLiteral("queue"), queue}, {QStringLiteral("threshold"), 5}})
        .toJson(QJsonDocument::Compact);
}

bool enqueueWaiting(QueueEngine& engine, const QString& queue, int count)
{
    QList<NewTask> tasks;
    for (int i = 0; i < count; ++i) {
        NewTask t;
        t.queue = queue;
        t.type = QStringLiteral("noop");
        tasks.append(t);
    }
    return engine.setPaused(queue, true).ok() && engine.enqueueBatch(tasks).ok();
}

AlertHistoryRecord row(qint64 id, const QString& kind, qint64 at)
{
    return AlertHistoryRecord {id, 1, QStringLiteral("r"), kind, at, 0, QString()};
}

} // namespace

class TestAlertNotices : public QObject {
    Q_OBJECT

    static AlertWatcher::Options fastAlerts(const std::shared_ptr<std::atomic<qint64>>& clock)
    {
        AlertWatcher::Options options;
        options.intervalMs = 50;
        options.clock = [clock] { return clock->load(); };
        return options;
    }

private Q_SLOTS:
    void initTestCase() { QApplication::setOrganizationName(QStringLiteral("QueueDeskTests")); }

    void eachFiringOnceAndNoneFromBeforeTheStart()
    {
        AlertFiringNotices notices(1000);
        // Newest first, as read: an old firing, a resolution and a command's outcome are no news.
        QList<AlertHistoryRecord> history {row(4, QStringLiteral("command"), 1300),
            row(3, QStringLiteral("fired"), 1200), row(2, QStringLiteral("resolved"), 1100),
            row(1, QStringLiteral("fired"), 900)};
        QList<AlertHistoryRecord> fresh = notices.take(history);
        QCOMPARE(fresh.size(), 1);
        QCOMPARE(fresh[0].id, 3);
        QVERIFY(notices.take(history).isEmpty()); // the same read again
        history.prepend(row(6, QStringLiteral("fired"), 1500));
        history.prepend(row(5, QStringLiteral("fired"), 1400)); // ids need not follow times
        fresh = notices.take(history);
        QCOMPARE(fresh.size(), 2);
        QCOMPARE(fresh[0].id, 6); // oldest first, in the order read
        QCOMPARE(fresh[1].id, 5);
        QVERIFY(notices.take(history.mid(0, 2)).isEmpty()); // a shorter read repeats nothing
    }

    // Not a notice, but beside them in the history: a command's outcome in a word, its exit code, the message.
    void historyShowsCommandOutcomes()
    {
        AlertHistoryModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        AlertHistoryRecord ran = row(3, QStringLiteral("command"), now);
        ran.message = QStringLiteral("ran \"page\" on firing: exit code 0 after 12 ms");
        AlertHistoryRecord failed = row(2, QStringLiteral("command-failed"), now);
        failed.figure = 3;
        AlertHistoryRecord refused = row(1, QStringLiteral("command-refused"), now);
        refused.figure = std::numeric_limits<double>::infinity(); // no exit code: read back from NULL
        model.setHistory({ran, failed, refused}, {}, now);
        QCOMPARE(model.rowCount(), 3);
        const auto at
            = [&](int r, int c, int role = Qt::DisplayRole) { return model.index(r, c).data(role).toString(); };
        QCOMPARE(at(0, AlertHistoryModel::KindColumn), QStringLiteral("ran"));
        QCOMPARE(at(1, AlertHistoryModel::KindColumn), QStringLiteral("run failed"));
        QCOMPARE(at(2, AlertHistoryModel::KindColumn), QStringLiteral("refused"));
        QCOMPARE(at(0, AlertHistoryModel::FigureColumn), QStringLiteral("exit 0"));
        QCOMPARE(at(1, AlertHistoryModel::FigureColumn), QStringLiteral("exit 3"));
        QCOMPARE(at(2, AlertHistoryModel::FigureColumn), QString());
        QCOMPARE(at(0, AlertHistoryModel::KindColumn, Qt::ToolTipRole), ran.message);
    }

    void windowNotifiesFiringsAnotherProcessEvaluates()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        auto other = test::openEngine(dir);
        QVERIFY(engine && other);
        StoreOptions storeOptions;
        storeOptions.path = engine->options().store.path;
        auto store = TaskStore::open(storeOptions);
        QVERIFY2(store, qPrintable(store.errorString()));
        const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
        auto clock = std::make_shared<std::atomic<qint64>>(t0);

        // `queuedesk-cli monitor` elsewhere: it holds the lease for longer than the test runs.
        AlertMonitor monitor(**store, QStringLiteral("cli:elsewhere:1"), 3'600'000);
        QVERIFY((*store)->addAlertRule(lengthRule(QStringLiteral("old backlog"), QStringLiteral("old")), t0).ok());
        QVERIFY(enqueueWaiting(*engine, QStringLiteral("old"), 10));
        auto fired = monitor.evaluateOnce(t0 - 10'000); // fired before either window started
        QVERIFY2(fired.ok() && fired->size() == 1, qPrintable(fired.errorString()));

        auto first = std::make_shared<QStringList>();
        MainWindow window(engine, fastAlerts(clock));
        window.setAlertNotifier(std::make_unique<CountingNotifier>(first));
        QTRY_VERIFY_WITH_TIMEOUT(window.alertWatcher()->snapshot().history.size() == 1, test::backgroundTimeoutMs);
        QVERIFY(!window.alertWatcher()->snapshot().evaluatingHere);
        QCOMPARE(window.alertWatcher()->snapshot().evaluator, QStringLiteral("cli:elsewhere:1"));

        QVERIFY(
            (*store)->addAlertRule(lengthRule(QStringLiteral("images backlog"), QStringLiteral("images")), t0).ok());
        QVERIFY(enqueueWaiting(*engine, QStringLiteral("images"), 10));
        fired = monitor.evaluateOnce(t0 + 1000);
        QVERIFY2(fired.ok() && fired->size() == 1, qPrintable(fired.errorString()));
        QTRY_COMPARE_WITH_TIMEOUT(*first, QStringList {QStringLiteral("images backlog")}, test::backgroundTimeoutMs);
        {
            QSignalSpy refreshes(window.alertWatcher(), &AlertWatcher::snapshotChanged);
            QTRY_VERIFY(refreshes.size() >= 5);
        }
        QCOMPARE(first->size(), 1); // not repeated on refresh; the old firing never

        // A second window, on another engine, opened after that firing: it tells only of the next one.
        clock->store(t0 + 5000);
        auto second = std::make_shared<QStringList>();
        MainWindow later(other, fastAlerts(clock));
        later.setAlertNotifier(std::make_unique<CountingNotifier>(second));
        QTRY_VERIFY_WITH_TIMEOUT(later.alertWatcher()->snapshot().history.size() == 2, test::backgroundTimeoutMs);
        QVERIFY((*store)->addAlertRule(lengthRule(QStringLiteral("mail backlog"), QStringLiteral("mail")), t0).ok());
        QVERIFY(enqueueWaiting(*engine, QStringLiteral("mail"), 10));
        fired = monitor.evaluateOnce(t0 + 6000);
        QVERIFY2(fired.ok() && fired->size() == 1, qPrintable(fired.errorString()));
        QTRY_COMPARE_WITH_TIMEOUT(*second, QStringList {QStringLiteral("mail backlog")}, test::backgroundTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(first->size(), 2, test::backgroundTimeoutMs);
        QCOMPARE(first->last(), QStringLiteral("mail backlog"));
        {
            QSignalSpy refreshes(later.alertWatcher(), &AlertWatcher::snapshotChanged);
            QTRY_VERIFY(refreshes.size() >= 5);
        }
        QCOMPARE(first->size(), 2);
        QCOMPARE(second->size(), 1);
        QVERIFY(monitor.stop().ok());
    }
};

QTEST_MAIN(TestAlertNotices)
#include "tst_alertnotices.moc"
