#include "core/handlercontext.h"
#include "core/handlers/notifyhandler.h"
#include "handlertestutil.h"
#include "webhooksink.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpServer>
#include <QTest>

#include <thread>

using namespace qd;
using namespace Qt::StringLiterals;
using Outcome = HandlerResult::Outcome;

// The sink serves from this (the test) thread; every run() happens on another thread, as on a worker.
class NotifyHandlerTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void postsJsonBodyAndHeaders();
    void bodyMayBeAnArray();
    void statusClasses_data();
    void statusClasses();
    void retryAfterSecondsIsPassedOn();
    void connectionRefusedIsRetryable();
    void timeoutIsRetryableAndPrompt();
    void stopWhileWaitingReturnsPromptly_data();
    void stopWhileWaitingReturnsPromptly();
    void concurrentRunsOnOneInstance();
    void validation_data();
    void validation();
    void policyRefusesLiteralAddressAtEnqueue();
    void policyRefusesNameByItsAddresses();
    void policyChecksEveryRedirect();
    void defaultPolicyRefusesMetadataAddress();

private:
    HandlerResult runAndWait(const QJsonObject& payload, int waitMs = 10000);
    HandlerResult runAndWait(const NotifyHandler& handler, const QJsonObject& payload, int waitMs = 10000);

    std::unique_ptr<WebhookSink> m_sink;
    NotifyHandler m_handler;
};

void NotifyHandlerTest::init()
{
    m_sink = std::make_unique<WebhookSink>();
    QVERIFY2(m_sink->listen(), qPrintable(m_sink->errorString()));
}

HandlerResult NotifyHandlerTest::runAndWait(const QJsonObject& payload, int waitMs)
{
    return runAndWait(m_handler, payload, waitMs);
}

HandlerResult NotifyHandlerTest::runAndWait(const NotifyHandler& handler, const QJsonObject& payload, int waitMs)
{
    HandlerContext context(1, 1, QStringLiteral("hooks"));
    auto future = test::runAsync(handler, payload, context);
    if (!test::waitFor(future, waitMs)) {
        context.requestStop(StopReason::ShuttingDown);
        future.wait();
        return HandlerResult::permanent(QStringLiteral("test: run() did not return in time"));
    }
    return future.get();
}

void NotifyHandlerTest::postsJsonBodyAndHeaders()
{
    const QJsonObject body {{QStringLiteral("text"), QStringLiteral("héllo")}, {QStringLiteral("n"), 3}};
    const HandlerResult result = runAndWait(QJsonObject {
        {QStringLiteral("url"), m_sink->url().toString()},
        {QStringLiteral("body"), body},
        {QStringLiteral("headers"), QJsonObject {{QStringLiteral("X-Token"), QStringLiteral("s3cret")}}},
    });
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(result.result.value(QStringLiteral("status")).toInt(), 200);
    QVERIFY2(
        result.result.value(QStringLiteral("responseExcerpt")).toString().contains(QLatin1String("\"received\":1")),
        qPrintable(result.result.value(QStringLiteral("responseExcerpt")).toString()));
    QVERIFY(result.result.value(QStringLiteral("elapsedMs")).toInteger() >= 0);

    QCOMPARE(m_sink->requestCount(), 1);
    const WebhookSink::Request request = m_sink->requests().constFirst();
    QCOMPARE(request.method, QByteArray("POST"));
    QCOMPARE(request.path, QByteArray("/hook"));
    QCOMPARE(request.header("x-token"), QByteArray("s3cret"));
    QCOMPARE(request.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(QJsonDocument::fromJson(request.body).object(), body);
}

void NotifyHandlerTest::bodyMayBeAnArray()
{
    const HandlerResult result = runAndWait(QJsonObject {
        {QStringLiteral("url"), m_sink->url().toString()},
        {QStringLiteral("body"), QJsonArray {1, QStringLiteral("two")}},
    });
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(m_sink->requests().constFirst().body, QByteArray(R"([1,"two"])"));
}

void NotifyHandlerTest::statusClasses_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("outcome");
    QTest::newRow("201") << 201 << int(Outcome::Success);
    QTest::newRow("204") << 204 << int(Outcome::Success);
    QTest::newRow("400") << 400 << int(Outcome::PermanentError);
    QTest::newRow("404") << 404 << int(Outcome::PermanentError);
    QTest::newRow("410") << 410 << int(Outcome::PermanentError);
    QTest::newRow("429") << 429 << int(Outcome::RetryableError);
    QTest::newRow("500") << 500 << int(Outcome::RetryableError);
    QTest::newRow("502") << 502 << int(Outcome::RetryableError);
    QTest::newRow("503") << 503 << int(Outcome::RetryableError);
}

