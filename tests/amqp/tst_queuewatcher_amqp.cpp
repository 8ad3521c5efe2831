// The queue watcher against the real broker of the `amqp` fixture: depth and consumers come from a passive
// queue.declare, a missing queue is an error that leaves the others readable, and a stopped broker is unreachable
// until it is back.
#include "amqptestbroker.h"

#include "core/amqp/amqpqueuewatcher.h"

#include <QtTest>

using namespace qd;

class TestQueueWatcherAmqp : public QObject {
    Q_OBJECT

private:
    qdtest::AmqpTestBroker m_broker;

    static AmqpQueueStats statsOf(const AmqpQueueWatcher& watcher, const QString& source)
    {
        for (const AmqpQueueStats& s : watcher.latest()) {
            if (s.source == source)
                return s;
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!qdtest::AmqpTestBroker::available())
            QSKIP("no test broker (QD_TEST_AMQP_URL); run through ctest, whose fixture starts one");
        QVERIFY(m_broker.connect());
    }

    void depthConsumersAndMissingQueue()
    {
        const QString q = QStringLiteral("watch-orders");
        QVERIFY(m_broker.freshQueue(q));
        constexpr int published = 25;
        for (int i = 0; i < published; ++i)
            QVERIFY(m_broker.send(q, QByteArray::number(i)));
        QVERIFY(m_broker.waitConfirms(published));

        AmqpQueueWatcherOptions options;
        options.pollMs = 100;
        AmqpQueueWatcher watcher(options);
        int rounds = 0;
        std::atomic<int> roundsSeen {0};
        watcher.onStats = [&](const QList<AmqpQueueStats>&) { ++roundsSeen; };
        watcher.setTargets({AmqpWatchTarget {QStringLiteral("orders"), qdtest::AmqpTestBroker::url(), q, false},
            AmqpWatchTarget {
                QStringLiteral("ghost"), qdtest::AmqpTestBroker::url(), QStringLiteral("no-such-q"), true}});
        watcher.start();
        QTRY_COMPARE_WITH_TIMEOUT(statsOf(watcher, QStringLiteral("orders")).depth, qint64(published), 10'000);
        AmqpQueueStats orders = statsOf(watcher, QStringLiteral("orders"));
        QVERIFY(orders.reachable);
        QCOMPARE(orders.consumers, qint64(0));
        QVERIFY(orders.error.isEmpty());
        QCOMPARE(orders.queue, q);
        QVERIFY2(!orders.broker.contains(QStringLiteral("guest:guest")), qPrintable(orders.broker));
        // The missing queue is the broker's answer, not an outage; the other queue is still read after it.
        const AmqpQueueStats ghost = statsOf(watcher, QStringLiteral("ghost"));
        QVERIFY(ghost.reachable);
        QVERIFY(ghost.paused);
        QCOMPARE(ghost.depth, qint64(-1));
        QVERIFY2(ghost.error.contains(QStringLiteral("NOT_FOUND")), qPrintable(ghost.error));
        rounds = roundsSeen;
        QTRY_VERIFY_WITH_TIMEOUT(roundsSeen >= rounds + 2, 10'000);
        QVERIFY(statsOf(watcher, QStringLiteral("orders")).reachable);
        QVERIFY(statsOf(watcher, QStringLiteral("orders")).hasRate);

        // A consumer with a prefetch of one: consumers 1, one message less ready.
        AmqpConnection consumer;
        QVERIFY(consumer.open(AmqpUrl::parse(qdtest::AmqpTestBroker::url()).value(), 1, 0, 5000).ok());
        amqp_basic_qos(consumer.get(), 1, 0, 1, 0);
        QVERIFY(consumer.lastReply(QStringLiteral("basic.qos")).ok());
        amqp_basic_consume(consumer.get(), 1, amqpBytes(q.toUtf8()), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
        QVERIFY(consumer.lastReply(QStringLiteral("basic.consume")).ok());
        QTRY_COMPARE_WITH_TIMEOUT(statsOf(watcher, QStringLiteral("orders")).consumers, qint64(1), 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(statsOf(watcher, QStringLiteral("orders")).depth, qint64(published - 1), 10'000);
        consumer.close();
        QTRY_COMPARE_WITH_TIMEOUT(statsOf(watcher, QStringLiteral("orders")).consumers, qint64(0), 10'000);

        // Ten more arrive: the depth grows and the rate between two readings says so.
        for (int i = 0; i < 10; ++i)
            QVERIFY(m_broker.send(q, QByteArray::number(i)));
        QVERIFY(m_broker.waitConfirms(10));
        QTRY_COMPARE_WITH_TIMEOUT(statsOf(watcher, QStringLiteral("orders")).depth, qint64(published + 10), 10'000);
        watcher.stop();
    }

    void stoppedBrokerIsUnreachable()
    {
        AmqpQueueWatcherOptions options;
        options.pollMs = 200;
        AmqpQueueWatcher watcher(options);
        watcher.setTargets({AmqpWatchTarget {
            QStringLiteral("orders"), qdtest::AmqpTestBroker::url(), QStringLiteral("watch-orders"), false}});
        watcher.start();
        QTRY_VERIFY_WITH_TIMEOUT(statsOf(watcher, QStringLiteral("orders")).reachable, 10'000);
        QVERIFY(qdtest::AmqpTestBroker::halt());
        QTRY_VERIFY_WITH_TIMEOUT(!statsOf(watcher, QStringLiteral("orders")).reachable, 15'000);
        const AmqpQueueStats down = statsOf(watcher, QStringLiteral("orders"));
        QCOMPARE(down.depth, qint64(-1));
        QCOMPARE(down.consumers, qint64(-1));
        QVERIFY(!down.error.isEmpty());
        QVERIFY(qdtest::AmqpTestBroker::resume());
        QTRY_VERIFY_WITH_TIMEOUT(statsOf(watcher, QStringLiteral("orders")).reachable, 30'000);
        QVERIFY(statsOf(watcher, QStringLiteral("orders")).depth >= 0); // durable queue, persistent messages
        watcher.stop();
        QVERIFY(m_broker.connect());
    }
};

QTEST_GUILESS_MAIN(TestQueueWatcherAmqp)
#include "tst_queuewatcher_amqp.moc"
