#include "cli_tasklineparser.h"
#include "core/handlerregistry.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace qd;
using namespace qd::cli;

class TestTaskLineParser : public QObject {
    Q_OBJECT
    std::shared_ptr<HandlerRegistry> m_handlers = HandlerRegistry::createDefault();

private Q_SLOTS:
    void parsesEveryField()
    {
        const Result<NewTask> task = TaskLineParser::parse("{\"queue\":\"mail\",\"type\":\"sleep\",\"payload\":{\"ms\":"
                                                           "10},\"priority\":9,\"delayMs\":500,\"maxAttempts\":4,"
                                                           "\"timeoutMs\":2000,\"idempotencyKey\":\"k-1\"}",
            *m_handlers);
        QVERIFY2(task.ok(), qPrintable(task.errorString()));
        QCOMPARE(task->queue, QStringLiteral("mail"));
        QCOMPARE(task->type, QStringLiteral("sleep"));
        QCOMPARE(QJsonDocument::fromJson(task->payload).object().value(QLatin1String("ms")).toInt(), 10);
        QCOMPARE(task->priority, 9);
        QCOMPARE(task->delayMs, 500);
        QCOMPARE(task->maxAttempts, 4);
        QCOMPARE(task->timeoutMs, 2000);
        QCOMPARE(task->idempotencyKey, QStringLiteral("k-1"));

        const Result<NewTask> minimal = TaskLineParser::parse("{\"type\":\"noop\"}", *m_handlers);
        QVERIFY(minimal.ok());
        QCOMPARE(minimal->queue, QStringLiteral("default"));
        const Result<NewTask> stringPayload = TaskLineParser::parse(
            "{\"type\":\"sleep\",\"payload\":\"{\\\"ms\\\":3}\",\"runAt\":\"2030-01-01T00:00:00Z\"}", *m_handlers);
        QVERIFY2(stringPayload.ok(), qPrintable(stringPayload.errorString()));
        QCOMPARE(stringPayload->runAt, 1'893'456'000'000);
    }

    void rejectsBadLines_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("not json") << QByteArray("{type: noop}") << QStringLiteral("JSON");
        QTest::newRow("array") << QByteArray("[1]") << QStringLiteral("object");
        QTest::newRow("no type") << QByteArray("{\"queue\":\"a\"}") << QStringLiteral("type");
        QTest::newRow("unknown type") << QByteArray("{\"type\":\"nonesuch\"}") << QStringLiteral("nonesuch");
        QTest::newRow("unknown field") << QByteArray("{\"type\":\"noop\",\"prio\":1}") << QStringLiteral("prio");
        QTest::newRow("payload not object")
            << QByteArray("{\"type\":\"noop\",\"payload\":[1]}") << QStringLiteral("payload");
        QTest::newRow("priority range") << QByteArray("{\"type\":\"noop\",\"priority\":101}")
                                        << QStringLiteral("priority");
        QTest::newRow("priority fraction")
            << QByteArray("{\"type\":\"noop\",\"priority\":1.5}") << QStringLiteral("priority");
        QTest::newRow("negative delay") << QByteArray("{\"type\":\"noop\",\"delayMs\":-1}")
                                        << QStringLiteral("delayMs");
        QTest::newRow("handler rejects") << QByteArray("{\"type\":\"sleep\",\"payload\":{\"ms\":\"x\"}}")
                                         << QStringLiteral("ms");
        QTest::newRow("bad queue") << QByteArray("{\"type\":\"noop\",\"queue\":\"a b\"}") << QStringLiteral("queue");
    }

    void rejectsBadLines()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, mentions);
        const Result<NewTask> task = TaskLineParser::parse(line, *m_handlers);
        QVERIFY(!task.ok());
        QCOMPARE(task.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(task.errorString().contains(mentions, Qt::CaseInsensitive), qPrintable(task.errorString()));
    }
};

QTEST_GUILESS_MAIN(TestTaskLineParser)
#include "tst_tasklineparser.moc"