void NotifyHandlerTest::statusClasses()
{
    QFETCH(int, status);
    QFETCH(int, outcome);
    m_sink->setStatus(status);
    const HandlerResult result = runAndWait(QJsonObject {{QStringLiteral("url"), m_sink->url().toString()}});
    QD_COMPARE_OUTCOME(result, Outcome(outcome));
    if (Outcome(outcome) == Outcome::Success)
        QCOMPARE(result.result.value(QStringLiteral("status")).toInt(), status);
    else
        QVERIFY2(result.error.contains(QString::number(status)), qPrintable(result.error));
    QVERIFY(!result.retryAfterMs.has_value());
    QCOMPARE(m_sink->requestCount(), 1);

    // The path override gives the same answer whatever the configured status.
    m_sink->setStatus(200);
    QUrl url = m_sink->url();
    url.setPath(u"/status/%1"_s.arg(status));
    QD_COMPARE_OUTCOME(runAndWait(QJsonObject {{QStringLiteral("url"), url.toString()}}), Outcome(outcome));
}

void NotifyHandlerTest::retryAfterSecondsIsPassedOn()
{
    m_sink->setStatus(503);
    m_sink->setRetryAfterSeconds(7);
    HandlerResult result = runAndWait(QJsonObject {{QStringLiteral("url"), m_sink->url().toString()}});
    QD_COMPARE_OUTCOME(result, Outcome::RetryableError);
    QCOMPARE(result.retryAfterMs, std::optional<qint64>(7000));

    m_sink->setStatus(429);
    m_sink->setRetryAfterSeconds(0);
    result = runAndWait(QJsonObject {{QStringLiteral("url"), m_sink->url().toString()}});
    QD_COMPARE_OUTCOME(result, Outcome::RetryableError);
    QCOMPARE(result.retryAfterMs, std::optional<qint64>(0));
}

void NotifyHandlerTest::connectionRefusedIsRetryable()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();
    const HandlerResult result
        = runAndWait(QJsonObject {{QStringLiteral("url"), u"http://127.0.0.1:%1/x"_s.arg(port)}});
    QD_COMPARE_OUTCOME(result, Outcome::RetryableError);
    QVERIFY2(result.error.contains(QLatin1String("127.0.0.1")), qPrintable(result.error));
}

void NotifyHandlerTest::timeoutIsRetryableAndPrompt()
{
    m_sink->setResponseDelayMs(5000);
    QElapsedTimer timer;
    timer.start();
    const HandlerResult result = runAndWait(
        QJsonObject {{QStringLiteral("url"), m_sink->url().toString()}, {QStringLiteral("timeoutMs"), 300}});
    const qint64 ms = timer.elapsed();
    QD_COMPARE_OUTCOME(result, Outcome::RetryableError);
    QVERIFY2(result.error.contains(QLatin1String("300 ms")), qPrintable(result.error));
    QVERIFY2(ms >= 250 && ms < 2500, qPrintable(QString::number(ms)));
}

void NotifyHandlerTest::stopWhileWaitingReturnsPromptly_data()
{
    QTest::addColumn<int>("reason");
    QTest::newRow("cancelled by user") << int(StopReason::CancelledByUser);
    QTest::newRow("task timeout") << int(StopReason::TimedOut);
    QTest::newRow("shutdown") << int(StopReason::ShuttingDown);
}

