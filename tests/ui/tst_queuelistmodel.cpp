#include "ui/queuelistmodel.h"
#include "ui/taskformat.h"
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

    // Bridged RabbitMQ queues follow the QueueDesk queues, marked as RabbitMQ, and stay out of the queue names and
    // totals; a broker that went away shows "unreachable", and new queue rows still land before them.
    void showsBrokerQueuesAfterTheQueues()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(3)).ok());
        QueueListModel model(engine.get());
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_VERIFY(model.queueNames().contains(QStringLiteral("reports")));
        const QStringList names = model.queueNames();
        const int queues = model.rowCount();
        const StateCounts totals = model.totals();

        ui::BrokerQueueRow orders;
        orders.stats.source = QStringLiteral("orders-bridge");
        orders.stats.queue = QStringLiteral("orders");
        orders.stats.reachable = true;
        orders.stats.depth = 1234;
        orders.stats.consumers = 1;
        orders.takenPerSecond = 12.4;
        ui::BrokerQueueRow idle = orders;
        idle.stats.source = QStringLiteral("idle-bridge");
        idle.stats.queue = QStringLiteral("idle");
        idle.stats.consumers = 0;
        idle.stats.depth = 0;
        idle.takenPerSecond = 0;
        model.setBrokerQueues({orders, idle});
        QCOMPARE(model.rowCount(), queues + 2);
        const int queuedColumn = QueueListModel::FirstStateColumn + int(TaskState::Queued);
        const auto text = [&](int row, int column) { return model.index(row, column).data().toString(); };
        QCOMPARE(text(queues, QueueListModel::NameColumn), QStringLiteral("rabbitmq: orders"));
        QCOMPARE(text(queues, QueueListModel::StatusColumn), QStringLiteral("consuming"));
        QCOMPARE(text(queues, QueueListModel::ConcurrencyColumn), QStringLiteral("1"));
        QCOMPARE(text(queues, queuedColumn), ui::formatCount(1234));
        QCOMPARE(text(queues, QueueListModel::ThroughputColumn), QStringLiteral("12/s"));
        QCOMPARE(text(queues + 1, QueueListModel::StatusColumn), QStringLiteral("no consumer"));
        QVERIFY(model.index(queues, 0).data(QueueListModel::QueueNameRole).toString().isEmpty());
        QCOMPARE(model.index(queues, 0).data(QueueListModel::BrokerQueueRole).toString(),
            QStringLiteral("rabbitmq: orders"));
        QCOMPARE(model.queueNames(), names);
        QCOMPARE(model.totals(), totals);

        // The same rows again update in place; the broker gone shows as such.
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        orders.stats.reachable = false;
        orders.stats.depth = -1;
        orders.stats.consumers = -1;
        orders.stats.error = QStringLiteral("Cannot connect to amqp://127.0.0.1:1/: connection refused");
        model.setBrokerQueues({orders, idle});
        QCOMPARE(removed.count(), 0);
        QCOMPARE(text(queues, QueueListModel::StatusColumn), QStringLiteral("unreachable"));
        QCOMPARE(text(queues, queuedColumn), QStringLiteral("\u2014"));
        QVERIFY(text(queues, QueueListModel::ConcurrencyColumn).isEmpty());
        QCOMPARE(
            model.index(queues, QueueListModel::StatusColumn).data(Qt::ToolTipRole).toString(), orders.stats.error);

        // A new QueueDesk queue goes among the queues, before the RabbitMQ rows.
        NewTask t;
        t.queue = QStringLiteral("zulu");
        t.type = QStringLiteral("noop");
        test::ThreadCall added([engine, t] { return engine->enqueue(t).ok(); });
        QVERIFY(added.result());
        QTRY_COMPARE(model.rowCount(), queues + 3);
        QCOMPARE(text(queues, QueueListModel::NameColumn), QStringLiteral("zulu"));
        QCOMPARE(text(queues + 1, QueueListModel::NameColumn), QStringLiteral("rabbitmq: orders"));

        // A bridge removed: its row goes.
        model.setBrokerQueues({idle});
        QCOMPARE(model.rowCount(), queues + 2);
        QCOMPARE(text(queues + 1, QueueListModel::NameColumn), QStringLiteral("rabbitmq: idle"));
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
