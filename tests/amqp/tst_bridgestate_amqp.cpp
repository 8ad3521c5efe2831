// A bridge's own state in the window, against the real broker of the `amqp` fixture (offscreen): a `work`-like
// engine runs the bridge through AmqpService, which writes its state to `source_states`; the window's Sources panel
// reads it. Consuming, then "reconnecting: <error>" with the next try while the broker is down, then consuming again.
#include "amqptestbroker.h"

#include "tests/ui/uitesthelpers.h"

#include "core/amqp/amqpbridgeconfig.h"
#include "core/amqp/amqpservice.h"
#include "core/taskstore.h"
#include "ui/mainwindow.h"
#include "ui/sourcesmodel.h"
#include "ui/sourcespanel.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace qd;
using qd::ui::SourcesModel;

namespace {

QString cell(const SourcesModel& model, const QString& source, int column)
{
    const int row = model.rowOf(source);
    return row < 0 ? QString() : model.index(row, column).data().toString();
}

// An engine as `queuedesk-cli work` opens it: it announces itself, so its bridges' states are believed.
std::unique_ptr<QueueEngine> openWorkEngine(const QString& path)
{
    EngineOptions options;
    options.store.path = path;
    options.processKind = QStringLiteral("cli");
    options.heartbeatIntervalMs = 500;
    options.pollIntervalMs = 50;
    auto engine = QueueEngine::open(options);
    if (!engine) {
        qWarning("%s", qPrintable(engine.errorString()));
        return nullptr;
    }
    return std::move(engine).value();
}

} // namespace

class TestBridgeStateAmqp : public QObject {
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

    void sourcesPanelShowsTheBridgesOwnState()
    {
        const QString q = QStringLiteral("bs-orders");
        QVERIFY(m_broker.freshQueue(q));
        QTemporaryDir dir;
        auto window = test::openEngine(dir);
        QVERIFY(window);
        auto work = openWorkEngine(dir.filePath(QStringLiteral("ui.db")));
        QVERIFY(work);
        AmqpBridgeConfig bridge;
        bridge.url = qdtest::AmqpTestBroker::url();
        bridge.from = q;
        bridge.queue = QStringLiteral("orders");
        bridge.type = QStringLiteral("noop");
        QVERIFY(work->runInWriter([&](TaskStore& store) {
            return store.addSource(
                SourceRecord {0, QStringLiteral("amqp"), QStringLiteral("orders-bridge"), bridge.toJson(), false, 0},
                1);
        }));

        ui::MainWindow mainWindow(window);
        SourcesModel* sources = mainWindow.sourcesPanel()->model();
        QAbstractItemModelTester tester(sources, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QString name = QStringLiteral("orders-bridge");
        // Before any process runs it, the row has no state of a process.
        QTRY_VERIFY_WITH_TIMEOUT(sources->rowOf(name) >= 0, 10'000);
        QCOMPARE(cell(*sources, name, SourcesModel::SinceColumn), QString());

        AmqpServiceOptions options;
        options.store.path = dir.filePath(QStringLiteral("ui.db"));
        options.sourcesMs = 500;
        options.bridge.backoffMaxMs = 1000; // back soon after the broker returns
        options.bridge.heartbeatSeconds = 2;
        auto service = std::make_unique<AmqpService>(*work, options);
        service->start();
        QTRY_COMPARE_WITH_TIMEOUT(cell(*sources, name, SourcesModel::StateColumn), QStringLiteral("consuming"), 15'000);
        QVERIFY(!cell(*sources, name, SourcesModel::SinceColumn).isEmpty());
        QCOMPARE(cell(*sources, name, SourcesModel::LastErrorColumn), QString());
        // The bridge works: a message becomes a task.
        QVERIFY(m_broker.publish(q, QByteArrayLiteral("hello"), QStringLiteral("m1")));
        QTRY_COMPARE_WITH_TIMEOUT(service->statuses().value(name).stored, qint64(1), 10'000);

        // The broker goes: the row says so, with the error and when the bridge tries again.
        QVERIFY(qdtest::AmqpTestBroker::halt());
        QTRY_VERIFY_WITH_TIMEOUT(
            cell(*sources, name, SourcesModel::StateColumn).startsWith(QStringLiteral("reconnecting: ")), 10'000);
        const QString state = cell(*sources, name, SourcesModel::StateColumn);
        QVERIFY2(state.size() > QStringLiteral("reconnecting: ").size(), qPrintable(state));
        QVERIFY2(cell(*sources, name, SourcesModel::LastErrorColumn).contains(QStringLiteral("next try")),
            qPrintable(cell(*sources, name, SourcesModel::LastErrorColumn)));
        const QString tip
            = sources->index(sources->rowOf(name), SourcesModel::StateColumn).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(work->ownerName()) && tip.contains(QStringLiteral("reconnecting")), qPrintable(tip));

        // It returns: consuming again, and the message sent meanwhile is taken.
        QVERIFY(qdtest::AmqpTestBroker::resume());
        QVERIFY(m_broker.connect());
        QVERIFY(m_broker.publish(q, QByteArrayLiteral("again"), QStringLiteral("m2")));
        QTRY_COMPARE_WITH_TIMEOUT(cell(*sources, name, SourcesModel::StateColumn), QStringLiteral("consuming"), 30'000);
        QTRY_COMPARE_WITH_TIMEOUT(service->statuses().value(name).stored, qint64(2), 10'000);
        QCOMPARE(cell(*sources, name, SourcesModel::LastErrorColumn), QString());

        // A clean stop of the process: its word goes with it, the row shows what the broker says again.
        service.reset();
        work.reset();
        QTRY_VERIFY_WITH_TIMEOUT(
            !cell(*sources, name, SourcesModel::StateColumn).startsWith(QStringLiteral("consuming")), 10'000);
        QCOMPARE(cell(*sources, name, SourcesModel::SinceColumn), QString());
    }
};

QTEST_MAIN(TestBridgeStateAmqp)
#include "tst_bridgestate_amqp.moc"
