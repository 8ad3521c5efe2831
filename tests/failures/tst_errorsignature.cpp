// errorSignature(): what each kind of varying part becomes, and texts that must stay apart.
#include "core/failures/errorsignature.h"

#include <QTest>

using namespace qd;

class TestErrorSignature : public QObject {
    Q_OBJECT

private slots:
    void normalises_data()
    {
        QTest::addColumn<QString>("error");
        QTest::addColumn<QString>("signature");
        const auto row = [](const char* name, const char* error, const char* signature) {
            QTest::newRow(name) << QString::fromUtf8(error) << QString::fromUtf8(signature);
        };
        row("plain", "connection refused", "connection refused");
        row("integer", "HTTP 503 from upstream", "HTTP <n> from upstream");
        row("decimal", "took 1.25 s", "took <n> s");
        row("number in word", "task42 failed", "task<n> failed");
        row("ip address", "cannot reach 10.0.0.17 port 8080", "cannot reach <n> port <n>");
        row("0x hex", "segfault at 0x7ffd3c2a", "segfault at <hex>");
        row("hex id", "commit a1b2c3d4e5f6 not found", "commit <hex> not found");
        row("hex-looking word", "deadbeef cafe", "deadbeef cafe");
        row("uuid", "job 123e4567-e89b-12d3-a456-426614174000 lost", "job <uuid> lost");
        row("upper uuid", "job 123E4567-E89B-12D3-A456-426614174000", "job <uuid>");
        row("path", "cannot open /var/spool/in/img_0042.png: no such file", "cannot open <path>: no such file");
        row("path at end", "missing /tmp/x.", "missing <path>.");
        row("url", "POST https://hooks.example.com/a/b?id=7 returned 500", "POST <url> returned <n>");
        row("url in parentheses", "(see http://x.test/y)", "(see <url>)");
        row("iso date", "expired on 2026-12-05", "expired on <time>");
        row("iso time utc", "at 2026-12-05T09:28:24.123Z retry", "at <time> retry");
        row("iso time offset", "at 2026-12-05T09:28:24+01:00", "at <time>");
        row("iso time space", "at 2026-12-05 09:28:24", "at <time>");
        row("clock", "timeout at 09:28:24.5", "timeout at <time>");
        row("single quotes", "unknown user 'alice'", "unknown user <value>");
        row("double quotes", "key \"a b c\" exists", "key <value> exists");
        row("apostrophe", "can't connect", "can't connect");
        row("unclosed quote", "bad 'value", "bad 'value");
        row("white space", "  a \t\n b  ", "a b");
        row("attempts exhausted", "HTTP 500 (attempts exhausted: 3 of 3)", "HTTP <n>");
        row("empty", "", "");
    }
    void normalises()
    {
        QFETCH(QString, error);
        QFETCH(QString, signature);
        QCOMPARE(errorSignature(error), signature);
    }

    void sameCauseSameSignature()
    {
        QCOMPARE(errorSignature(QStringLiteral("timeout after 3000 ms fetching https://a.test/1")),
            errorSignature(QStringLiteral("timeout after 5000 ms fetching https://b.test/2/3")));
    }

    void differentCausesApart()
    {
        QVERIFY(errorSignature(QStringLiteral("timeout after 30 s"))
            != errorSignature(QStringLiteral("connection refused after 30 s")));
        QVERIFY(errorSignatureId(QStringLiteral("a")) != errorSignatureId(QStringLiteral("b")));
    }

    void idIsStableAndShort()
    {
        const QString id = errorSignatureId(QStringLiteral("HTTP <n>"));
        QCOMPARE(id.size(), 12);
        QCOMPARE(id, errorSignatureId(QStringLiteral("HTTP <n>")));
        for (QChar c : id)
            QVERIFY(
                (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || (c >= QLatin1Char('a') && c <= QLatin1Char('f')));
    }
};

QTEST_APPLESS_MAIN(TestErrorSignature)
#include "tst_errorsignature.moc"
