#include "core/handlers/accesslogparser.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTest>

using namespace qd;

class AccessLogParserTest : public QObject {
    Q_OBJECT

private slots:
    void commonFormat();
    void combinedFormatWithEscapedQuotes();
    void variants_data();
    void variants();
    void malformed_data();
    void malformed();
    void everyPrefixIsSafe();
    void randomMutationsAreSafe();
};

void AccessLogParserTest::commonFormat()
{
    const QByteArray line
        = R"(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?x=1 HTTP/1.0" 200 2326)";
    const auto record = AccessLogParser::parseLine(line);
    QVERIFY(record);
    QCOMPARE(record->remoteHost, QByteArrayView("127.0.0.1"));
    QCOMPARE(record->user, QByteArrayView("frank"));
    QCOMPARE(record->timestampMs, QDateTime(QDate(2000, 10, 10), QTime(20, 55, 36), Qt::UTC).toMSecsSinceEpoch());
    QCOMPARE(record->method, QByteArrayView("GET"));
    QCOMPARE(record->target, QByteArrayView("/apache_pb.gif?x=1"));
    QCOMPARE(record->path(), QByteArrayView("/apache_pb.gif"));
    QCOMPARE(record->protocol, QByteArrayView("HTTP/1.0"));
    QCOMPARE(record->status, 200);
    QCOMPARE(record->bytes, 2326);
    QVERIFY(!record->combined);
}

void AccessLogParserTest::combinedFormatWithEscapedQuotes()
{
    const QByteArray line = R"(2001:db8::1 - - [01/Jan/2024:00:00:59 +0130] "POST /api/v1/items HTTP/2.0" 503 - )"
                            R"x("https://example.com/a?b=\"c\"" "Mozilla/5.0 (X11; \"quoted\")")x"
                            "\r\n";
    const auto record = AccessLogParser::parseLine(line);
    QVERIFY(record);
    QCOMPARE(record->remoteHost, QByteArrayView("2001:db8::1"));
    QCOMPARE(record->timestampMs, QDateTime(QDate(2023, 12, 31), QTime(22, 30, 59), Qt::UTC).toMSecsSinceEpoch());
    QCOMPARE(record->status, 503);
    QCOMPARE(record->bytes, 0);
    QVERIFY(record->combined);
    QCOMPARE(record->referer, QByteArrayView(R"(https://example.com/a?b=\"c\")"));
    QCOMPARE(record->userAgent, QByteArrayView(R"x(Mozilla/5.0 (X11; \"quoted\"))x"));
}

void AccessLogParserTest::variants_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<qint64>("bytes");
    QTest::newRow("request dash (408)") << QByteArray(R"(10.0.0.1 - - [29/Feb/2024:23:59:59 +0000] "-" 408 0)")
                                        << QByteArray() << QByteArray() << 408 << qint64(0);
    QTest::newRow("HTTP/0.9 style") << QByteArray(R"(10.0.0.1 - - [29/Feb/2024:23:59:59 +0000] "GET /old" 200 12)")
                                    << QByteArray("GET") << QByteArray("/old") << 200 << qint64(12);
    QTest::newRow("scanner garbage request")
        << QByteArray(R"(10.0.0.1 - - [29/Feb/2024:23:59:59 +0000] "\x16\x03\x01" 400 157)") << QByteArray()
        << QByteArray() << 400 << qint64(157);
    QTest::newRow("extra %D field") << QByteArray(R"(h - - [01/Mar/2024:01:02:03 -0000] "HEAD / HTTP/1.1" 304 - 1234)")
                                    << QByteArray("HEAD") << QByteArray("/") << 304 << qint64(0);
    QTest::newRow("newline") << QByteArray("h - - [01/Mar/2024:01:02:03 +0000] \"GET /a HTTP/1.1\" 200 5\n")
                             << QByteArray("GET") << QByteArray("/a") << 200 << qint64(5);
    QTest::newRow("big bytes") << QByteArray(R"(h - - [01/Mar/2024:01:02:03 +0000] "GET /iso HTTP/1.1" 200 4700000000)")
                               << QByteArray("GET") << QByteArray("/iso") << 200 << qint64(4700000000);
    QTest::newRow("fields after user agent")
        << QByteArray(R"(h - - [01/Mar/2024:01:02:03 +0000] "GET /x HTTP/1.1" 201 1 "-" "ua" "extra" 0.003)")
        << QByteArray("GET") << QByteArray("/x") << 201 << qint64(1);
}

void AccessLogParserTest::variants()
{
    QFETCH(QByteArray, line);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(int, status);
    QFETCH(qint64, bytes);
    const auto record = AccessLogParser::parseLine(line);
    QVERIFY(record);
    QCOMPARE(record->method.toByteArray(), method);
    QCOMPARE(record->path().toByteArray(), path);
    QCOMPARE(record->status, status);
    QCOMPARE(record->bytes, bytes);
}

