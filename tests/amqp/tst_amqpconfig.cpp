// AMQP bridge pieces that need no broker: URL parsing and display, the stored configuration, the message-to-task
// mapping and its idempotency key, and the CLI's bridge rows (passwords never printed).
#include "core/amqp/amqpbridgeconfig.h"
#include "core/amqp/amqpmessagemapper.h"
#include "core/amqp/amqpurl.h"
#include "core/handlerregistry.h"
#include "tests/cli/clirunner.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

using namespace qd;

class TestAmqpConfig : public QObject {
    Q_OBJECT

private:
    std::shared_ptr<HandlerRegistry> m_handlers = HandlerRegistry::createDefault();

    static AmqpBridgeConfig config(const QString& type = QStringLiteral("noop"))
    {
        AmqpBridgeConfig c;
        c.url = QStringLiteral("amqp://guest:guest@localhost/");
        c.from = QStringLiteral("orders");
        c.queue = QStringLiteral("inbox");
        c.type = type;
        return c;
    }
    static QJsonObject payloadOf(const NewTask& task) { return QJsonDocument::fromJson(task.payload).object(); }

private Q_SLOTS:
    void urlParses()
    {
        const Result<AmqpUrl> url = AmqpUrl::parse(QStringLiteral("amqp://bob:s%40cret@mq.example:5673/prod%2Fa"));
        QVERIFY2(url.ok(), qPrintable(url.errorString()));
        QCOMPARE(url->host, QStringLiteral("mq.example"));
        QCOMPARE(url->port, 5673);
        QCOMPARE(url->user, QStringLiteral("bob"));
        QCOMPARE(url->password, QStringLiteral("s@cret"));
        QCOMPARE(url->vhost, QStringLiteral("prod/a"));
        QVERIFY(!url->tls);
        QVERIFY(!url->displayName().contains(QStringLiteral("cret")));

        const Result<AmqpUrl> plain = AmqpUrl::parse(QStringLiteral("amqp://localhost"));
        QVERIFY(plain.ok());
        QCOMPARE(plain->port, 5672);
        QCOMPARE(plain->vhost, QStringLiteral("/"));
        QCOMPARE(plain->user, QStringLiteral("guest"));
        QCOMPARE(plain->displayName(), QStringLiteral("amqp://guest@localhost:5672/%2F"));

        const Result<AmqpUrl> tls = AmqpUrl::parse(QStringLiteral("amqps://u:p@h/?cacert=/etc/ca.pem"));
        QVERIFY(tls.ok());
        QVERIFY(tls->tls);
        QCOMPARE(tls->port, 5671);
        QCOMPARE(tls->caCertFile, QStringLiteral("/etc/ca.pem"));
    }

    void badUrlsAreRefusedWithoutThePassword()
    {
        for (const char* text : {"http://u:hunter2@h/", "amqp://u:hunter2@/x", "amqp://u:hunter2@h/?cacert=/x",
                 "amqps://u:hunter2@h/?bogus=1", "amqps://u:hunter2@h/?cert=/c"}) {
            const Result<AmqpUrl> url = AmqpUrl::parse(QString::fromLatin1(text));
            QVERIFY2(!url.ok(), text);
            QVERIFY2(!url.errorString().contains(QStringLiteral("hunter2")), qPrintable(url.errorString()));
        }
        QVERIFY(!amqpDisplayUrl(QStringLiteral("amqp://u:hunter2@h:1/v")).contains(QStringLiteral("hunter2")));
        QVERIFY(!amqpDisplayUrl(QStringLiteral("amqp://u:hun ter2@h:x/v")).contains(QStringLiteral("ter2")));
    }

    void configRoundTrips()
    {
        AmqpBridgeConfig c = config();
        c.prefetch = 200;
        c.batch = 50;
        c.deadLetterQueue = QString();
        const Result<AmqpBridgeConfig> back = AmqpBridgeConfig::fromJson(c.toJson());
        QVERIFY2(back.ok(), qPrintable(back.errorString()));
        QCOMPARE(back->toJson(), c.toJson());
        QCOMPARE(back->deadLetterQueueName(), QString());
        QCOMPARE(config().deadLetterQueueName(), QStringLiteral("orders.dead-letter"));

        AmqpBridgeConfig bad = config();
        bad.batch = bad.prefetch + 1;
        QVERIFY(bad.check().has_value());
        bad = config();
        bad.queue = QString();
        QVERIFY(bad.check().has_value());
        QVERIFY(!AmqpBridgeConfig::fromJson("[]").ok());
    }

