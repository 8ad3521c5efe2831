// An events-out relay's own state in the window, against the real broker of the `amqp` fixture (offscreen): a
// `work`-like engine runs the relay through AmqpService, which writes its state to `source_states`; the window's
// Sources panel reads it. Publishing, then "reconnecting: <error>" with the next try and a growing backlog while the
// broker is down, then publishing again until the backlog is gone.
#include "amqptestbroker.h"

#include "tests/ui/uitesthelpers.h"

#include "core/amqp/amqpeventsoutconfig.h"
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

// An engine as `queuedesk-cli work` opens it: it announces itself (so its relays' states are believed) and runs a
// worker, so tasks end and their events fill the outbox.
std::unique_ptr<QueueEngine> openWorkEngine(const QString& path)
{
    EngineOptions options;
    options.store.path = path;
    options.processKind = QStringLiteral("cli");
    options.heartbeatIntervalMs = 500;
    options.pollIntervalMs = 50;
    options.workerCount = 1;
    auto engine = QueueEngine::open(options);
    if (!engine) {
        qWarning("%s", qPrintable(engine.errorString()));
        return nullptr;
    }
    return std::move(engine).value();
}

bool enqueueNoops(QueueEngine& engine, int count)
{
    QList<NewTask> tasks;
    for (int i = 0; i < count; ++i) {
        NewTask t;
        t.type = QStringLiteral("noop");
        tasks.append(t);
    }
    return engine.enqueueBatch(tasks).ok();
}

} // namespace

class TestRelayStateAmqp : public QObject {
    Q_OBJECT

private:
    qdtest::AmqpTestBroker m_broker;