void AccessLogParserTest::malformed_data()
{
    QTest::addColumn<QByteArray>("line");
    const QByteArray good = R"(h - - [01/Mar/2024:01:02:03 +0000] "GET / HTTP/1.1" 200 5)";
    QVERIFY(AccessLogParser::parseLine(good));
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("spaces") << QByteArray("   ");
    QTest::newRow("json") << QByteArray(R"({"level":"info","msg":"GET /"})");
    QTest::newRow("no brackets") << QByteArray(R"(h - - 01/Mar/2024:01:02:03 +0000 "GET / HTTP/1.1" 200 5)");
    QTest::newRow("bad month") << QByteArray(R"(h - - [01/Mrz/2024:01:02:03 +0000] "GET / HTTP/1.1" 200 5)");
    QTest::newRow("bad hour") << QByteArray(R"(h - - [01/Mar/2024:25:02:03 +0000] "GET / HTTP/1.1" 200 5)");
    QTest::newRow("no zone") << QByteArray(R"(h - - [01/Mar/2024:01:02:03] "GET / HTTP/1.1" 200 5)");
    QTest::newRow("status 99") << QByteArray(R"(h - - [01/Mar/2024:01:02:03 +0000] "GET / HTTP/1.1" 99 5)");
    QTest::newRow("status 600") << QByteArray(R"(h - - [01/Mar/2024:01:02:03 +0000] "GET / HTTP/1.1" 600 5)");
    QTest::newRow("status text") << QByteArray(R"(h - - [01/Mar/2024:01:02:03 +0000] "GET / HTTP/1.1" OK 5)");
    QTest::newRow("negative bytes") << QByteArray(R"(h - - [01/Mar/2024:01:02:03 +0000] "GET / HTTP/1.1" 200 -5)");
    QTest::newRow("no bytes") << QByteArray(R"(h - - [01/Mar/2024:01:02:03 +0000] "GET / HTTP/1.1" 200)");
    QTest::newRow("unterminated request") << QByteArray(R"(h - - [01/Mar/2024:01:02:03 +0000] "GET / HTTP/1.1 200 5)");
    QTest::newRow("unterminated agent") << QByteArray(
        R"(h - - [01/Mar/2024:01:02:03 +0000] "GET / HTTP/1.1" 200 5 "-" "Mozilla)");
    QTest::newRow("backslash at end") << QByteArray(R"(h - - [01/Mar/2024:01:02:03 +0000] "GET / HTTP/1.1\)");
}

void AccessLogParserTest::malformed()
{
    QFETCH(QByteArray, line);
    QVERIFY(!AccessLogParser::parseLine(line));
}

void AccessLogParserTest::everyPrefixIsSafe()
{
    const QByteArray line = R"(192.168.1.20 - bob [05/Jun/2023:10:11:12 +0200] "PUT /a/b?c HTTP/1.1" 201 77 "r" "u")";
    const qsizetype bytesStart = line.indexOf(" 77") + 1;
    for (qsizetype n = 0; n <= line.size(); ++n) {
        // Copy, so that ASan catches any read past the prefix.
        const QByteArray prefix = line.left(n);
        const auto record = AccessLogParser::parseLine(prefix);
        if (n <= bytesStart)
            QVERIFY2(!record, prefix.constData());
    }
    QVERIFY(AccessLogParser::parseLine(line)->combined);
}

// A cheap stand-in for a fuzzer: random edits of valid lines must never crash or read out of bounds (run under
// ASan), and whatever parses must have sane fields.
void AccessLogParserTest::randomMutationsAreSafe()
{
    const QList<QByteArray> seeds {
        R"(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326)",
        R"(::1 - - [01/Jan/2024:00:00:59 +0130] "POST /api HTTP/2.0" 503 - "https://e.com/\"x\"" "UA \"q\"")",
    };
    QRandomGenerator random(12345);
    int parsed = 0;
    for (int i = 0; i < 20000; ++i) {
        QByteArray line = seeds.at(i % seeds.size());
        const int edits = 1 + int(random.bounded(4));
        for (int e = 0; e < edits; ++e) {
            const auto pos = qsizetype(random.bounded(int(line.size())));
            switch (random.bounded(3)) {
            case 0:
                line[pos] = char(random.bounded(256));
                break;
            case 1:
                line.remove(pos, 1 + random.bounded(5));
                break;
            default:
                line.insert(pos, char(" \"[]\\-/:0"[random.bounded(9)]));
                break;
            }
            if (line.isEmpty())
                break;
        }
        const QByteArray copy = line; // exact-size allocation for ASan
        if (const auto record = AccessLogParser::parseLine(copy)) {
            ++parsed;
            QVERIFY(record->status >= 100 && record->status <= 599);
            QVERIFY(record->bytes >= 0);
            QVERIFY(!record->remoteHost.isEmpty());
        }
    }
    QVERIFY(parsed > 0); // some edits (inside paths, agents) still parse
}

QTEST_APPLESS_MAIN(AccessLogParserTest)
#include "tst_accesslogparser.moc"