void NotifyHandlerTest::stopWhileWaitingReturnsPromptly()
{
    QFETCH(int, reason);
    m_sink->setResponseDelayMs(10000);
    HandlerContext context(1, 1, QStringLiteral("hooks"));
    auto future = test::runAsync(m_handler, QJsonObject {{QStringLiteral("url"), m_sink->url().toString()}}, context);
    // Stop only once the request has arrived, so the handler is really blocked waiting for the answer.
    QTRY_COMPARE_WITH_TIMEOUT(m_sink->requestCount(), 1, 5000);
    QElapsedTimer timer;
    timer.start();
    context.requestStop(StopReason(reason));
    QVERIFY(test::waitFor(future, 3000));
    QVERIFY2(timer.elapsed() < 1000, qPrintable(QString::number(timer.elapsed())));
    QD_COMPARE_OUTCOME(future.get(), Outcome::RetryableError);
}

void NotifyHandlerTest::concurrentRunsOnOneInstance()
{
    constexpr int runs = 8;
    std::vector<std::unique_ptr<HandlerContext>> contexts;
    std::vector<test::AsyncRun> futures;
    for (int i = 0; i < runs; ++i) {
        contexts.push_back(std::make_unique<HandlerContext>(i, 1, QStringLiteral("hooks")));
        futures.push_back(test::runAsync(m_handler,
            QJsonObject {{QStringLiteral("url"), m_sink->url().toString()}, {QStringLiteral("body"), i}},
            *contexts.back()));
    }
    for (auto& future : futures) {
        QVERIFY(test::waitFor(future, 10000));
        QD_COMPARE_OUTCOME(future.get(), Outcome::Success);
    }
    QCOMPARE(m_sink->requestCount(), runs);
}

void NotifyHandlerTest::validation_data()
{
    QTest::addColumn<QJsonObject>("payload");
    QTest::addColumn<QString>("field");
    QTest::newRow("no url") << QJsonObject {} << QStringLiteral("\"url\"");
    QTest::newRow("url not string") << QJsonObject {{QStringLiteral("url"), 5}} << QStringLiteral("\"url\"");
    QTest::newRow("ftp") << QJsonObject {{QStringLiteral("url"), QStringLiteral("ftp://example.com/x")}}
                         << QStringLiteral("\"url\"");
    QTest::newRow("file") << QJsonObject {{QStringLiteral("url"), QStringLiteral("file:///etc/passwd")}}
                          << QStringLiteral("\"url\"");
    QTest::newRow("no host") << QJsonObject {{QStringLiteral("url"), QStringLiteral("http:///x")}}
                             << QStringLiteral("\"url\"");
    const QString ok = QStringLiteral("http://127.0.0.1:1/x");
    QTest::newRow("headers not object") << QJsonObject {{QStringLiteral("url"), ok}, {QStringLiteral("headers"), 1}}
                                        << QStringLiteral("\"headers\"");
    QTest::newRow("header value not string") << QJsonObject {{QStringLiteral("url"), ok},
        {QStringLiteral("headers"), QJsonObject {{QStringLiteral("A"), 1}}}}
                                             << QStringLiteral("\"headers\"");
    QTest::newRow("bad header name") << QJsonObject {{QStringLiteral("url"), ok},
        {QStringLiteral("headers"), QJsonObject {{QStringLiteral("Bad Name"), QStringLiteral("v")}}}}
                                     << QStringLiteral("\"headers\"");
    QTest::newRow("header injection") << QJsonObject {{QStringLiteral("url"), ok},
        {QStringLiteral("headers"), QJsonObject {{QStringLiteral("A"), QStringLiteral("v\r\nB: w")}}}}
                                      << QStringLiteral("\"headers\"");
    QTest::newRow("timeout zero") << QJsonObject {{QStringLiteral("url"), ok}, {QStringLiteral("timeoutMs"), 0}}
                                  << QStringLiteral("\"timeoutMs\"");
}

