#include "webhooksink.h"

#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

using namespace qd;
using namespace Qt::StringLiterals;

// The sink and the raw client share the test thread; QTRY_* keeps the event loop turning for both.
class WebhookSinkTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void answersPostWithConfiguredStatus();
    void statusPathOverridesAndRetryAfter();
    void bodyArrivingInPieces();
    void rejectsWhatItCannotHandle_data();
    void rejectsWhatItCannotHandle();
    void delayedAnswer();
    void keepsTheLatestHundredRequests();

private:
    QByteArray exchange(const QByteArray& request, int timeoutMs = 5000);

    std::unique_ptr<WebhookSink> m_sink;
};

void WebhookSinkTest::init()
{
    m_sink = std::make_unique<WebhookSink>();
    QVERIFY(m_sink->listen());
    QVERIFY(m_sink->port() != 0);
    QCOMPARE(m_sink->url().toString(), u"http://127.0.0.1:%1/hook"_s.arg(m_sink->port()));
}

// Sends a raw request and returns everything the sink answers until it closes the connection.
QByteArray WebhookSinkTest::exchange(const QByteArray& request, int timeoutMs)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_sink->port());
    QByteArray answer;
    bool closed = false;
    connect(&socket, &QTcpSocket::readyRead, this, [&] { answer += socket.readAll(); });
    connect(&socket, &QTcpSocket::disconnected, this, [&] { closed = true; });
    connect(&socket, &QTcpSocket::connected, this, [&] { socket.write(request); });
    QElapsedTimer timer;
    timer.start();
    while (!closed && timer.elapsed() < timeoutMs)
        QTest::qWait(5);
    answer += socket.readAll();
    return answer;
}

void WebhookSinkTest::answersPostWithConfiguredStatus()
{
    QSignalSpy spy(m_sink.get(), &WebhookSink::requestReceived);
    const QByteArray answer = exchange("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                       "X-Custom: a: b\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
    QVERIFY2(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer.constData());
    QVERIFY(answer.contains("Connection: close\r\n"));
    QVERIFY(answer.endsWith(R"({"received":1,"status":200})"));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toInt(), 1);
    const WebhookSink::Request request = m_sink->requests().constFirst();
    QCOMPARE(request.method, QByteArray("POST"));
    QCOMPARE(request.path, QByteArray("/hook"));
    QCOMPARE(request.body, QByteArray(R"({"a":1})"));
    QCOMPARE(request.header("x-custom"), QByteArray("a: b"));

    m_sink->setStatus(500);
    QVERIFY(exchange("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").startsWith("HTTP/1.1 500 "));
    QCOMPARE(m_sink->requestCount(), 2);
}

void WebhookSinkTest::statusPathOverridesAndRetryAfter()
{
    m_sink->setRetryAfterSeconds(12);
    const QByteArray answer = exchange("POST /status/429 HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    QVERIFY2(answer.startsWith("HTTP/1.1 429 Too Many Requests\r\n"), answer.constData());
    QVERIFY(answer.contains("Retry-After: 12\r\n"));
    // Only 429 and 503 carry it.
    QVERIFY(!exchange("POST /status/500 HTTP/1.1\r\nContent-Length: 0\r\n\r\n").contains("Retry-After"));
    // Nonsense after /status/ is ignored.
    QVERIFY(exchange("POST /status/abc HTTP/1.1\r\nContent-Length: 0\r\n\r\n").startsWith("HTTP/1.1 200 "));
}

void WebhookSinkTest::bodyArrivingInPieces()
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_sink->port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("POST /hook HTTP/1.1\r\nContent-Le");
    QTest::qWait(30);
    socket.write("ngth: 10\r\n\r\n01234");
    QTest::qWait(30);
    QCOMPARE(m_sink->requestCount(), 0);
    socket.write("56789");
    QTRY_COMPARE_WITH_TIMEOUT(m_sink->requestCount(), 1, 5000);
    QCOMPARE(m_sink->requests().constFirst().body, QByteArray("0123456789"));
}

void WebhookSinkTest::rejectsWhatItCannotHandle_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("status");
    QTest::newRow("bad request line") << QByteArray("HELLO\r\n\r\n") << QByteArray("400");
    QTest::newRow("chunked") << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                             << QByteArray("411");
    QTest::newRow("bad length") << QByteArray("POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n") << QByteArray("411");
    QTest::newRow("too large") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")
                               << QByteArray("413");
    QTest::newRow("endless header") << QByteArray(70 * 1024, 'a') << QByteArray("400");
}

void WebhookSinkTest::rejectsWhatItCannotHandle()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, status);
    const QByteArray answer = exchange(request);
    QVERIFY2(answer.startsWith(QByteArray("HTTP/1.1 " + status + ' ')), answer.left(100).constData());
    QCOMPARE(m_sink->requestCount(), 0); // not counted as webhook calls
}

void WebhookSinkTest::delayedAnswer()
{
    m_sink->setResponseDelayMs(300);
    QElapsedTimer timer;
    timer.start();
    const QByteArray answer = exchange("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    QVERIFY(answer.startsWith("HTTP/1.1 200 "));
    QVERIFY2(timer.elapsed() >= 290, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(m_sink->requestCount(), 1); // counted on arrival
}

void WebhookSinkTest::keepsTheLatestHundredRequests()
{
    for (int i = 0; i < 105; ++i) {
        const QByteArray body = QByteArray::number(i);
        exchange("POST / HTTP/1.1\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    }
    QCOMPARE(m_sink->requestCount(), 105);
    const auto requests = m_sink->requests();
    QCOMPARE(requests.size(), 100);
    QCOMPARE(requests.constFirst().body, QByteArray("5"));
    QCOMPARE(requests.constLast().body, QByteArray("104"));
}

QTEST_GUILESS_MAIN(WebhookSinkTest)
#include "tst_webhooksink.moc"