    void taskJsonBecomesThatTask()
    {
        AmqpDelivery d;
        d.body = R"({"type":"sleep","payload":{"ms":5},"priority":9})";
        d.messageId = QStringLiteral("m-1");
        const Result<NewTask> task = mapAmqpMessage(d, config(), *m_handlers);
        QVERIFY2(task.ok(), qPrintable(task.errorString()));
        QCOMPARE(task->type, QStringLiteral("sleep"));
        QCOMPARE(task->queue, QStringLiteral("inbox")); // the bridge's queue when the JSON names none
        QCOMPARE(task->priority, 9);
        QCOMPARE(payloadOf(*task).value(u"ms").toInt(), 5);
        QCOMPARE(task->idempotencyKey, QStringLiteral("amqp:orders:id:m-1"));

        d.body = R"({"type":"noop","queue":"elsewhere","idempotencyKey":"mine"})";
        const Result<NewTask> own = mapAmqpMessage(d, config(), *m_handlers);
        QVERIFY(own.ok());
        QCOMPARE(own->queue, QStringLiteral("elsewhere"));
        QCOMPARE(own->idempotencyKey, QStringLiteral("mine"));
    }

    void otherBodiesBecomeTheBridgesType()
    {
        AmqpDelivery d;
        d.body = "hello \xc3\xa9";
        d.contentType = QStringLiteral("text/plain");
        d.headers = QJsonObject {{QStringLiteral("tenant"), 4}};
        d.routingKey = QStringLiteral("orders");
        const Result<NewTask> text = mapAmqpMessage(d, config(), *m_handlers);
        QVERIFY2(text.ok(), qPrintable(text.errorString()));
        QCOMPARE(text->type, QStringLiteral("noop"));
        QCOMPARE(text->queue, QStringLiteral("inbox"));
        const QJsonObject p = payloadOf(*text);
        QCOMPARE(p.value(u"body").toString(), QStringLiteral("hello é"));
        QCOMPARE(p.value(u"bodyEncoding").toString(), QStringLiteral("utf8"));
        QCOMPARE(p.value(u"contentType").toString(), QStringLiteral("text/plain"));
        QCOMPARE(p.value(u"headers").toObject().value(u"tenant").toInt(), 4);
        QCOMPARE(p.value(u"routingKey").toString(), QStringLiteral("orders"));
        QVERIFY(text->idempotencyKey.startsWith(QStringLiteral("amqp:orders:sha256:")));

        d.body = QByteArray("\xff\x00\x01", 3);
        const Result<NewTask> binary = mapAmqpMessage(d, config(), *m_handlers);
        QVERIFY(binary.ok());
        QCOMPARE(payloadOf(*binary).value(u"bodyEncoding").toString(), QStringLiteral("base64"));
        QCOMPARE(QByteArray::fromBase64(payloadOf(*binary).value(u"body").toString().toLatin1()), d.body);

        d.body = R"({"kind":"json without a type"})";
        QVERIFY(mapAmqpMessage(d, config(), *m_handlers).ok());
    }

    // A noop task's wrapped payload is not parsed again at enqueue (NoopHandler::acceptsAnyPayload): whatever the
    // body and properties hold, the payload written must be a JSON object that gives them back.
    void wrappedPayloadIsValidJsonWhateverTheBody()
    {
        const QList<QByteArray> bodies
            = {QByteArray("quote \" backslash \\ slash /"), QByteArray("tab\tnl\ncr\r\x01\x1f\x7f"),
                QByteArray("line sep \xe2\x80\xa8 emoji \xf0\x9f\x98\x80"), QByteArray(), QByteArray("} {\"type\":")};
        for (const QByteArray& body : bodies) {
            AmqpDelivery d;
            d.body = body;
            d.contentType = QStringLiteral("text/\"odd\"\\");
            d.messageId = QStringLiteral("id\n\"1\"");
            d.routingKey = QStringLiteral("r\x02k");
            const Result<NewTask> task = mapAmqpMessage(d, config(), *m_handlers);
            QVERIFY2(task.ok(), qPrintable(task.errorString()));
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(task->payload, &error);
            QVERIFY2(error.error == QJsonParseError::NoError && doc.isObject(), task->payload.constData());
            const QJsonObject p = doc.object();
            QCOMPARE(p.value(u"body").toString().toUtf8(), body);
            QCOMPARE(p.value(u"contentType").toString(), d.contentType);
            QCOMPARE(p.value(u"messageId").toString(), d.messageId);
            QCOMPARE(p.value(u"routingKey").toString(), d.routingKey);
        }
    }

