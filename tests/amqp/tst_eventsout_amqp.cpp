// Events out against the real broker of the `amqp` fixture: the relay publishes the event of every ended task from
// the history (the outbox) with confirms; a broker stopped while tasks keep ending loses nothing, and a relay process
// SIGKILLed mid-stream resumes from its stored cursor. Every terminal event arrives at least once, in order per task.
// Runs on SQLite, and again on PostgreSQL and MariaDB (the *_postgres and *_mariadb entries).
#include "amqptestbroker.h"

#include "tests/cli/clirunner.h"
#include "tests/core/storetestutil.h"

#include "core/amqp/amqpeventrelay.h"
#include "core/queueengine.h"
#include "core/source.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <csignal>
#include <map>

using namespace qd;

class TestEventsOutAmqp : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    qdtest::AmqpTestBroker m_broker;

    struct Received {
        QList<qint64> eventIds; // in arrival order, copies included
        std::map<qint64, QList<qint64>> perTask; // event ids of each task, in arrival order
        QHash<qint64, QJsonObject> byEvent;
    };

    // A durable topic exchange (as the relay declares it) and a fresh queue bound to everything on it.
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
    void drain(const QString& queue, Received& into)
    {
        while (const std::optional<qdtest::AmqpGot> m = m_broker.get(queue)) {
            const QJsonObject o = QJsonDocument::fromJson(m->body).object();
            const qint64 id = o.value(u"eventId").toInteger();
            QCOMPARE(m->messageId, QStringLiteral("qd-event-%1").arg(id));
            into.eventIds.append(id);
            into.perTask[o.value(u"taskId").toInteger()].append(id);
            into.byEvent.insert(id, o);
        }
    }
    // Every terminal event of the database, read as the relay reads them.
    static QList<TerminalEvent> terminalEvents(const StoreOptions& options)
    {
        auto store = TaskStore::open(options);
        if (!store.ok())
            return {};
        auto batch = store.value()->terminalEventsSince(0, 1'000'000);
        return batch.ok() ? batch->events : QList<TerminalEvent> {};
    }
    // Every terminal event arrived at least once, and each task's events arrived in id order (copies after a resend
    // repeat a suffix, so the first arrivals are what must be ordered).
    static void checkComplete(const QList<TerminalEvent>& expected, const Received& got)
    {
        QSet<qint64> seen(got.eventIds.cbegin(), got.eventIds.cend());
        for (const TerminalEvent& e : expected)
            QVERIFY2(seen.contains(e.id),
                qPrintable(QStringLiteral("event %1 of task %2 never arrived").arg(e.id).arg(e.taskId)));
        for (const auto& [task, ids] : got.perTask) {
            QList<qint64> firsts;
            for (qint64 id : ids) {
                if (!firsts.contains(id))
                    firsts.append(id);
            }
            QVERIFY2(std::is_sorted(firsts.cbegin(), firsts.cend()),
                qPrintable(QStringLiteral("task %1's events arrived out of order").arg(task)));
        }
    }
    // The ended tasks' events after a relay's stored cursor, counted up to `cap` (-1 when they cannot be read).
    static qint64 waitingAfterCursor(const StoreOptions& options, const QString& relay, qint64 cap)
    {
        auto store = TaskStore::open(options);
        if (!store.ok())
            return -1;
        const Result<std::optional<qint64>> cursor = store.value()->sourceCursor(relay);
        if (!cursor.ok() || !cursor.value())
            return -1;
        const Result<qint64> waiting = store.value()->terminalEventCountAfter(**cursor, cap);
        return waiting.ok() ? waiting.value() : -1;
    }
    static Status addRelayRow(TaskStore& store, const QString& name, const AmqpEventsOutConfig& config)
    {
        if (Status s = store.addSource(SourceRecord {0, QStringLiteral("amqp-out"), name, config.toJson(), false, 0},
                QDateTime::currentMSecsSinceEpoch());
            !s.ok())
            return s;
        const Result<qint64> last = store.lastEventId();
        return last.ok() ? store.setSourceCursor(name, last.value(), false) : Status(last.error());
    }
    static Result<EnqueueResult> enqueue(QueueEngine& engine, const QString& type, const QByteArray& payload)
    {
        NewTask t;
        t.type = type;
        t.payload = payload;
        t.maxAttempts = 1;
        return engine.enqueue(t);
    }
    static qint64 endedCount(QueueEngine& engine)
    {
        const auto counts = engine.counts();
        qint64 n = 0;
        for (const auto& perQueue : counts)
            n += perQueue[std::size_t(TaskState::Succeeded)] + perQueue[std::size_t(TaskState::Failed)];
        return n;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!qdtest::AmqpTestBroker::available())
            QSKIP("no test broker (QD_TEST_AMQP_URL); run through ctest, whose fixture starts one");
        QVERIFY(m_dir.isValid());
        QVERIFY(m_broker.connect());
    }

    // 1,000 tasks end and are published; the broker stops while 500 more end; once it is back, all arrive.
    void brokerOutageLosesNothing()
    {
        const QString exchange = QStringLiteral("qd-events-outage");
        const QString q = QStringLiteral("events-outage");
        QVERIFY(bindQueue(exchange, q));
        EngineOptions options;
        options.store.path = qd::test::testDatabase(m_dir, QStringLiteral("outage"));
        options.sampleIntervalMs = 0;
        options.workerCount = 2;
        auto opened = QueueEngine::open(options);
        QVERIFY2(opened.ok(), qPrintable(opened.errorString()));
        std::unique_ptr<QueueEngine> engine = std::move(opened).value();
        AmqpEventsOutConfig config;
        config.url = qdtest::AmqpTestBroker::url();
        config.exchange = exchange;
        QVERIFY(engine->runInWriter([&](TaskStore& store) { return addRelayRow(store, QStringLiteral("r"), config); })
                    .ok());
        AmqpRelayOptions relayOptions;
        relayOptions.backoffMaxMs = 500;
        AmqpEventRelay relay(QStringLiteral("r"), config, options.store, relayOptions);
        relay.start();

        for (int i = 0; i < 1000; ++i) {
            const bool fails = i % 50 == 0;
            QVERIFY(enqueue(*engine, fails ? QStringLiteral("sleep") : QStringLiteral("noop"),
                fails ? QByteArray("{\"ms\":0,\"fail\":\"permanent\"}") : QByteArray("{}"))
                        .ok());
        }
        QTRY_COMPARE_WITH_TIMEOUT(endedCount(*engine), 1000, 30'000);
        QTRY_COMPARE_WITH_TIMEOUT(m_broker.depth(q), 1000, 30'000);
        QCOMPARE(relay.status().state, AmqpBridgeStatus::State::Connected);

        QVERIFY(qdtest::AmqpTestBroker::halt());
        for (int i = 0; i < 500; ++i)
            QVERIFY(enqueue(*engine, QStringLiteral("noop"), "{}").ok());
        QTRY_COMPARE_WITH_TIMEOUT(endedCount(*engine), 1500, 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(relay.status().state != AmqpBridgeStatus::State::Connected, 10'000);
        // What waits for the broker (the Sources tab's backlog): the outage's 500 ended tasks, a capped count at most.
        QTRY_COMPARE_WITH_TIMEOUT(waitingAfterCursor(options.store, QStringLiteral("r"), 100'000), qint64(500), 10'000);
        QCOMPARE(waitingAfterCursor(options.store, QStringLiteral("r"), 100), qint64(100));
        QVERIFY(qdtest::AmqpTestBroker::resume());
        QVERIFY(m_broker.connect());
        // Wait for the relay to have every event confirmed (the queue is checked below, event by event).
        qint64 lastEvent = 0;
        QVERIFY(engine
                    ->runInWriter([&](TaskStore& store) -> Status {
                        const Result<qint64> last = store.lastEventId();
                        lastEvent = last.ok() ? last.value() : -1;
                        return success();
                    })
                    .ok());
        QTRY_COMPARE_WITH_TIMEOUT(relay.status().cursor, lastEvent, 60'000);
        QTRY_COMPARE_WITH_TIMEOUT(relay.status().state, AmqpBridgeStatus::State::Connected, 10'000);
        relay.stop();
        engine.reset();

        Received got;
        drain(q, got);
        const QList<TerminalEvent> expected = terminalEvents(options.store);
        QCOMPARE(expected.size(), 1500);
        checkComplete(expected, got);
        // A failed task's event says why and of what type; never the payload.
        const TerminalEvent failed = *std::find_if(
            expected.cbegin(), expected.cend(), [](const TerminalEvent& e) { return e.state == u"failed"; });
        const QJsonObject message = got.byEvent.value(failed.id);
        QCOMPARE(message.value(u"type").toString(), QStringLiteral("sleep"));
        QCOMPARE(message.value(u"state").toString(), QStringLiteral("failed"));
        QVERIFY2(message.value(u"detail").toString().contains(QStringLiteral("asked to fail")),
            QJsonDocument(message).toJson().constData());
        QVERIFY(!message.contains(u"payload"));
        // Its cursor is past them all.
        auto store = TaskStore::open(options.store);
        QVERIFY(store.ok());
        QCOMPARE(store.value()->sourceCursor(QStringLiteral("r")).value(), store.value()->lastEventId().value());
        QCOMPARE(waitingAfterCursor(options.store, QStringLiteral("r"), 100'000), qint64(0));
    }

    // `work` runs the relay of `events-out amqp add`; SIGKILLed mid-stream and started again, it sends on from its
    // stored cursor, and nothing is lost.
    void relayProcessKilledMidStream()
    {
#ifdef QD_SANITIZER_BUILD
        constexpr int total = 1000;
#else
        constexpr int total = 3000;
#endif
        const QString exchange = QStringLiteral("qd-events-kill");
        const QString q = QStringLiteral("events-kill");
        QVERIFY(bindQueue(exchange, q));
        const QString db = qd::test::testDatabase(m_dir, QStringLiteral("kill"));
        const QProcessEnvironment env = qdtest::isolatedEnvironment(m_dir);
        const qdtest::CliRun added = qdtest::runCli(env,
            {QStringLiteral("--db"), db, QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop")});
        QVERIFY2(added.exitCode == 0, added.err.constData()); // creates the database
        const qdtest::CliRun relayAdded = qdtest::runCli(env,
            {QStringLiteral("--db"), db, QStringLiteral("events-out"), QStringLiteral("amqp"), QStringLiteral("add"),
                QStringLiteral("k"), QStringLiteral("--url"), qdtest::AmqpTestBroker::url(),
                QStringLiteral("--exchange"), exchange, QStringLiteral("--batch"), QStringLiteral("20")});
        QVERIFY2(relayAdded.exitCode == 0, relayAdded.err.constData());
        QVERIFY2(!relayAdded.out.contains("guest:guest"), relayAdded.out.constData()); // no password shown

        StoreOptions storeOptions;
        storeOptions.path = db;
        {
            EngineOptions options;
            options.store = storeOptions;
            options.sampleIntervalMs = 0;
            options.workerCount = 2;
            auto engine = QueueEngine::open(options);
            QVERIFY(engine.ok());
            for (int i = 0; i < total; ++i)
                QVERIFY(enqueue(*engine.value(), QStringLiteral("noop"), "{}").ok());
            QTRY_COMPARE_WITH_TIMEOUT(endedCount(*engine.value()), total + 1, 60'000);
        }
        const QList<TerminalEvent> all = terminalEvents(storeOptions);
        QCOMPARE(all.size(), total + 1);
        const auto startWork = [&] {
            auto process = std::make_unique<QProcess>();
            process->setProcessEnvironment(env);
            process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
            process->start(QStringLiteral(CLI_PATH),
                {QStringLiteral("--db"), db, QStringLiteral("work"), QStringLiteral("--concurrency"),
                    QStringLiteral("1"), QStringLiteral("--report-ms"), QStringLiteral("0")});
            return process;
        };
        auto work = startWork();
        QVERIFY(work->waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(m_broker.depth(q) >= total / 10, 30'000);
        ::kill(pid_t(work->processId()), SIGKILL);
        QVERIFY(work->waitForFinished());
        qint64 cursorAtKill = 0;
        {
            auto store = TaskStore::open(storeOptions);
            QVERIFY(store.ok());
            cursorAtKill = store.value()->sourceCursor(QStringLiteral("k")).value().value_or(-1);
        }
        QVERIFY2(cursorAtKill < all.last().id,
            qPrintable(QStringLiteral("the kill came after the last event (cursor %1)").arg(cursorAtKill)));

        work = startWork();
        QVERIFY(work->waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(m_broker.depth(q) >= total + 1, 60'000);
        {
            auto store = TaskStore::open(storeOptions);
            QVERIFY(store.ok());
            QTRY_COMPARE_WITH_TIMEOUT(
                store.value()->sourceCursor(QStringLiteral("k")).value().value_or(-1), all.last().id, 10'000);
        }
        work->terminate();
        QVERIFY(work->waitForFinished(30'000));
        Received got;
        drain(q, got);
        checkComplete(all, got);
        qInfo("%lld events, %lld messages (%lld sent again after the kill)", qint64(all.size()),
            qint64(got.eventIds.size()), qint64(got.eventIds.size() - all.size()));
    }
};

QTEST_GUILESS_MAIN(TestEventsOutAmqp)
#include "tst_eventsout_amqp.moc"
