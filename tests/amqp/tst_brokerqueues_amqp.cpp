// The window watches the bridged RabbitMQ queues of the real broker of the `amqp` fixture (offscreen): a bridge's
// queue shows in the queue list as "rabbitmq: NAME" with its depth and consumers and as a line on the state chart,
// an events-out relay's broker shows as reachable in the Sources panel, and a stopped broker shows "unreachable"
// while the window keeps working.
#include "amqptestbroker.h"

#include "tests/ui/uitesthelpers.h"

#include "core/amqp/amqpbridgeconfig.h"
#include "core/amqp/amqpeventsoutconfig.h"
#include "core/taskstore.h"
#include "ui/brokermonitor.h"
#include "ui/charts/statspanel.h"
#include "ui/charts/timeserieschart.h"
#include "ui/mainwindow.h"
#include "ui/queuelistmodel.h"
#include "ui/sourcesmodel.h"
#include "ui/sourcespanel.h"
#include "ui/taskformat.h"

#include <QAbstractItemModelTester>
#include <QTableView>
#include <QtTest>

using namespace qd;
using qd::ui::QueueListModel;
using qd::ui::SourcesModel;

namespace {

Status addSource(QueueEngine& engine, const QString& kind, const QString& name, const QByteArray& config)
{
    return engine.runInWriter([&](TaskStore& store) {
        return store.addSource(SourceRecord {0, kind, name, config, false, 0}, 1);
    });
}

int rowOf(const QueueListModel& model, const QString& name)
{
    for (int r = 0; r < model.rowCount(); ++r) {
        if (model.index(r, QueueListModel::NameColumn).data().toString() == name)
            return r;
    }
    return -1;
}

QString cell(const QueueListModel& model, const QString& name, int column)
{
    const int r = rowOf(model, name);
    return r < 0 ? QString() : model.index(r, column).data().toString();
}

} // namespace

class TestBrokerQueuesAmqp : public QObject {
    Q_OBJECT

private:
    qdtest::AmqpTestBroker m_broker;

private Q_SLOTS:
    void initTestCase()
    {
        if (!qdtest::AmqpTestBroker::available())
            QSKIP("no test broker (QD_TEST_AMQP_URL); run through ctest, whose fixture starts one");
        QVERIFY(m_broker.connect());
    }

