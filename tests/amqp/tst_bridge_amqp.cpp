// AMQP bridges against the real broker of the `amqp` fixture: tasks arrive with the right fields, a redelivered
// message is one task, invalid messages land in the dead-letter queue with their reason, a broker restart mid-stream
// loses and doubles nothing, the service runs the bridges of the sources table, and a queue that requires signed
// tasks has refused ones dead-lettered with their reason.
#include "amqptestbroker.h"

#include "tests/cli/clirunner.h"

#include "core/amqp/amqpbridge.h"
#include "core/amqp/amqpservice.h"
#include "core/crypto/tasksignature.h"
#include "core/queueengine.h"
#include "core/source.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace qd;

class TestBridgeAmqp : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QueueEngine> m_engine;
    qdtest::AmqpTestBroker m_broker;
    int m_round = 0;

    AmqpBridgeConfig config(const QString& from, const QString& type = QStringLiteral("noop")) const
    {
        AmqpBridgeConfig c;
        c.url = qdtest::AmqpTestBroker::url();
        c.from = from;
        c.queue = from;
        c.type = type;
        return c;
    }
    static AmqpBridgeOptions fastOptions()
    {
        AmqpBridgeOptions o;
        o.heartbeatSeconds = 2;
        o.backoffMaxMs = 1000; // back soon after a broker restart
        return o;
    }
    // A database of its own for each test.
    void openEngine()
    {
        m_engine.reset();
        EngineOptions options;
        options.store.path = m_dir.filePath(QStringLiteral("t%1.db").arg(++m_round));
        options.sampleIntervalMs = 0;
        auto engine = QueueEngine::open(options);
        QVERIFY2(engine.ok(), qPrintable(engine.errorString()));
        m_engine = std::move(engine).value();
    }
    QList<Task> tasksIn(const QString& queue)
    {
        QList<Task> result;
        const Status s = m_engine->runInWriter([&](TaskStore& store) -> Status {
            TaskQuery query;
            query.filter.queues = {queue};
            query.limit = 1'000'000;
            Result<QList<Task>> tasks = store.listTasks(query);
            if (!tasks.ok())
                return tasks.error();
            result = tasks.value();
            return success();
        });
        if (!s.ok())
            qWarning("%s", qPrintable(s.errorString()));
        return result;
    }
    qint64 taskCount(const QString& queue)
    {
        qint64 n = -1;
        m_engine->runInWriter([&](TaskStore& store) -> Status {
            QSqlQuery q(store.database());
            q.prepare(QStringLiteral("SELECT count(*) FROM tasks WHERE queue = ?"));
            q.addBindValue(queue);
            if (q.exec() && q.next())
                n = q.value(0).toLongLong();
            return success();
        });
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
    void init() { openEngine(); }
    void cleanupTestCase() { m_engine.reset(); }

    void tasksArriveWithTheirFields()
    {
        const QString q = QStringLiteral("fields");
        QVERIFY(m_broker.freshQueue(q));
        QVERIFY(m_broker.publish(q, R"({"type":"sleep","payload":{"ms":3},"priority":7})", QStringLiteral("m1")));
        QVERIFY(m_broker.publish(q, "hello", QStringLiteral("m2"), {{"tenant", "acme"}}, "text/plain"));
        QVERIFY(m_broker.publish(q, QByteArray("\xff\x00\x01", 3)));
        AmqpBridge bridge(QStringLiteral("b"), config(q), *m_engine, fastOptions());
        bridge.start();
        QTRY_COMPARE_WITH_TIMEOUT(bridge.status().received, 3, 10'000);
        QCOMPARE(bridge.status().state, AmqpBridgeStatus::State::Connected);
        QCOMPARE(bridge.status().stored, 3);
        QCOMPARE(m_broker.depth(q), 0); // all acked

        QHash<QString, Task> byKey;
        for (const Task& t : tasksIn(q))
            byKey.insert(t.idempotencyKey, t);
        QCOMPARE(byKey.size(), 3);
        const Task json = byKey.value(QStringLiteral("amqp:fields:id:m1"));
        QCOMPARE(json.type, QStringLiteral("sleep"));
        QCOMPARE(json.priority, 7);
        QCOMPARE(QJsonDocument::fromJson(json.payload).object().value(u"ms").toInt(), 3);
        const QJsonObject text
            = QJsonDocument::fromJson(byKey.value(QStringLiteral("amqp:fields:id:m2")).payload).object();
        QCOMPARE(text.value(u"body").toString(), QStringLiteral("hello"));
        QCOMPARE(text.value(u"contentType").toString(), QStringLiteral("text/plain"));
        QCOMPARE(text.value(u"headers").toObject().value(u"tenant").toString(), QStringLiteral("acme"));
        QCOMPARE(text.value(u"messageId").toString(), QStringLiteral("m2"));
        QCOMPARE(text.value(u"routingKey").toString(), q);
        bool sawBinary = false;
        for (const Task& t : byKey) {
            const QJsonObject p = QJsonDocument::fromJson(t.payload).object();
            if (p.value(u"bodyEncoding").toString() == u"base64") {
                sawBinary = true;
                QCOMPARE(p.value(u"body").toString(), QStringLiteral("/wAB"));
                QVERIFY(t.idempotencyKey.startsWith(QStringLiteral("amqp:fields:sha256:")));
            }
        }
        QVERIFY(sawBinary);
        bridge.stop();
        QCOMPARE(bridge.status().state, AmqpBridgeStatus::State::Stopped);
    }

    void aRedeliveredMessageIsOneTask()
    {
        const QString q = QStringLiteral("redelivered");
        QVERIFY(m_broker.freshQueue(q));
        AmqpBridge bridge(QStringLiteral("b"), config(q), *m_engine, fastOptions());
        bridge.start();
        for (int i = 0; i < 2; ++i) {
            QVERIFY(m_broker.publish(q, "first", QStringLiteral("same-id")));
            QVERIFY(m_broker.publish(q, "no id, same content"));
            QTRY_COMPARE_WITH_TIMEOUT(bridge.status().received, 2 * (i + 1), 10'000);
        }
        QCOMPARE(bridge.status().stored, 2);
        QCOMPARE(bridge.status().duplicates, 2);
        QCOMPARE(taskCount(q), 2);
        bridge.stop();

        // Delivered, stored, not acked (the connection died first): the broker delivers it again.
        QVERIFY(m_broker.publish(q, "third", QStringLiteral("unacked")));
        {
            AmqpBridgeConfig slow = config(q);
            slow.batchMs = 10'000; // holds the delivery unacked
            slow.batch = 10;
            AmqpBridge holder(QStringLiteral("h"), slow, *m_engine, fastOptions());
            holder.start();
            QTRY_COMPARE_WITH_TIMEOUT(m_broker.depth(q), 0, 10'000); // delivered (unacked, not ready)
            // Store it as the bridge would have, then let its connection drop without an ack.
            NewTask task;
            task.queue = q;
            task.type = QStringLiteral("noop");
            task.idempotencyKey = QStringLiteral("amqp:redelivered:id:unacked");
            QVERIFY(m_engine->enqueue(task).ok());
            QVERIFY(m_broker.halt());
            holder.requestStop();
        }
        QVERIFY(m_broker.resume());
        QVERIFY(m_broker.connect());
        QCOMPARE(m_broker.depth(q), 1); // back in the queue
        AmqpBridge again(QStringLiteral("b"), config(q), *m_engine, fastOptions());
        again.start();
        QTRY_COMPARE_WITH_TIMEOUT(again.status().received, 1, 10'000);
        QCOMPARE(again.status().duplicates, 1);
        QCOMPARE(taskCount(q), 3);
    }

    void invalidMessagesAreDeadLetteredWithTheirReason()
    {
        const QString q = QStringLiteral("invalid");
        QVERIFY(m_broker.freshQueue(q));
        QVERIFY(m_broker.publish(q, "not a task", QStringLiteral("bad-1"), {{"keep", "me"}}));
        QVERIFY(m_broker.publish(q, R"({"type":"nosuchtype"})", QStringLiteral("bad-2")));
        QVERIFY(m_broker.publish(q, R"({"type":"noop"})", QStringLiteral("good")));
        AmqpBridge bridge(QStringLiteral("b"), config(q, QString()), *m_engine, fastOptions());
        bridge.start();
        QTRY_COMPARE_WITH_TIMEOUT(bridge.status().received, 3, 10'000);
        QCOMPARE(bridge.status().deadLettered, 2);
        QCOMPARE(bridge.status().stored, 1);
        QCOMPARE(m_broker.depth(q), 0);
        QCOMPARE(taskCount(q), 1);
        QHash<QString, qdtest::AmqpGot> dead;
        while (const std::optional<qdtest::AmqpGot> got = m_broker.get(q + QStringLiteral(".dead-letter")))
            dead.insert(got->messageId, *got);
        QCOMPARE(dead.size(), 2);
        const qdtest::AmqpGot first = dead.value(QStringLiteral("bad-1"));
        QCOMPARE(first.body, QByteArray("not a task"));
        QCOMPARE(first.headers.value(u"keep").toString(), QStringLiteral("me"));
        QVERIFY2(first.headers.value(u"x-queuedesk-reason").toString().contains(QStringLiteral("no task type")),
            qPrintable(first.headers.value(u"x-queuedesk-reason").toString()));
        QCOMPARE(first.headers.value(u"x-queuedesk-source").toString(), q);
        QVERIFY(dead.value(QStringLiteral("bad-2"))
                    .headers.value(u"x-queuedesk-reason")
                    .toString()
                    .contains(QStringLiteral("nosuchtype")));
    }

    void refusedSignaturesAreDeadLetteredWithTheirReason()
    {
        const QString q = QStringLiteral("signed");
        QVERIFY(m_broker.freshQueue(q));
        const crypto::ProducerKeyPair pair = crypto::generateProducerKey();
        QVERIFY(m_engine
                    ->runInWriter([&](TaskStore& store) {
                        if (Status s
                            = store.addProducerKey({pair.id, QStringLiteral("publisher"), pair.publicKey, 0, 0}, 1);
                            !s)
                            return s;
                        return store.setRequireSigned(q, true, 1);
                    })
                    .ok());
        // The signature of a noop task on q with payload {"n":1} and `key`, as the two headers.
        const auto headers = [&](const QString& key) {
            NewTask t;
            t.queue = q;
            t.type = QStringLiteral("noop");
            t.payload = R"({"n":1})";
            t.idempotencyKey = key;
            crypto::signTask(t, pair);
            return QList<std::pair<QByteArray, QByteArray>> {
                {"x-queuedesk-signature", t.signature.toBase64()}, {"x-queuedesk-signature-key", pair.id.toLatin1()}};
        };
        QVERIFY(m_broker.publish(q, R"({"type":"noop","payload":{"n":1},"idempotencyKey":"k1"})",
            QStringLiteral("signed"), headers(QStringLiteral("k1"))));
        QVERIFY(m_broker.publish(
            q, R"({"type":"noop","payload":{"n":1},"idempotencyKey":"k2"})", QStringLiteral("unsigned")));
        QVERIFY(m_broker.publish(q, R"({"type":"noop","payload":{"n":2},"idempotencyKey":"k3"})",
            QStringLiteral("tampered"), headers(QStringLiteral("k3"))));
        AmqpBridge bridge(QStringLiteral("b"), config(q, QString()), *m_engine, fastOptions());
        bridge.start();
        QTRY_COMPARE_WITH_TIMEOUT(bridge.status().received, 3, 10'000);
        QCOMPARE(bridge.status().stored, 1);
        QCOMPARE(bridge.status().deadLettered, 2);
        QCOMPARE(m_broker.depth(q), 0);
        QCOMPARE(taskCount(q), 1);
        QHash<QString, QString> reasons;
        while (const std::optional<qdtest::AmqpGot> got = m_broker.get(q + QStringLiteral(".dead-letter")))
            reasons.insert(got->messageId, got->headers.value(u"x-queuedesk-reason").toString());
        QCOMPARE(reasons.size(), 2);
        QVERIFY2(reasons.value(QStringLiteral("unsigned")).contains(QStringLiteral("requires signed tasks")),
            qPrintable(reasons.value(QStringLiteral("unsigned"))));
        QVERIFY2(reasons.value(QStringLiteral("tampered")).contains(QStringLiteral("does not verify")),
            qPrintable(reasons.value(QStringLiteral("tampered"))));
    }

    void aBrokerRestartMidStreamLosesAndDoublesNothing()
    {
        const QString q = QStringLiteral("restart");
        QVERIFY(m_broker.freshQueue(q));
        constexpr int perHalf = 5000;
        const auto publishRange = [&](int from, int to) {
            for (int i = from; i < to; ++i) {
                if (!m_broker.send(q, QByteArray::number(i), QStringLiteral("r%1").arg(i)))
                    return false;
            }
            return m_broker.waitConfirms(to - from);
        };
        QVERIFY(publishRange(0, perHalf));
        AmqpBridgeConfig c = config(q);
        c.batch = 100;
        c.prefetch = 200;
        QList<AmqpBridgeStatus::State> states; // before the bridge, whose destructor may still report
        QMutex statesMutex;
        AmqpBridge bridge(QStringLiteral("b"), c, *m_engine, fastOptions());
        bridge.onStatus = [&](const AmqpBridgeStatus& s) {
            QMutexLocker lock(&statesMutex);
            states.append(s.state);
        };
        bridge.start();
        QTRY_VERIFY_WITH_TIMEOUT(bridge.status().received >= 200, 10'000);
        QVERIFY(m_broker.halt());
        QTRY_COMPARE_WITH_TIMEOUT(bridge.status().state, AmqpBridgeStatus::State::Reconnecting, 10'000);
        QVERIFY(m_broker.resume());
        QVERIFY(m_broker.connect());
        QVERIFY(publishRange(perHalf, 2 * perHalf));
        QTRY_COMPARE_WITH_TIMEOUT(taskCount(q), 2 * perHalf, 30'000);
        QTRY_COMPARE_WITH_TIMEOUT(m_broker.depth(q), 0, 10'000);
        QCOMPARE(bridge.status().state, AmqpBridgeStatus::State::Connected);
        QVERIFY(bridge.status().reconnects >= 1);
        bridge.stop();
        {
            QMutexLocker lock(&statesMutex);
            QVERIFY(states.contains(AmqpBridgeStatus::State::Reconnecting));
        }
        QSet<QString> keys;
        for (const Task& t : tasksIn(q))
            keys.insert(t.idempotencyKey);
        QCOMPARE(keys.size(), 2 * perHalf);
        for (int i = 0; i < 2 * perHalf; ++i)
            QVERIFY(keys.contains(QStringLiteral("amqp:restart:id:r%1").arg(i)));
        QCOMPARE(taskCount(q), 2 * perHalf);
    }

    void theServiceRunsTheConfiguredBridges()
    {
        const QString q = QStringLiteral("configured");
        QVERIFY(m_broker.freshQueue(q));
        const SourceRecord record {0, QStringLiteral("amqp"), QStringLiteral("orders"), config(q).toJson(), false, 0};
        QVERIFY(m_engine->runInWriter([&](TaskStore& store) { return store.addSource(record, 1); }).ok());
        AmqpServiceOptions options;
        options.store = m_engine->options().store;
        options.sourcesMs = 100;
        options.bridge = fastOptions();
        QList<AmqpBridgeStatus::State> states;
        QObject receiver; // destroyed before `states`: with it go the status changes still queued for it
        AmqpService service(*m_engine, options);
        connect(&service, &AmqpService::statusChanged, &receiver, [&](const QString& name, const AmqpBridgeStatus& s) {
            QCOMPARE(name, QStringLiteral("orders"));
            states.append(s.state);
        });
        service.start();
        QVERIFY(m_broker.publish(q, "one", QStringLiteral("1")));
        QTRY_COMPARE_WITH_TIMEOUT(taskCount(q), 1, 10'000);
        QTRY_VERIFY(states.contains(AmqpBridgeStatus::State::Connected));
        QCOMPARE(service.statuses().value(QStringLiteral("orders")).received, 1);

        QVERIFY(
            m_engine->runInWriter(
                        [](TaskStore& store) { return store.setSourcePaused(QStringLiteral("orders"), true); })
                .ok());
        QTRY_VERIFY_WITH_TIMEOUT(service.statuses().isEmpty(), 10'000);
        // Stopped: from now on it takes nothing (a message that came before the stop is stored and acked).
        QTRY_VERIFY_WITH_TIMEOUT(states.last() == AmqpBridgeStatus::State::Stopped, 10'000);
        QVERIFY(m_broker.publish(q, "two", QStringLiteral("2")));
        QTest::qWait(300);
        QCOMPARE(taskCount(q), 1); // paused: nothing taken
        QVERIFY(
            m_engine
                ->runInWriter([](TaskStore& store) { return store.setSourcePaused(QStringLiteral("orders"), false); })
                .ok());
        QTRY_COMPARE_WITH_TIMEOUT(taskCount(q), 2, 10'000);
    }

    void workRunsTheConfiguredBridges()
    {
        const QString q = QStringLiteral("viawork");
        QVERIFY(m_broker.freshQueue(q));
        const QProcessEnvironment env = qdtest::isolatedEnvironment(m_dir);
        const QString db = m_dir.filePath(QStringLiteral("work.db"));
        const qdtest::CliRun add = qdtest::runCli(env,
            {QStringLiteral("--db"), db, QStringLiteral("bridge"), QStringLiteral("add"), QStringLiteral("w"),
                QStringLiteral("--url"), qdtest::AmqpTestBroker::url(), QStringLiteral("--from"), q,
                QStringLiteral("--type"), QStringLiteral("noop"), QStringLiteral("--into"), q});
        QVERIFY2(add.exitCode == 0, add.err.constData());
        for (int i = 0; i < 3; ++i)
            QVERIFY(m_broker.publish(q, "work " + QByteArray::number(i), QStringLiteral("w%1").arg(i)));
        QProcess work;
        work.setProcessEnvironment(env);
        work.start(QStringLiteral(CLI_PATH),
            {QStringLiteral("--db"), db, QStringLiteral("work"), QStringLiteral("--concurrency"), QStringLiteral("1"),
                QStringLiteral("--report-ms"), QStringLiteral("0")});
        QVERIFY(work.waitForStarted());
        StoreOptions options;
        options.path = db;
        auto store = TaskStore::open(options);
        QVERIFY(store.ok());
        const auto succeeded = [&] {
            QSqlQuery query(store.value()->database());
            query.exec(QStringLiteral("SELECT count(*) FROM tasks WHERE queue = 'viawork' AND state = 'succeeded'"));
            return query.next() ? query.value(0).toInt() : -1;
        };
        QTRY_COMPARE_WITH_TIMEOUT(succeeded(), 3, 20'000);
        ::kill(pid_t(work.processId()), SIGTERM);
        QVERIFY(work.waitForFinished(20'000));
        QCOMPARE(work.exitCode(), 0);
        const QByteArray err = work.readAllStandardError();
        QVERIFY2(err.contains("bridge w: connected"), err.constData());
        QVERIFY2(!err.contains("guest:guest"), err.constData());
    }
};

QTEST_GUILESS_MAIN(TestBridgeAmqp)
#include "tst_bridge_amqp.moc"