    // A durable topic exchange (as the relay declares it) with a fresh queue bound to everything on it, so that the
    // relay's mandatory publishes are routed.
    bool bindQueue(const QString& exchange, const QString& queue)
    {
        amqp_connection_state_t c = m_broker.connection().get();
        const QByteArray x = exchange.toUtf8();
        amqp_exchange_declare(c, 1, amqpBytes(x), amqp_cstring_bytes("topic"), 0, 1, 0, 0, amqp_empty_table);
        if (!m_broker.connection().lastReply(QStringLiteral("exchange.declare")).ok())
            return false;
        if (!m_broker.freshQueue(queue))
            return false;
        amqp_queue_bind(c, 1, amqpBytes(queue.toUtf8()), amqpBytes(x), amqp_cstring_bytes("#"), amqp_empty_table);
        return m_broker.connection().lastReply(QStringLiteral("queue.bind")).ok();
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!qdtest::AmqpTestBroker::available())
            QSKIP("no test broker (QD_TEST_AMQP_URL); run through ctest, whose fixture starts one");
        QVERIFY(m_broker.connect());
    }

    void sourcesPanelShowsTheRelaysOwnState()
    {
        const QString exchange = QStringLiteral("qd-events-relaystate");
        const QString q = QStringLiteral("rs-events");
        QVERIFY(bindQueue(exchange, q));
        QTemporaryDir dir;
        auto window = test::openEngine(dir);
        QVERIFY(window);
        const QString path = dir.filePath(QStringLiteral("ui.db"));
        auto work = openWorkEngine(path);
        QVERIFY(work);
        const QString name = QStringLiteral("events");
        AmqpEventsOutConfig relay;
        relay.url = qdtest::AmqpTestBroker::url();
        relay.exchange = exchange;
        QVERIFY(work->runInWriter([&](TaskStore& store) -> Status {
            if (Status s = store.addSource(SourceRecord {0, QStringLiteral("amqp-out"), name, relay.toJson(), false, 0},
                    QDateTime::currentMSecsSinceEpoch());
                !s.ok())
                return s;
            const Result<qint64> last = store.lastEventId();
            return last.ok() ? store.setSourceCursor(name, last.value(), false) : Status(last.error());
        }));

        ui::MainWindow mainWindow(window);
        SourcesModel* sources = mainWindow.sourcesPanel()->model();
        QAbstractItemModelTester tester(sources, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // Before any process runs it, the row has no state of a process.
        QTRY_VERIFY_WITH_TIMEOUT(sources->rowOf(name) >= 0, 10'000);
        QCOMPARE(cell(*sources, name, SourcesModel::SinceColumn), QString());
        QCOMPARE(cell(*sources, name, SourcesModel::StateColumn), QStringLiteral("active"));

        AmqpServiceOptions options;
        options.store.path = path;
        options.sourcesMs = 500;
        options.relay.backoffMaxMs = 1000; // back soon after the broker returns
        options.relay.pollMs = 50;
        auto service = std::make_unique<AmqpService>(*work, options);
        service->start();
        QTRY_COMPARE_WITH_TIMEOUT(
            cell(*sources, name, SourcesModel::StateColumn), QStringLiteral("publishing"), 15'000);
        QVERIFY(!cell(*sources, name, SourcesModel::SinceColumn).isEmpty());
        QCOMPARE(cell(*sources, name, SourcesModel::LastErrorColumn), QString());
        // The relay works: three tasks end, their events are confirmed.
        QVERIFY(enqueueNoops(*work, 3));
        QTRY_COMPARE_WITH_TIMEOUT(service->relayStatuses().value(name).published, qint64(3), 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(cell(*sources, name, SourcesModel::BacklogColumn), QStringLiteral("0"), 10'000);

        // The broker goes and tasks keep ending: the row says why the events pile up and when the relay tries again.
        QVERIFY(qdtest::AmqpTestBroker::halt());
        QVERIFY(enqueueNoops(*work, 5));
        QTRY_VERIFY_WITH_TIMEOUT(
            cell(*sources, name, SourcesModel::StateColumn).startsWith(QStringLiteral("reconnecting: ")), 15'000);
        const QString state = cell(*sources, name, SourcesModel::StateColumn);
        QVERIFY2(state.size() > QStringLiteral("reconnecting: ").size(), qPrintable(state));
        QVERIFY2(cell(*sources, name, SourcesModel::LastErrorColumn).contains(QStringLiteral("next try")),
            qPrintable(cell(*sources, name, SourcesModel::LastErrorColumn)));
        const QString tip
            = sources->index(sources->rowOf(name), SourcesModel::StateColumn).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(work->ownerName()) && tip.contains(QStringLiteral("reconnecting")), qPrintable(tip));
        // The five ended tasks' events wait after the cursor.
        QTRY_COMPARE_WITH_TIMEOUT(cell(*sources, name, SourcesModel::BacklogColumn), QStringLiteral("5"), 10'000);
        QCOMPARE(service->relayStatuses().value(name).published, qint64(3));

        // It returns: publishing again, the events of the outage are sent and the backlog empties.
        QVERIFY(qdtest::AmqpTestBroker::resume());
        QVERIFY(m_broker.connect());
        QTRY_COMPARE_WITH_TIMEOUT(
            cell(*sources, name, SourcesModel::StateColumn), QStringLiteral("publishing"), 30'000);
        QTRY_COMPARE_WITH_TIMEOUT(service->relayStatuses().value(name).published, qint64(8), 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(cell(*sources, name, SourcesModel::BacklogColumn), QStringLiteral("0"), 10'000);
        QCOMPARE(cell(*sources, name, SourcesModel::LastErrorColumn), QString());

        // A clean stop of the process: its word goes with it.
        service.reset();
        work.reset();
        QTRY_VERIFY_WITH_TIMEOUT(
            !cell(*sources, name, SourcesModel::StateColumn).startsWith(QStringLiteral("publishing")), 10'000);
        QCOMPARE(cell(*sources, name, SourcesModel::SinceColumn), QString());
    }
};

QTEST_MAIN(TestRelayStateAmqp)
#include "tst_relaystate_amqp.moc"
