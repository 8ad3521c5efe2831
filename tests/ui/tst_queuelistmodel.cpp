#include "ui/queuelistmodel.h"
#include "uitesthelpers.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>

using namespace qd;
using qd::ui::QueueListModel;

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
};

QTEST_MAIN(TestQueueListModel)
#include "tst_queuelistmodel.moc"