    void invalidMessagesSayWhy()
    {
        AmqpDelivery d;
        d.body = "plain text";
        const Result<NewTask> noType = mapAmqpMessage(d, config(QString()), *m_handlers);
        QVERIFY(!noType.ok());
        QVERIFY2(noType.errorString().contains(QStringLiteral("no task type")), qPrintable(noType.errorString()));

        d.body = R"({"type":"nosuchtype"})";
        const Result<NewTask> unknown = mapAmqpMessage(d, config(), *m_handlers);
        QVERIFY(!unknown.ok());
        QVERIFY2(unknown.errorString().contains(QStringLiteral("nosuchtype")), qPrintable(unknown.errorString()));

        d.body = R"({"type":"noop","bogus":1})";
        QVERIFY(!mapAmqpMessage(d, config(), *m_handlers).ok());

        // The bridge's type rejects the wrapped payload (sleep needs "ms").
        d.body = "x";
        const Result<NewTask> rejected = mapAmqpMessage(d, config(QStringLiteral("sleep")), *m_handlers);
        QVERIFY(!rejected.ok());
        QVERIFY2(rejected.errorString().contains(QStringLiteral("ms")), qPrintable(rejected.errorString()));
    }

    void keyIsStableAndDistinguishes()
    {
        AmqpDelivery a;
        a.body = "same";
        a.headers = QJsonObject {{QStringLiteral("h"), QStringLiteral("1")}};
        AmqpDelivery b = a;
        b.routingKey = QStringLiteral("another route, same message");
        QCOMPARE(amqpIdempotencyKey(QStringLiteral("q"), a), amqpIdempotencyKey(QStringLiteral("q"), b));
        b.headers = QJsonObject {{QStringLiteral("h"), QStringLiteral("2")}};
        QVERIFY(amqpIdempotencyKey(QStringLiteral("q"), a) != amqpIdempotencyKey(QStringLiteral("q"), b));
        QVERIFY(amqpIdempotencyKey(QStringLiteral("q"), a) != amqpIdempotencyKey(QStringLiteral("r"), a));
        AmqpDelivery c = a;
        c.contentType = QStringLiteral("s");
        c.body = "ame";
        QVERIFY(amqpIdempotencyKey(QStringLiteral("q"), a) != amqpIdempotencyKey(QStringLiteral("q"), c));
    }

    void cliConfiguresBridgesWithoutShowingPasswords()
    {
        QTemporaryDir dir;
        const QProcessEnvironment env = qdtest::isolatedEnvironment(dir);
        const QString db = dir.filePath(QStringLiteral("q.db"));
        const QString url = QStringLiteral("amqp://bob:hunter2@mq.example:5672/prod");
        auto cli = [&](QStringList args) {
            return qdtest::runCli(env, QStringList {QStringLiteral("--db"), db} + args);
        };
        qdtest::CliRun add = cli({QStringLiteral("bridge"), QStringLiteral("add"), QStringLiteral("orders"),
            QStringLiteral("--url"), url, QStringLiteral("--from"), QStringLiteral("orders"), QStringLiteral("--into"),
            QStringLiteral("inbox"), QStringLiteral("--type"), QStringLiteral("noop")});
        QCOMPARE(add.exitCode, 0);
        QVERIFY2(!add.out.contains("hunter2") && !add.err.contains("hunter2"), add.out.constData());
        QCOMPARE(cli({QStringLiteral("bridge"), QStringLiteral("add"), QStringLiteral("orders"),
                         QStringLiteral("--url"), url, QStringLiteral("--from"), QStringLiteral("x")})
                     .exitCode,
            5); // the name is taken
        QCOMPARE(cli({QStringLiteral("bridge"), QStringLiteral("add"), QStringLiteral("b"), QStringLiteral("--url"),
                         url, QStringLiteral("--from"), QStringLiteral("x"), QStringLiteral("--type"),
                         QStringLiteral("nosuchtype")})
                     .exitCode,
            5);
        QCOMPARE(cli({QStringLiteral("bridge"), QStringLiteral("pause"), QStringLiteral("orders")}).exitCode, 0);
        const qdtest::CliRun list = cli({QStringLiteral("--json"), QStringLiteral("bridge"), QStringLiteral("list")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY2(!list.out.contains("hunter2"), list.out.constData());
        const QJsonArray rows = QJsonDocument::fromJson(list.out).array();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].toObject().value(u"paused").toBool(), true);
        QCOMPARE(rows[0].toObject().value(u"config").toObject().value(u"url").toString(),
            QStringLiteral("amqp://bob@mq.example:5672/prod"));
        const qdtest::CliRun text = cli({QStringLiteral("bridge"), QStringLiteral("list")});
        QVERIFY2(text.out.contains("orders  (paused)") && !text.out.contains("hunter2"), text.out.constData());
        QCOMPARE(cli({QStringLiteral("bridge"), QStringLiteral("remove"), QStringLiteral("nosuch")}).exitCode, 3);
        // Each command changes its own kind of source only.
        QCOMPARE(cli({QStringLiteral("spool"), QStringLiteral("remove"), QStringLiteral("orders")}).exitCode, 3);
        QCOMPARE(cli({QStringLiteral("bridge"), QStringLiteral("remove"), QStringLiteral("orders")}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("bridge"), QStringLiteral("amqp"), QStringLiteral("--url"), url}).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestAmqpConfig)
#include "tst_amqpconfig.moc"