    void windowShowsBridgedQueues()
    {
        const QString q = QStringLiteral("rw-orders");
        QVERIFY(m_broker.freshQueue(q));
        constexpr int published = 40;
        for (int i = 0; i < published; ++i)
            QVERIFY(m_broker.send(q, QByteArray::number(i)));
        QVERIFY(m_broker.waitConfirms(published));

        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        AmqpBridgeConfig bridge;
        bridge.url = qdtest::AmqpTestBroker::url();
        bridge.from = q;
        bridge.queue = QStringLiteral("orders");
        QVERIFY(addSource(*engine, QStringLiteral("amqp"), QStringLiteral("orders-bridge"), bridge.toJson()).ok());
        AmqpEventsOutConfig relay;
        relay.url = qdtest::AmqpTestBroker::url();
        relay.exchange = QStringLiteral("rw-events");
        QVERIFY(addSource(*engine, QStringLiteral("amqp-out"), QStringLiteral("events"), relay.toJson()).ok());

        ui::MainWindow window(engine);
        QueueListModel* queues = window.queueModel();
        SourcesModel* sources = window.sourcesPanel()->model();
        QAbstractItemModelTester tester(queues, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QString name = QStringLiteral("rabbitmq: rw-orders");
        const int queuedColumn = QueueListModel::FirstStateColumn + int(TaskState::Queued);
        QTRY_COMPARE_WITH_TIMEOUT(cell(*queues, name, queuedColumn), ui::formatCount(published), 15'000);
        QCOMPARE(cell(*queues, name, QueueListModel::ConcurrencyColumn), QStringLiteral("0"));
        QCOMPARE(cell(*queues, name, QueueListModel::StatusColumn), QStringLiteral("no consumer"));
        QVERIFY(!queues->queueNames().contains(name));
        // The relay's broker answers; the bridge's row says it is not consuming (no `work` process runs it).
        QTRY_COMPARE_WITH_TIMEOUT(
            sources->index(sources->rowOf(QStringLiteral("events")), SourcesModel::StateColumn).data().toString(),
            QStringLiteral("active"), 10'000);
        QCOMPARE(sources->index(sources->rowOf(QStringLiteral("orders-bridge")), SourcesModel::BacklogColumn)
                     .data()
                     .toString(),
            ui::formatCount(published));
        // The charts have the line, with the depth read.
        ui::StatsPanel* charts = window.statsPanel();
        QTRY_VERIFY_WITH_TIMEOUT(charts->brokerSeries() >= 0, 10'000); // added at the next draw
        QTRY_VERIFY_WITH_TIMEOUT(!charts->stateChart()->seriesPoints(charts->brokerSeries()).isEmpty(), 10'000);
        QCOMPARE(charts->stateChart()->seriesPoints(charts->brokerSeries()).last().y(), double(published));

        // A consumer (as a running bridge is) shows as one.
        AmqpConnection consumer;
        QVERIFY(consumer.open(AmqpUrl::parse(qdtest::AmqpTestBroker::url()).value(), 1, 0, 5000).ok());
        amqp_basic_qos(consumer.get(), 1, 0, 1, 0);
        QVERIFY(consumer.lastReply(QStringLiteral("basic.qos")).ok());
        amqp_basic_consume(consumer.get(), 1, amqpBytes(q.toUtf8()), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
        QVERIFY(consumer.lastReply(QStringLiteral("basic.consume")).ok());
        QTRY_COMPARE_WITH_TIMEOUT(cell(*queues, name, QueueListModel::ConcurrencyColumn), QStringLiteral("1"), 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(
            cell(*queues, name, QueueListModel::StatusColumn), QStringLiteral("consuming"), 10'000);
        consumer.close();

        // Selecting the row charts its line alone.
        const int row = rowOf(*queues, name);
        window.queueView()->selectRow(row);
        QVERIFY(window.filterBar()); // the task filter is left on all queues
        QTRY_VERIFY_WITH_TIMEOUT(!charts->stateChart()->seriesPoints(charts->brokerSeries()).isEmpty(), 10'000);

        // The broker stops: unreachable, and the window keeps answering.
        QVERIFY(qdtest::AmqpTestBroker::halt());
        QTRY_COMPARE_WITH_TIMEOUT(
            cell(*queues, name, QueueListModel::StatusColumn), QStringLiteral("unreachable"), 20'000);
        QTRY_COMPARE_WITH_TIMEOUT(
            sources->index(sources->rowOf(QStringLiteral("events")), SourcesModel::StateColumn).data().toString(),
            QStringLiteral("active, broker unreachable"), 10'000);
        QVERIFY(!queues->index(rowOf(*queues, name), QueueListModel::StatusColumn)
                     .data(Qt::ToolTipRole)
                     .toString()
                     .isEmpty());
        NewTask t;
        t.type = QStringLiteral("noop");
        t.queue = QStringLiteral("orders");
        test::ThreadCall added([engine, t] { return engine->enqueue(t).ok(); });
        QVERIFY(added.result());
        QTRY_VERIFY_WITH_TIMEOUT(queues->queueNames().contains(QStringLiteral("orders")), 10'000);

        QVERIFY(qdtest::AmqpTestBroker::resume());
        QTRY_COMPARE_WITH_TIMEOUT(cell(*queues, name, queuedColumn), ui::formatCount(published), 30'000);
        QVERIFY(m_broker.connect());
    }
};

QTEST_MAIN(TestBrokerQueuesAmqp)
#include "tst_brokerqueues_amqp.moc"