void NotifyHandlerTest::validation()
{
    QFETCH(QJsonObject, payload);
    QFETCH(QString, field);
    const std::optional<QString> error = m_handler.validate(payload);
    QVERIFY(error.has_value());
    QVERIFY2(error->contains(field), qPrintable(*error));
    HandlerContext context(1, 1, QString());
    QD_COMPARE_OUTCOME(m_handler.run(payload, context), Outcome::PermanentError);
    QVERIFY(!m_handler.validate(m_handler.payloadTemplate()).has_value());
}

// The policy end to end, on loopback only: a policy that refuses loopback, against a sink that must see nothing.
void NotifyHandlerTest::policyRefusesLiteralAddressAtEnqueue()
{
    NetworkPolicy policy;
    policy.refuseLoopback = true;
    const NotifyHandler guarded(policy);
    const QJsonObject payload {{QStringLiteral("url"), m_sink->url().toString()}};
    const auto error = guarded.validate(payload);
    QVERIFY(error);
    QVERIFY2(error->contains(QLatin1String("loopback")), qPrintable(*error));
    QD_COMPARE_OUTCOME(runAndWait(guarded, payload), Outcome::PermanentError);
    QCOMPARE(m_sink->requestCount(), 0);
    // The same request passes the default policy: the refusal above is the policy's doing.
    QD_COMPARE_OUTCOME(runAndWait(payload), Outcome::Success);
    QCOMPARE(m_sink->requestCount(), 1);
}

void NotifyHandlerTest::policyRefusesNameByItsAddresses()
{
    NetworkPolicy policy;
    policy.refuseLoopback = true;
    const NotifyHandler guarded(policy);
    const QJsonObject payload {{QStringLiteral("url"), u"http://localhost:%1/hook"_s.arg(m_sink->port())}};
    QVERIFY(!guarded.validate(payload)); // a name is judged once resolved, when the task runs
    const HandlerResult result = runAndWait(guarded, payload);
    QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
    QVERIFY2(result.error.contains(QLatin1String("localhost resolves to")), qPrintable(result.error));
    QCOMPARE(m_sink->requestCount(), 0);
}

void NotifyHandlerTest::policyChecksEveryRedirect()
{
    // The first sink redirects to the second, on another port, under a name the allow-list does not hold.
    WebhookSink target;
    QVERIFY(target.listen());
    const QString next = u"http://localhost:%1/hook"_s.arg(target.port());
    const QJsonObject payload {{QStringLiteral("url"),
        u"http://127.0.0.1:%1/redirect?to=%2"_s.arg(m_sink->port())
            .arg(QString::fromLatin1(QUrl::toPercentEncoding(next)))}};

    NetworkPolicy listed;
    listed.allowedHosts = {QStringLiteral("127.0.0.1")};
    const HandlerResult refused = runAndWait(NotifyHandler(listed), payload);
    QD_COMPARE_OUTCOME(refused, Outcome::PermanentError);
    QVERIFY2(refused.error.contains(QLatin1String("redirected to")), qPrintable(refused.error));
    QCOMPARE(m_sink->requestCount(), 1);
    QCOMPARE(target.requestCount(), 0);

    listed.allowedHosts.append(QStringLiteral("localhost"));
    QD_COMPARE_OUTCOME(runAndWait(NotifyHandler(listed), payload), Outcome::Success);
    QCOMPARE(target.requestCount(), 1);
}

void NotifyHandlerTest::defaultPolicyRefusesMetadataAddress()
{
    // Refused before any packet: at validation, and by run() itself.
    const QJsonObject payload {{QStringLiteral("url"), QStringLiteral("http://169.254.169.254/latest/meta-data/")}};
    const auto error = m_handler.validate(payload);
    QVERIFY(error);
    QVERIFY2(error->contains(QLatin1String("link-local")), qPrintable(*error));
    HandlerContext context(1, 1, QString());
    QD_COMPARE_OUTCOME(m_handler.run(payload, context), Outcome::PermanentError);
}

QTEST_GUILESS_MAIN(NotifyHandlerTest)
#include "tst_notifyhandler.moc"
