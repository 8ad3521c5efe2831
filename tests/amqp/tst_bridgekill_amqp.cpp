// 20,000 messages into QueueDesk through `queuedesk-cli bridge amqp` while the bridge process is SIGKILLed 10 times:
// every message becomes exactly one task, none is lost (broker of the `amqp` fixture, a SQLite database).
#include "amqptestbroker.h"

#include "core/storeoptions.h"
#include "core/taskstore.h"
#include "tests/cli/clirunner.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QtTest>

#include <csignal>

class TestBridgeKillAmqp : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    std::unique_ptr<QProcess> startBridge(
        const QString& db, const QString& from, QProcess::ProcessChannelMode channels = QProcess::ForwardedErrorChannel)
    {
        auto process = std::make_unique<QProcess>();
        process->setProcessEnvironment(qdtest::isolatedEnvironment(m_dir));
        process->setProcessChannelMode(channels);
        process->start(QStringLiteral(CLI_PATH),
            {QStringLiteral("--db"), db, QStringLiteral("bridge"), QStringLiteral("amqp"), QStringLiteral("--url"),
                qdtest::AmqpTestBroker::url(), QStringLiteral("--from"), from, QStringLiteral("--into"),
                QStringLiteral("killed"), QStringLiteral("--type"), QStringLiteral("noop")});
        if (!process->waitForStarted())
            return nullptr;
        return process;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!qdtest::AmqpTestBroker::available())
            QSKIP("no test broker (QD_TEST_AMQP_URL); run through ctest, whose fixture starts one");
    }

    void everyMessageBecomesOneTaskThroughKills()
    {
#ifdef QD_SANITIZER_BUILD
        constexpr int total = 4000;
#else
        constexpr int total = 20'000;
#endif
        constexpr int kills = 10;
        const QString q = QStringLiteral("killtorture");
        const QString db = m_dir.filePath(QStringLiteral("kill.db"));
        qdtest::AmqpTestBroker broker;
        QVERIFY(broker.connect());
        QVERIFY(broker.freshQueue(q));

        // Half is published before the first bridge starts, the rest while the bridges run, so that each kill
        // lands while deliveries are in flight: between a commit and its ack, inside a batch, before a commit.
        int published = 0;
        const auto publishSome = [&](int count) {
            for (int i = 0; i < count; ++i, ++published) {
                if (!broker.send(q, QByteArray::number(published), QStringLiteral("k%1").arg(published)))
                    return false;
            }
            return broker.waitConfirms(count);
        };
        QVERIFY(publishSome(total / 2));
        qd::StoreOptions options;
        options.path = db;
        std::unique_ptr<qd::TaskStore> store;
        const auto counts = [&]() -> std::pair<qint64, qint64> {
            if (!store) {
                auto opened = qd::TaskStore::open(options);
                if (!opened.ok())
                    return {-1, -1};
                store = std::move(opened).value();
            }
            QSqlQuery query(store->database());
            if (!query.exec(QStringLiteral(
                    "SELECT count(*), count(DISTINCT idempotency_key) FROM tasks WHERE queue = 'killed'"))
                || !query.next())
                return {-1, -1};
            return {query.value(0).toLongLong(), query.value(1).toLongLong()};
        };
        QRandomGenerator random(19);
        QList<qint64> stored;
        int midStream = 0; // kills that left published messages without their task
        for (int round = 0; round < kills; ++round) {
            // The round's messages wait in the broker before the bridge starts, and the kill comes at the bridge's
            // first commit (plus up to 20 ms): however fast the machine, it lands with messages outstanding.
            QVERIFY(publishSome(total / 2 / kills));
            const qint64 before = round == 0 ? 0 : stored.last();
            std::unique_ptr<QProcess> bridge = startBridge(db, q);
            QVERIFY(bridge);
            QElapsedTimer waited;
            waited.start();
            while (counts().first <= before && waited.elapsed() < 10'000)
                QTest::qWait(2);
            QTest::qWait(int(random.bounded(0, 20)));
            ::kill(pid_t(bridge->processId()), SIGKILL);
            QVERIFY(bridge->waitForFinished(10'000));
            QCOMPARE(bridge->exitStatus(), QProcess::CrashExit);
            stored.append(counts().first);
            midStream += stored.last() < published ? 1 : 0;
        }
        QCOMPARE(published, total);
        qInfo() << "tasks stored when each kill landed:" << stored;
        // A kill after the bridge caught up tests nothing; most land while messages are outstanding.
        QVERIFY2(midStream >= 3, qPrintable(QStringLiteral("only %1 kills landed mid-stream").arg(midStream)));

        // A last bridge takes what is left; then SIGTERM stops it gracefully.
        std::unique_ptr<QProcess> bridge = startBridge(db, q, QProcess::SeparateChannels);
        QVERIFY(bridge);
        QTRY_COMPARE_WITH_TIMEOUT(counts().first, qint64(total), 60'000);
        QTRY_COMPARE_WITH_TIMEOUT(broker.depth(q), 0, 10'000);
        // With nothing left to take it may not have set up its signal handling yet: SIGTERM once it is connected.
        QByteArray status;
        QTRY_VERIFY_WITH_TIMEOUT((status += bridge->readAllStandardError()).contains(": connected"), 30'000);
        ::kill(pid_t(bridge->processId()), SIGTERM);
        QVERIFY(bridge->waitForFinished(10'000));
        QCOMPARE(bridge->exitStatus(), QProcess::NormalExit);
        QCOMPARE(bridge->exitCode(), 0);
        qInfo() << "last bridge:" << bridge->readAllStandardOutput().trimmed();
        QCOMPARE(counts(), std::make_pair(qint64(total), qint64(total)));

        // Every message is there under its own key.
        QStringList keys;
        for (int i = 0; i < total; ++i)
            keys.append(QStringLiteral("amqp:%1:id:k%2").arg(q).arg(i));
        const auto found = store->tasksWithIdempotencyKeys(keys);
        QVERIFY(found.ok());
        QCOMPARE(found->size(), total);
    }
};

QTEST_GUILESS_MAIN(TestBridgeKillAmqp)
#include "tst_bridgekill_amqp.moc"
