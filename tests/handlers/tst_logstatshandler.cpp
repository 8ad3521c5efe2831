#include "core/handlercontext.h"
#include "core/handlers/logstatshandler.h"
#include "handlertestutil.h"

#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <zlib.h>

#include <atomic>
#include <cmath>
#include <thread>

using namespace qd;
using namespace Qt::StringLiterals;
using Outcome = HandlerResult::Outcome;

class LogStatsHandlerTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void summarisesPlainLog();
    void summarisesGzipLog();
    void truncatedGzipIsPermanent();
    void missingFileIsPermanent();
    void notAnAccessLogIsPermanent();
    void emptyLogSucceeds();
    void overlongLineIsMalformedNotFatal();
    void nulPaddingAndLineEndings();
    void distinctPathsBeyondTheCapAreEstimated();
    void stopWhileReadingReturnsPromptly();
    void progressIsBytesReadOverSize();
    void concurrentRunsOnOneInstance();
    void validation_data();
    void validation();

private:
    // A log with known statistics: see the expectations in checkKnownStats().
    QByteArray knownLog() const;
    void checkKnownStats(const QJsonObject& result);
    QString write(const QString& name, const QByteArray& data);
    QString writeGzip(const QString& name, const QByteArray& data);
    QByteArray bigLog(int lines) const;

    QTemporaryDir m_dir;
    LogStatsHandler m_handler;
};

void LogStatsHandlerTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

QByteArray LogStatsHandlerTest::knownLog() const
{
    QByteArray log;
    auto line = [&](int minute, int second, const char* path, int status, const char* bytes, bool combined) {
        log += "10.0.0." + QByteArray::number(minute)
            + " - - [15/Mar/2024:10:" + QByteArray::number(minute).rightJustified(2, '0') + ':'
            + QByteArray::number(second).rightJustified(2, '0') + " +0100] \"GET " + path + " HTTP/1.1\" "
            + QByteArray::number(status) + ' ' + bytes;
        if (combined)
            log += R"( "https://ref.example/" "Mozilla/5.0")";
        log += '\n';
    };
    // Minute 0: 5 requests, minute 1: 2, minute 3: 1 (4 minutes spanned, 8 requests... plus below).
    line(0, 1, "/index.html", 200, "1000", true);
    line(0, 2, "/index.html?utm=x", 200, "1000", false);
    line(0, 3, "/index.html", 304, "-", true);
    line(0, 4, "/api/items", 201, "10", true);
    line(0, 5, "/missing", 404, "50", false);
    log += "this line is garbage\n";
    line(1, 0, "/api/items", 500, "20", true);
    line(1, 30, "/index.html", 200, "1000", true);
    log += "\n";
    log += "10.0.0.9 - - [15/Mar/2024:10:02:00 +0100] \"GET /x HTTP/1.1\" 2OO 5\n"; // malformed status
    line(3, 59, "/api/items", 101, "0", false);
    return log;
}

