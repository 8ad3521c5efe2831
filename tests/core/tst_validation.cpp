// Pure checks with no database: task validation, backoff arithmetic, percentiles, state names.
#include "core/handlerregistry.h"
#include "core/percentiles.h"
#include "core/queueengine.h"

#include <QTest>

using namespace qd;

class TestValidation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rejectsBadInput_data();
    void rejectsBadInput();
    void acceptsGoodTask();
    void backoffGrowsExponentiallyWithinJitter();
    void percentileByNearestRank();
    void stateNamesRoundTrip();
};

void TestValidation::rejectsBadInput_data()
{
    QTest::addColumn<QString>("queue");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<int>("priority");
    QTest::addColumn<qint64>("delayMs");
    QTest::addColumn<QString>("expected");
    QTest::newRow("malformed json") << "default" << "noop" << QByteArray("{\"a\":") << 0 << qint64(0) << "not valid JSON";
    QTest::newRow("json array") << "default" << "noop" << QByteArray("[1,2]") << 0 << qint64(0) << "JSON object";
    QTest::newRow("unknown type") << "default" << "resize-moon" << QByteArray("{}") << 0 << qint64(0) << "Unknown task type";
    QTest::newRow("bad queue name") << "bad queue!" << "noop" << QByteArray("{}") << 0 << qint64(0) << "Invalid queue name";
    QTest::newRow("empty queue name") << "" << "noop" << QByteArray("{}") << 0 << qint64(0) << "Invalid queue name";
    QTest::newRow("negative priority") << "default" << "noop" << QByteArray("{}") << -1 << qint64(0) << "Priority -1";
    QTest::newRow("negative delay") << "default" << "noop" << QByteArray("{}") << 0 << qint64(-5) << "negative";
    QTest::newRow("handler rejects payload") << "default" << "sleep" << QByteArray("{\"ms\":\"x\"}") << 0 << qint64(0) << "\"ms\"";
}

void TestValidation::rejectsBadInput()
{
    QFETCH(QString, queue);
    QFETCH(QString, type);
    QFETCH(QByteArray, payload);
    QFETCH(int, priority);
    QFETCH(qint64, delayMs);
    QFETCH(QString, expected);
    auto registry = HandlerRegistry::createDefault();
    NewTask task;
    task.queue = queue;
    task.type = type;
    task.payload = payload;
    task.priority = priority;
    task.delayMs = delayMs;
    const auto error = validateNewTask(task, *registry);
    QVERIFY(error.has_value());
    QCOMPARE(error->code, ErrorCode::InvalidArgument);
    QVERIFY2(error->message.contains(expected), qPrintable(error->message));
}

void TestValidation::acceptsGoodTask()
{
    auto registry = HandlerRegistry::createDefault();
    NewTask task;
    task.queue = QStringLiteral("images.thumbs-1");
    task.type = QStringLiteral("sleep");
    task.payload = R"({"ms": 10})";
    task.priority = 100;
    QVERIFY(!validateNewTask(task, *registry).has_value());
}

void TestValidation::backoffGrowsExponentiallyWithinJitter()
{
    const RetryPolicy policy {1000, 60'000, 0.25};
    QCOMPARE(backoffDelayMs(policy, 1, 0.0), 1000);
    QCOMPARE(backoffDelayMs(policy, 2, 0.0), 2000);
    QCOMPARE(backoffDelayMs(policy, 3, 0.0), 4000);
    QCOMPARE(backoffDelayMs(policy, 7, 0.0), 60'000); // capped
    QCOMPARE(backoffDelayMs(policy, 100, 0.0), 60'000); // no overflow
    QCOMPARE(backoffDelayMs(policy, 3, 1.0), 3000); // the most jitter takes a quarter off
    for (int i = 0; i < 100; ++i) {
        const qint64 d = backoffDelayMs(policy, 2, i / 100.0);
        QVERIFY(d > 1500 && d <= 2000);
    }
}

void TestValidation::percentileByNearestRank()
{
    QList<qint64> values;
    QCOMPARE(percentile(values, 50), 0.0);
    for (int i = 100; i >= 1; --i)
        values.append(i);
    QCOMPARE(percentile(values, 50), 50.0);
    QCOMPARE(percentile(values, 95), 95.0);
    QCOMPARE(percentile(values, 100), 100.0);
}

void TestValidation::stateNamesRoundTrip()
{
    for (TaskState s : allTaskStates)
        QCOMPARE(taskStateFromName(taskStateName(s)), s);
    QVERIFY(!taskStateFromName(u"bogus").has_value());
}

QTEST_APPLESS_MAIN(TestValidation)
#include "tst_validation.moc"
