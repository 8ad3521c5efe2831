// amqps:// against the TLS listener of the `amqp` fixture's broker (scripts/rabbitmq-test-server.sh: a CA of its own
// signs the server's certificate for localhost): with that CA the peer is verified and an `amqp` task publishes over
// TLS; with another CA the connection is refused with a clear reason, and the password is never shown.
#include "amqptestbroker.h"

#include "core/amqp/amqpconnectiondirectory.h"
#include "core/amqp/amqppublisher.h"
#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace qd;

class TestTlsAmqp : public QObject {
    Q_OBJECT

private:
    QString m_tlsDir;
    int m_tlsPort = 0;
    qdtest::AmqpTestBroker m_broker;

    QString tlsUrl(const QString& caFile) const
    {
        return QStringLiteral("amqps://guest:guest@localhost:%1/?cacert=%2").arg(m_tlsPort).arg(m_tlsDir + caFile);
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!qdtest::AmqpTestBroker::available())
            QSKIP("no test broker (QD_TEST_AMQP_URL); run through ctest, whose fixture starts one");
        const QString dir = qEnvironmentVariable("QD_TEST_AMQP_DIR");
        QFile port(dir + QStringLiteral("/port"));
        QVERIFY(port.open(QIODevice::ReadOnly));
        m_tlsPort = port.readAll().trimmed().toInt() + 3000;
        m_tlsDir = dir + QStringLiteral("/tls/");
        QVERIFY2(QFile::exists(m_tlsDir + QStringLiteral("server.pem")), "the fixture made no TLS certificates");
        QVERIFY(m_broker.connect());
    }

    void verifiedPeerAcceptsAndConfirms()
    {
        const QString q = QStringLiteral("tls-confirmed");
        QVERIFY(m_broker.freshQueue(q));
        const Result<AmqpUrl> url = AmqpUrl::parse(tlsUrl(QStringLiteral("ca.pem")));
        QVERIFY2(url.ok(), qPrintable(url.errorString()));
        QVERIFY(url->tls);
        AmqpConfirmPublisher publisher;
        const Status opened = publisher.open(url.value(), 0, 10'000);
        QVERIFY2(opened.ok(), qPrintable(opened.errorString()));
        AmqpOutgoing m;
        m.routingKey = q.toUtf8();
        m.body = "over tls";
        m.messageId = "tls-1";
        m.mandatory = true;
        QVERIFY(publisher.publish(m).ok());
        const Result<QList<AmqpConfirmOutcome>> confirmed = publisher.waitForConfirms(10'000);
        QVERIFY2(confirmed.ok(), qPrintable(confirmed.errorString()));
        QCOMPARE(confirmed->size(), 1);
        QCOMPARE(confirmed->first().kind, AmqpConfirmOutcome::Kind::Acked);
        QCOMPARE(m_broker.get(q)->body, QByteArray("over tls"));
    }

    void anotherCaIsRefused()
    {
        const Result<AmqpUrl> url = AmqpUrl::parse(tlsUrl(QStringLiteral("other-ca.pem")));
        QVERIFY(url.ok());
        AmqpConfirmPublisher publisher;
        const Status opened = publisher.open(url.value(), 0, 10'000);
        QVERIFY(!opened.ok());
        QCOMPARE(opened.error().code, ErrorCode::Unavailable);
        qInfo("%s", qPrintable(opened.errorString()));
        QVERIFY2(opened.errorString().contains(QStringLiteral("Cannot connect to amqps://guest@localhost")),
            qPrintable(opened.errorString()));
        QVERIFY2(opened.errorString().contains(QStringLiteral("verif"), Qt::CaseInsensitive),
            qPrintable(opened.errorString()));
        QVERIFY(!opened.errorString().contains(QStringLiteral("guest:guest")));
        QVERIFY(!publisher.isOpen());
    }

    void amqpTaskPublishesOverTls()
    {
        const QString q = QStringLiteral("tls-task");
        QVERIFY(m_broker.freshQueue(q));
        AmqpConnectionDirectory::instance().set(
            QStringLiteral("secure"), AmqpUrl::parse(tlsUrl(QStringLiteral("ca.pem"))).value());
        QTemporaryDir dir;
        EngineOptions options;
        options.store.path = dir.filePath(QStringLiteral("tls.db"));
        options.sampleIntervalMs = 0;
        options.workerCount = 1;
        auto engine = QueueEngine::open(options);
        QVERIFY(engine.ok());
        NewTask t;
        t.type = QStringLiteral("amqp");
        t.maxAttempts = 1;
        t.payload = QJsonDocument(QJsonObject {{QStringLiteral("connection"), QStringLiteral("secure")},
                                      {QStringLiteral("routingKey"), q}, {QStringLiteral("body"), QStringLiteral("x")}})
                        .toJson(QJsonDocument::Compact);
        const Result<EnqueueResult> r = (*engine)->enqueue(t);
        QVERIFY(r.ok());
        QTRY_COMPARE_WITH_TIMEOUT(m_broker.depth(q), 1, 20'000);
        Task task;
        QTRY_VERIFY_WITH_TIMEOUT(((*engine)->runInWriter([&](TaskStore& store) -> Status {
            const Result<Task> read = store.task(r->id);
            if (read.ok())
                task = read.value();
            return success();
        }),
                                     task.state == TaskState::Succeeded),
            10'000);
    }
};

QTEST_GUILESS_MAIN(TestTlsAmqp)
#include "tst_tls_amqp.moc"