void LogStatsHandlerTest::checkKnownStats(const QJsonObject& result)
{
    QCOMPARE(result.value(u"requests"_s).toInteger(), 8);
    QCOMPARE(result.value(u"lines"_s).toInteger(), 10); // the blank line is not counted here...
    QCOMPARE(result.value(u"blankLines"_s).toInteger(), 1); // ...but here
    QCOMPARE(result.value(u"malformedLines"_s).toInteger(), 2);
    // Numbers of lines in the file, as an editor shows them: the blank line 9 counts.
    QCOMPARE(result.value(u"firstMalformedLines"_s).toArray(), (QJsonArray {6, 10}));
    QCOMPARE(result.value(u"bytesServed"_s).toInteger(), 1000 + 1000 + 0 + 10 + 50 + 20 + 1000 + 0);
    const QJsonObject classes = result.value(u"statusClasses"_s).toObject();
    QCOMPARE(classes.value(u"1xx"_s).toInteger(), 1);
    QCOMPARE(classes.value(u"2xx"_s).toInteger(), 4);
    QCOMPARE(classes.value(u"3xx"_s).toInteger(), 1);
    QCOMPARE(classes.value(u"4xx"_s).toInteger(), 1);
    QCOMPARE(classes.value(u"5xx"_s).toInteger(), 1);
    const QJsonArray top = result.value(u"topPaths"_s).toArray();
    QCOMPARE(top.size(), 3); // topN = 3 in these runs
    QCOMPARE(top.at(0).toObject(), (QJsonObject {{u"path"_s, u"/index.html"_s}, {u"requests"_s, 4}}));
    QCOMPARE(top.at(1).toObject(), (QJsonObject {{u"path"_s, u"/api/items"_s}, {u"requests"_s, 3}}));
    QCOMPARE(top.at(2).toObject(), (QJsonObject {{u"path"_s, u"/missing"_s}, {u"requests"_s, 1}}));
    QCOMPARE(result.value(u"distinctPaths"_s).toInteger(), 3);
    QCOMPARE(result.value(u"distinctPathsEstimated"_s), QJsonValue(false)); // present, and false
    QVERIFY(!result.contains(u"distinctPathsStandardErrorPercent"_s));
    QCOMPARE(result.value(u"topPathsExact"_s).toBool(), true);
    QCOMPARE(result.value(u"firstRequestAt"_s).toString(), u"2024-03-15T09:00:01Z"_s);
    QCOMPARE(result.value(u"lastRequestAt"_s).toString(), u"2024-03-15T09:03:59Z"_s);
    QCOMPARE(result.value(u"busiestMinute"_s).toString(), u"2024-03-15T09:00:00Z"_s);
    QCOMPARE(result.value(u"busiestMinuteRequests"_s).toInteger(), 5);
    QCOMPARE(result.value(u"averageRequestsPerMinute"_s).toDouble(), 2.0); // 8 requests over minutes 0..3
}

QString LogStatsHandlerTest::write(const QString& name, const QByteArray& data)
{
    QFile file(m_dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size())
        qFatal("cannot write test log");
    return file.fileName();
}

QString LogStatsHandlerTest::writeGzip(const QString& name, const QByteArray& data)
{
    const QString path = m_dir.filePath(name);
    gzFile file = gzopen(QFile::encodeName(path).constData(), "wb");
    if (!file || gzwrite(file, data.constData(), unsigned(data.size())) != int(data.size()) || gzclose(file) != Z_OK)
        qFatal("cannot write gzip test log");
    return path;
}

QByteArray LogStatsHandlerTest::bigLog(int lines) const
{
    QByteArray log;
    log.reserve(qsizetype(lines) * 120);
    for (int i = 0; i < lines; ++i) {
        log += "192.168.0." + QByteArray::number(i % 250)
            + " - - [15/Mar/2024:10:" + QByteArray::number((i / 1000) % 60).rightJustified(2, '0')
            + ":00 +0000] \"GET /page/" + QByteArray::number(i % 37) + " HTTP/1.1\" 200 " + QByteArray::number(i % 5000)
            + " \"-\" \"Mozilla/5.0 (test)\"\n";
    }
    return log;
}

