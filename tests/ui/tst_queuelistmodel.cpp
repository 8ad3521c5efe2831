#include "ui/queuelistmodel.h"
#include "ui/workersmodel.h"
#include "uitesthelpers.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>

using namespace qd;
using qd::ui::QueueListModel;
using qd::ui::WorkersModel;

class TestQueueListModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsQueuesWithCountsAndPause()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(30)).ok());
        QueueListModel model(engine.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // The store always has a "default" queue besides the three used here.
        QTRY_VERIFY(model.queueNames().contains(QStringLiteral("reports")));
        QStringList sorted = model.queueNames();
        sorted.sort();
        QCOMPARE(model.queueNames(), sorted);
        const int emails = int(model.queueNames().indexOf(QStringLiteral("emails")));
        const int images = int(model.queueNames().indexOf(QStringLiteral("images")));
        const int rows = model.rowCount();
        const int queuedColumn = QueueListModel::FirstStateColumn + int(TaskState::Queued);
        QCOMPARE(model.data(model.index(emails, queuedColumn)).toString(), QStringLiteral("10"));
        QCOMPARE(model.data(model.index(emails, QueueListModel::StatusColumn)).toString(), QStringLiteral("running"));

        // A pause elsewhere (CLI, another window) shows up without a reset.
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        test::ThreadCall paused([engine] { return engine->setPaused(QStringLiteral("images"), true).ok(); });
        QVERIFY(paused.result());
        QTRY_COMPARE(model.data(model.index(images, 0), QueueListModel::PausedRole).toBool(), true);
        QCOMPARE(model.data(model.index(images, QueueListModel::StatusColumn)).toString(), QStringLiteral("paused"));
        QCOMPARE(model.data(model.index(emails, 0), QueueListModel::PausedRole).toBool(), false);

        // A new queue is inserted in name order.
        NewTask t;
        t.queue = QStringLiteral("alpha");
        t.type = QStringLiteral("noop");
        test::ThreadCall added([engine, t] { return engine->enqueue(t).ok(); });
        QVERIFY(added.result());
        QTRY_COMPARE(model.rowCount(), rows + 1);
        QCOMPARE(model.data(model.index(0, QueueListModel::NameColumn)).toString(), QStringLiteral("alpha"));
        QCOMPARE(resets.count(), 0);
    }

    void samplesSetThroughput()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(3)).ok());
        QueueListModel model(engine.get());
        QTRY_VERIFY(model.queueNames().contains(QStringLiteral("images")));
        const int images = int(model.queueNames().indexOf(QStringLiteral("images")));
        StatsSample sample;
        sample.at = 1000;
        QueueSample q;
        q.queue = QStringLiteral("images");
        q.completed = 25;
        q.resolutionSeconds = 1;
        q.waitP95Ms = 1500;
        q.counts[size_t(TaskState::Queued)] = 7;
        sample.queues = {q};
        model.applySample(sample);
        QCOMPARE(model.data(model.index(images, QueueListModel::ThroughputColumn)).toString(), QStringLiteral("25/s"));
        QCOMPARE(model.data(model.index(images, QueueListModel::WaitP95Column)).toString(), QStringLiteral("1.50 s"));
        QCOMPARE(model.data(model.index(images, QueueListModel::FirstStateColumn)).toString(), QStringLiteral("7"));
    }

    void workersModelFollowsWorkers()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 2);
        QVERIFY(engine);
        WorkersModel model(engine.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(model.rowCount(), 2);
        NewTask t;
        t.type = QStringLiteral("sleep");
        t.payload = QByteArrayLiteral("{\"ms\":1500}");
        test::ThreadCall added([engine, t] { return engine->enqueue(t).ok(); });
        QVERIFY(added.result());
        QTRY_COMPARE(model.busyCount(), 1);
        QTRY_COMPARE(model.busyCount(), 0);
    }

    void workersModelRepaintsAtMostEveryRefresh()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 2);
        QVERIFY(engine);
        WorkersModel model(engine.get());
        QTRY_COMPARE(model.rowCount(), 2);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QElapsedTimer clock;
        clock.start();
        NewTask noop;
        noop.type = QStringLiteral("noop");
        QVERIFY(test::ThreadCall([engine, noop] {
            return engine->enqueueBatch(QList<NewTask>(20'000, noop)).ok();
        }).result());
        QTRY_COMPARE_WITH_TIMEOUT(engine->counts().value(QStringLiteral("default"))[std::size_t(TaskState::Succeeded)],
            20'000, test::backgroundTimeoutMs);
        QTRY_COMPARE(model.busyCount(), 0);
        // 40,000 status changes over several refreshes (2,000 noops can end within one, leaving nothing to repaint);
        // at most one refresh per refreshMs (a coarse timer may fire 5% early), each repainting
        // at most both rows.
        const qint64 refreshes = clock.elapsed() * 100 / (95 * WorkersModel::refreshMs) + 2;
        QVERIFY2(changed.size() <= 2 * refreshes,
            qPrintable(QStringLiteral("%1 row changes in %2 ms").arg(changed.size()).arg(clock.elapsed())));
        QVERIFY(!changed.isEmpty());
    }
};

QTEST_MAIN(TestQueueListModel)
#include "tst_queuelistmodel.moc"
