// The `amqp` task type against the real broker of the `amqp` fixture: a task succeeds once the broker confirmed its
// message; an unroutable message or a missing exchange fails it at once with the broker's reason; a stopped broker
// makes it retry until the broker is back; bad payloads are refused at enqueue with nothing stored.
#include "amqptestbroker.h"

#include "core/amqp/amqpconnectiondirectory.h"
#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace qd;

class TestPublishAmqp : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<QueueEngine> m_engine;
    qdtest::AmqpTestBroker m_broker;
    int m_round = 0;

    Result<EnqueueResult> enqueue(const QJsonObject& payload, int maxAttempts = 3)
    {
        NewTask t;
        t.queue = QStringLiteral("out");
        t.type = QStringLiteral("amqp");
        t.payload = QJsonDocument(payload).toJson(QJsonDocument::Compact);
        t.maxAttempts = maxAttempts;
        t.retryPolicy = RetryPolicy {300, 1000, 0.0};
        return m_engine->enqueue(t);
    }
    Task taskNow(qint64 id)
    {
        Task task;
        m_engine->runInWriter([&](TaskStore& store) -> Status {
            Result<Task> t = store.task(id);
            if (t.ok())
                task = t.value();
            return success();
        });
        return task;
    }
    // Waits until the task has ended (succeeded, failed or cancelled).
    Task ended(qint64 id, int timeoutMs = 20'000)
    {
        QElapsedTimer timer;
        timer.start();
        Task t = taskNow(id);
        while (!isFinal(t.state) && timer.elapsed() < timeoutMs) {
            QTest::qWait(20);
            t = taskNow(id);
        }
        return t;
    }
    qint64 taskCount()
    {
        qint64 n = -1;
        m_engine->runInWriter([&](TaskStore& store) -> Status {
            QSqlQuery q(store.database());
            if (q.exec(QStringLiteral("SELECT count(*) FROM tasks")) && q.next())
                n = q.value(0).toLongLong();
            return success();
        });
        return n;
    }
    static QJsonObject toQueue(const QString& queue, const QJsonValue& body)
    {
        return QJsonObject {{QStringLiteral("connection"), QStringLiteral("test")},
            {QStringLiteral("exchange"), QString()}, {QStringLiteral("routingKey"), queue},
            {QStringLiteral("body"), body}};
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!qdtest::AmqpTestBroker::available())
            QSKIP("no test broker (QD_TEST_AMQP_URL); run through ctest, whose fixture starts one");
        QVERIFY(m_dir.isValid());
        QVERIFY(m_broker.connect());
        const Result<AmqpUrl> url = AmqpUrl::parse(qdtest::AmqpTestBroker::url());
        QVERIFY(url.ok());
        AmqpConnectionDirectory::instance().set(QStringLiteral("test"), url.value());
    }
    void init()
    {
        m_engine.reset();
        EngineOptions options;
        options.store.path = m_dir.filePath(QStringLiteral("p%1.db").arg(++m_round));
        options.sampleIntervalMs = 0;
        options.workerCount = 2;
        auto engine = QueueEngine::open(options);
        QVERIFY2(engine.ok(), qPrintable(engine.errorString()));
        m_engine = std::move(engine).value();
    }
    void cleanupTestCase() { m_engine.reset(); }

    void badPayloadsAreRefusedAtEnqueue_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<QString>("error");
        QTest::newRow("url") << QByteArray("{\"url\":\"amqp://u:secret@h/\",\"routingKey\":\"q\",\"body\":\"x\"}")
                             << QStringLiteral("\"url\" is not accepted");
        QTest::newRow("no connection") << QByteArray("{\"routingKey\":\"q\",\"body\":\"x\"}")
                                       << QStringLiteral("\"connection\" is required");
        QTest::newRow("bad connection") << QByteArray("{\"connection\":\"a b\",\"routingKey\":\"q\",\"body\":\"x\"}")
                                        << QStringLiteral("\"connection\" must be a name");
        QTest::newRow("no routing key") << QByteArray("{\"connection\":\"test\",\"body\":\"x\"}")
                                        << QStringLiteral("\"routingKey\" is required");
        QTest::newRow("number body") << QByteArray("{\"connection\":\"test\",\"routingKey\":\"q\",\"body\":3}")
                                     << QStringLiteral("\"body\" is required");
        QTest::newRow("header number") << QByteArray(
            "{\"connection\":\"test\",\"routingKey\":\"q\",\"body\":\"x\",\"headers\":{\"a\":1}}")
                                       << QStringLiteral("\"headers\" must be an object of strings");
        QTest::newRow("persistent text") << QByteArray(
            "{\"connection\":\"test\",\"routingKey\":\"q\",\"body\":\"x\",\"persistent\":\"yes\"}")
                                         << QStringLiteral("\"persistent\" must be true or false");
        QTest::newRow("long exchange")
            << QByteArray("{\"connection\":\"test\",\"routingKey\":\"q\",\"body\":\"x\",\"exchange\":\"")
                + QByteArray(256, 'e') + QByteArray("\"}")
            << QStringLiteral("\"exchange\" must be at most 255 bytes");
    }
    void badPayloadsAreRefusedAtEnqueue()
    {
        QFETCH(QByteArray, payload);
        QFETCH(QString, error);
        const Result<EnqueueResult> r = enqueue(QJsonDocument::fromJson(payload).object());
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(r.errorString().contains(error), qPrintable(r.errorString()));
        QVERIFY2(!r.errorString().contains(QStringLiteral("secret")), qPrintable(r.errorString()));
        QCOMPARE(taskCount(), 0);
    }

    void succeedsOnceConfirmed()
    {
        const QString q = QStringLiteral("pub-ok");
        QVERIFY(m_broker.freshQueue(q));
        QJsonObject payload = toQueue(q, QJsonObject {{QStringLiteral("order"), 42}});
        payload.insert(QStringLiteral("headers"), QJsonObject {{QStringLiteral("tenant"), QStringLiteral("acme")}});
        const Result<EnqueueResult> first = enqueue(payload);
        QVERIFY2(first.ok(), qPrintable(first.errorString()));
        const Result<EnqueueResult> second = enqueue(toQueue(q, QStringLiteral("plain text")));
        QVERIFY(second.ok());
        const Task a = ended(first->id);
        QCOMPARE(a.state, TaskState::Succeeded);
        QCOMPARE(a.attempts, 1);
        QCOMPARE(QJsonDocument::fromJson(a.result).object().value(u"messageId").toString(),
            QStringLiteral("qd-task-%1").arg(first->id));
        QCOMPARE(ended(second->id).state, TaskState::Succeeded);
        QCOMPARE(m_broker.depth(q), 2);
        QHash<QString, qdtest::AmqpGot> got;
        for (int i = 0; i < 2; ++i) {
            const std::optional<qdtest::AmqpGot> m = m_broker.get(q);
            QVERIFY(m);
            got.insert(m->messageId, *m);
        }
        const qdtest::AmqpGot json = got.value(QStringLiteral("qd-task-%1").arg(first->id));
        QCOMPARE(QJsonDocument::fromJson(json.body).object().value(u"order").toInt(), 42);
        QCOMPARE(json.headers.value(u"tenant").toString(), QStringLiteral("acme"));
        QCOMPARE(json.headers.value(u"x-queuedesk-task-id").toString(), QString::number(first->id));
        QCOMPARE(got.value(QStringLiteral("qd-task-%1").arg(second->id)).body, QByteArray("plain text"));
    }

    void unroutableFailsAtOnce()
    {
        const Result<EnqueueResult> r = enqueue(QJsonObject {{QStringLiteral("connection"), QStringLiteral("test")},
            {QStringLiteral("exchange"), QStringLiteral("amq.direct")},
            {QStringLiteral("routingKey"), QStringLiteral("nobody-listens-here")},
            {QStringLiteral("body"), QStringLiteral("x")}});
        QVERIFY(r.ok());
        const Task t = ended(r->id);
        QCOMPARE(t.state, TaskState::Failed);
        QCOMPARE(t.attempts, 1); // not retried
        QVERIFY2(t.lastError.contains(QStringLiteral("unroutable: 312 NO_ROUTE")), qPrintable(t.lastError));
        QVERIFY2(t.lastError.contains(QStringLiteral("nobody-listens-here")), qPrintable(t.lastError));
        // Not mandatory: the broker drops it, and the task succeeds.
        const Result<EnqueueResult> dropped
            = enqueue(QJsonObject {{QStringLiteral("connection"), QStringLiteral("test")},
                {QStringLiteral("exchange"), QStringLiteral("amq.direct")},
                {QStringLiteral("routingKey"), QStringLiteral("nobody-listens-here")},
                {QStringLiteral("body"), QStringLiteral("x")}, {QStringLiteral("mandatory"), false}});
        QVERIFY(dropped.ok());
        QCOMPARE(ended(dropped->id).state, TaskState::Succeeded);
    }

    void missingExchangeFailsAtOnce()
    {
        const Result<EnqueueResult> r = enqueue(QJsonObject {{QStringLiteral("connection"), QStringLiteral("test")},
            {QStringLiteral("exchange"), QStringLiteral("qd-no-such-exchange")},
            {QStringLiteral("routingKey"), QStringLiteral("k")}, {QStringLiteral("body"), QStringLiteral("x")}});
        QVERIFY(r.ok());
        const Task t = ended(r->id);
        QCOMPARE(t.state, TaskState::Failed);
        QCOMPARE(t.attempts, 1);
        QVERIFY2(t.lastError.contains(QStringLiteral("404")), qPrintable(t.lastError));
        QVERIFY2(t.lastError.contains(QStringLiteral("qd-no-such-exchange")), qPrintable(t.lastError));
        // The worker's connection was dropped with the channel; the next task opens a new one and succeeds.
        const QString q = QStringLiteral("pub-after-404");
        QVERIFY(m_broker.freshQueue(q));
        const Result<EnqueueResult> next = enqueue(toQueue(q, QStringLiteral("again")));
        QVERIFY(next.ok());
        QCOMPARE(ended(next->id).state, TaskState::Succeeded);
    }

    void unknownConnectionFailsAtOnce()
    {
        QJsonObject payload = toQueue(QStringLiteral("q"), QStringLiteral("x"));
        payload.insert(QStringLiteral("connection"), QStringLiteral("nowhere"));
        const Result<EnqueueResult> r = enqueue(payload);
        QVERIFY(r.ok());
        const Task t = ended(r->id);
        QCOMPARE(t.state, TaskState::Failed);
        QCOMPARE(t.attempts, 1);
        QVERIFY2(t.lastError.contains(QStringLiteral("no AMQP connection \"nowhere\"")), qPrintable(t.lastError));
    }

    // The workers' connections are open from the tests before; the broker goes away, the task is retried (backoff
    // 300 ms to 1 s) and succeeds once the broker is back.
    void brokerStoppedThenBackTaskSucceeds()
    {
        const QString q = QStringLiteral("pub-restart");
        QVERIFY(m_broker.freshQueue(q));
        const Result<EnqueueResult> warm = enqueue(toQueue(q, QStringLiteral("before")));
        QVERIFY(warm.ok());
        QCOMPARE(ended(warm->id).state, TaskState::Succeeded);
        QVERIFY(qdtest::AmqpTestBroker::halt());
        const Result<EnqueueResult> r = enqueue(toQueue(q, QStringLiteral("during")), 100);
        QVERIFY(r.ok());
        QTRY_VERIFY_WITH_TIMEOUT(taskNow(r->id).attempts >= 2, 20'000);
        QVERIFY(!isFinal(taskNow(r->id).state));
        QVERIFY2(
            taskNow(r->id).lastError.contains(QStringLiteral("Cannot connect")), qPrintable(taskNow(r->id).lastError));
        QVERIFY(qdtest::AmqpTestBroker::resume());
        const Task t = ended(r->id, 60'000);
        QCOMPARE(t.state, TaskState::Succeeded);
        QVERIFY(m_broker.connect());
        QCOMPARE(m_broker.depth(q), 2); // durable queue, persistent messages: "before" survived the restart
    }
};

QTEST_GUILESS_MAIN(TestPublishAmqp)
#include "tst_publish_amqp.moc"