void LogStatsHandlerTest::summarisesPlainLog()
{
    const QString path = write(u"access.log"_s, knownLog());
    HandlerContext context(1, 1, u"reports"_s);
    const HandlerResult result = m_handler.run(QJsonObject {{u"path"_s, path}, {u"topN"_s, 3}}, context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    checkKnownStats(result.result);
    QCOMPARE(result.result.value(u"compressed"_s).toBool(), false);
    QCOMPARE(result.result.value(u"path"_s).toString(), path);
}

void LogStatsHandlerTest::summarisesGzipLog()
{
    // Whatever the name: compression is detected from the content.
    const QString path = writeGzip(u"access.log.1"_s, knownLog());
    HandlerContext context(1, 1, u"reports"_s);
    const HandlerResult result = m_handler.run(QJsonObject {{u"path"_s, path}, {u"topN"_s, 3}}, context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    checkKnownStats(result.result);
    QCOMPARE(result.result.value(u"compressed"_s).toBool(), true);
}

void LogStatsHandlerTest::truncatedGzipIsPermanent()
{
    const QString full = writeGzip(u"full.gz"_s, bigLog(5000));
    QFile file(full);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString path = write(u"truncated.gz"_s, file.read(file.size() / 2));
    HandlerContext context(1, 1, u"reports"_s);
    const HandlerResult result = m_handler.run(QJsonObject {{u"path"_s, path}}, context);
    QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
    QVERIFY2(result.error.contains(path), qPrintable(result.error));
}

void LogStatsHandlerTest::missingFileIsPermanent()
{
    const QString path = m_dir.filePath(u"nope.log"_s);
    HandlerContext context(1, 1, u"reports"_s);
    const HandlerResult result = m_handler.run(QJsonObject {{u"path"_s, path}}, context);
    QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
    QVERIFY2(result.error.contains(path) && result.error.contains(QLatin1String("does not exist")),
        qPrintable(result.error));
    const HandlerResult directory = m_handler.run(QJsonObject {{u"path"_s, m_dir.path()}}, context);
    QD_COMPARE_OUTCOME(directory, Outcome::PermanentError);
}

void LogStatsHandlerTest::notAnAccessLogIsPermanent()
{
    const QString path = write(u"syslog"_s, "Mar 15 10:00:00 host kernel: hello\nMar 15 10:00:01 host cron: hi\n");
    HandlerContext context(1, 1, u"reports"_s);
    const HandlerResult result = m_handler.run(QJsonObject {{u"path"_s, path}}, context);
    QD_COMPARE_OUTCOME(result, Outcome::PermanentError);
    QVERIFY2(result.error.contains(QLatin1String("log format")), qPrintable(result.error));
}

void LogStatsHandlerTest::emptyLogSucceeds()
{
    const QString path = write(u"empty.log"_s, QByteArray());
    HandlerContext context(1, 1, u"reports"_s);
    const HandlerResult result = m_handler.run(QJsonObject {{u"path"_s, path}}, context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(result.result.value(u"requests"_s).toInteger(), 0);
    QCOMPARE(result.result.value(u"topPaths"_s).toArray().size(), 0);
    QVERIFY(!result.result.contains(u"busiestMinute"_s));
}

void LogStatsHandlerTest::overlongLineIsMalformedNotFatal()
{
    // Longer than the 64 KiB limit: by far, and by less than one read of the file.
    for (const int kib : {200, 100}) {
        QByteArray log
            = "h - - [15/Mar/2024:10:00:00 +0000] \"GET /" + QByteArray(kib * 1024, 'a') + " HTTP/1.1\" 200 5\n";
        log += "h - - [15/Mar/2024:10:00:00 +0000] \"GET /short HTTP/1.1\" 200 5\n";
        const QString path = write(u"long.log"_s, log);
        HandlerContext context(1, 1, u"reports"_s);
        const HandlerResult result = m_handler.run(QJsonObject {{u"path"_s, path}}, context);
        QD_COMPARE_OUTCOME(result, Outcome::Success);
        QCOMPARE(result.result.value(u"lines"_s).toInteger(), 2);
        QCOMPARE(result.result.value(u"malformedLines"_s).toInteger(), 1);
        QCOMPARE(result.result.value(u"firstMalformedLines"_s).toArray(), QJsonArray {1});
        QCOMPARE(result.result.value(u"requests"_s).toInteger(), 1);
        QCOMPARE(
            result.result.value(u"topPaths"_s).toArray().at(0).toObject().value(u"path"_s).toString(), u"/short"_s);
    }
}

void LogStatsHandlerTest::nulPaddingAndLineEndings()
{
    // Issue 16: a line starting with NUL bytes (what a crash leaves where data was never written) was counted
    // neither in "lines" nor as malformed, and the request after the NULs vanished. A run of NULs now ends whatever
    // came before it; what follows is parsed as a line of its own.
    auto request = [](const QByteArray& path) -> QByteArray {
        return "10.0.0.1 - - [15/Mar/2024:10:00:00 +0000] \"GET " + path + " HTTP/1.1\" 200 5";
    };
    const QByteArray nuls(64, '\0');
    QByteArray log;
    log += request("/a") + '\n'; // 1: request
    log += nuls + request("/after-nuls") + '\n'; // 2: request (was lost)
    log += nuls + '\n'; // 3: only NULs: malformed, not blank
    log += request("/crlf") + "\r\n"; // 4: request
    log += "10.0.0.1 - - [15/Mar/2024:10:0" + nuls + request("/after-cut") + '\n'; // 5: malformed + request
    log += request("/trailing-nuls") + nuls + '\n'; // 6: request
    log += "\r\n"; // 7: blank
    log += request(QByteArray("/x\0y", 4)) + '\n'; // 8: cut in two: two malformed
    log += request("/last"); // 9: request, without a final newline
    for (const bool gzip : {false, true}) {
        const QString path = gzip ? writeGzip(u"nuls.log.gz"_s, log) : write(u"nuls.log"_s, log);
        HandlerContext context(1, 1, u"reports"_s);
        const HandlerResult result = m_handler.run(QJsonObject {{u"path"_s, path}, {u"topN"_s, 100}}, context);
        QD_COMPARE_OUTCOME(result, Outcome::Success);
        const QJsonObject stats = result.result;
        QCOMPARE(stats.value(u"requests"_s).toInteger(), 6);
        QCOMPARE(stats.value(u"malformedLines"_s).toInteger(), 4);
        QCOMPARE(stats.value(u"lines"_s).toInteger(), 10);
        QCOMPARE(stats.value(u"lines"_s).toInteger(),
            stats.value(u"requests"_s).toInteger() + stats.value(u"malformedLines"_s).toInteger());
        QCOMPARE(stats.value(u"blankLines"_s).toInteger(), 1);
        QCOMPARE(stats.value(u"firstMalformedLines"_s).toArray(), (QJsonArray {3, 5, 8}));
        QStringList paths;
        for (const QJsonValue& top : stats.value(u"topPaths"_s).toArray())
            paths.append(top.toObject().value(u"path"_s).toString());
        paths.sort();
        QCOMPARE(paths,
            (QStringList {u"/a"_s, u"/after-cut"_s, u"/after-nuls"_s, u"/crlf"_s, u"/last"_s, u"/trailing-nuls"_s}));
        QCOMPARE(stats.value(u"bytesServed"_s).toInteger(), 6 * 5);
    }
}

void LogStatsHandlerTest::distinctPathsBeyondTheCapAreEstimated()
{
    // Issue 16: distinctPaths stopped at 100,000 without saying so. Beyond the exact table's cap it is now a
    // HyperLogLog estimate, marked as such with its standard error. "/hot" is seen first, so it is tracked; 150,000
    // distinct paths follow, the last 50,000 beyond the cap.
    constexpr int distinct = 150000;
    QByteArray log;
    log.reserve(qsizetype(distinct) * 64);
    const QByteArray prefix = "h - - [15/Mar/2024:10:00:00 +0000] \"GET ";
    for (int i = 0; i < 5; ++i)
        log += prefix + "/hot HTTP/1.1\" 200 1\n";
    for (int i = 0; i < distinct; ++i)
        log += prefix + "/p/" + QByteArray::number(i) + " HTTP/1.1\" 200 1\n";
    const QString path = write(u"many-paths.log"_s, log);
    HandlerContext context(1, 1, u"reports"_s);
    const HandlerResult result = m_handler.run(QJsonObject {{u"path"_s, path}}, context);
    QD_COMPARE_OUTCOME(result, Outcome::Success);
    QCOMPARE(result.result.value(u"requests"_s).toInteger(), distinct + 5);
    QCOMPARE(result.result.value(u"distinctPathsEstimated"_s).toBool(), true);
    const double error = result.result.value(u"distinctPathsStandardErrorPercent"_s).toDouble();
    QVERIFY2(error > 0.7 && error < 0.9, qPrintable(QString::number(error))); // 1.04 / sqrt(2^14) = 0.81 %
    const qint64 estimate = result.result.value(u"distinctPaths"_s).toInteger();
    const qint64 truth = distinct + 1;
    QVERIFY2(std::abs(estimate - truth) <= qint64(truth * 3 * error / 100), // within three standard errors
        qPrintable(QString::number(estimate)));
    QCOMPARE(result.result.value(u"topPathsExact"_s).toBool(), false);
    QCOMPARE(result.result.value(u"topPaths"_s).toArray().at(0).toObject(),
        (QJsonObject {{u"path"_s, u"/hot"_s}, {u"requests"_s, 5}}));
}

void LogStatsHandlerTest::stopWhileReadingReturnsPromptly()
{
    const QString path = write(u"big-stop.log"_s, bigLog(40000)); // ~3.5 MB: several progress reports
    std::atomic<bool> reading {false};
    std::unique_ptr<HandlerContext> context;
    // The first progress report past 0 parks the worker until the test thread has asked it to stop, so the stop
    // lands in the middle of the file whatever the machine's speed.
    context = std::make_unique<HandlerContext>(1, 1, u"reports"_s, [&](double fraction, const QString&) {
        if (fraction <= 0.0 || fraction >= 1.0)
            return;
        reading = true;
        QElapsedTimer parked;
        parked.start();
        while (!context->isCancelled() && parked.elapsed() < 5000)
            QThread::msleep(1);
    });
    auto future = test::runAsync(m_handler, QJsonObject {{u"path"_s, path}}, *context);
    QTRY_VERIFY_WITH_TIMEOUT(reading.load(), 5000);
    QElapsedTimer timer;
    timer.start();
    context->requestStop(StopReason::CancelledByUser);
    QVERIFY(test::waitFor(future, 3000));
    QVERIFY2(timer.elapsed() < 500, qPrintable(QString::number(timer.elapsed())));
    const HandlerResult result = future.get();
    QD_COMPARE_OUTCOME(result, Outcome::RetryableError);
    QVERIFY2(result.error.contains(QLatin1String("stopped")), qPrintable(result.error));
}

void LogStatsHandlerTest::progressIsBytesReadOverSize()
{
    for (bool gzip : {false, true}) {
        const QByteArray log = bigLog(gzip ? 120000 : 40000); // the gzip file must be several MiB too
        const QString path = gzip ? writeGzip(u"big.gz"_s, log) : write(u"big.log"_s, log);
        QList<double> fractions;
        HandlerContext context(
            1, 1, u"reports"_s, [&](double fraction, const QString&) { fractions.append(fraction); });
        const HandlerResult result = m_handler.run(QJsonObject {{u"path"_s, path}}, context);
        QD_COMPARE_OUTCOME(result, Outcome::Success);
        QCOMPARE(result.result.value(u"requests"_s).toInteger(), gzip ? 120000 : 40000);
        QCOMPARE(result.result.value(u"topPaths"_s).toArray().size(), 10);
        QVERIFY2(fractions.size() >= 3, qPrintable(QString::number(fractions.size())));
        QCOMPARE(fractions.first(), 0.0);
        QCOMPARE(fractions.last(), 1.0);
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
    }
}

void LogStatsHandlerTest::concurrentRunsOnOneInstance()
{
    const QString path = write(u"shared.log"_s, knownLog());
    std::vector<HandlerResult> results(4);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < results.size(); ++i) {
        threads.emplace_back([&, i] {
            HandlerContext context(qint64(i), 1, u"reports"_s);
            results[i] = m_handler.run(QJsonObject {{u"path"_s, path}, {u"topN"_s, 3}}, context);
        });
    }
    for (auto& thread : threads)
        thread.join();
    for (const HandlerResult& result : results) {
        QD_COMPARE_OUTCOME(result, Outcome::Success);
        checkKnownStats(result.result);
    }
}

void LogStatsHandlerTest::validation_data()
{
    QTest::addColumn<QJsonObject>("payload");
    QTest::addColumn<QString>("field");
    QTest::newRow("no path") << QJsonObject {} << u"\"path\""_s;
    QTest::newRow("empty path") << QJsonObject {{u"path"_s, QString()}} << u"\"path\""_s;
    QTest::newRow("topN zero") << QJsonObject {{u"path"_s, u"x"_s}, {u"topN"_s, 0}} << u"\"topN\""_s;
    QTest::newRow("topN text") << QJsonObject {{u"path"_s, u"x"_s}, {u"topN"_s, u"5"_s}} << u"\"topN\""_s;
}

void LogStatsHandlerTest::validation()
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

QTEST_GUILESS_MAIN(LogStatsHandlerTest)
#include "tst_logstatshandler.moc"
