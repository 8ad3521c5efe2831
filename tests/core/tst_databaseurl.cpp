// Parsing what an admin types as a database: a SQLite path or a PostgreSQL URL.
#include "core/databaseurl.h"

#include <QTest>

using namespace qd;

class TestDatabaseUrl : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pathsAreSqlite();
    void postgresUrlWithEveryPart();
    void socketDirectoryAndSchemaAsOptions();
    void badUrlsAreRefusedWithAReason_data();
    void badUrlsAreRefusedWithAReason();
    void displayNameNeverShowsThePassword();
};

void TestDatabaseUrl::pathsAreSqlite()
{
    auto plain = DatabaseUrl::parse(QStringLiteral("/var/lib/q.db"));
    QVERIFY(plain);
    QVERIFY(!plain->isPostgres());
    QCOMPARE(plain->sqlitePath, QStringLiteral("/var/lib/q.db"));
    auto prefixed = DatabaseUrl::parse(QStringLiteral("sqlite:relative/q.db"));
    QVERIFY(prefixed);
    QCOMPARE(prefixed->sqlitePath, QStringLiteral("relative/q.db"));
}

void TestDatabaseUrl::postgresUrlWithEveryPart()
{
    auto url = DatabaseUrl::parse(QStringLiteral("postgresql://ops:s%40cret@db.example:6543/queues"));
    QVERIFY2(url, qPrintable(url.errorString()));
    QVERIFY(url->isPostgres());
    QCOMPARE(url->host, QStringLiteral("db.example"));
    QCOMPARE(url->port, 6543);
    QCOMPARE(url->user, QStringLiteral("ops"));
    QCOMPARE(url->password, QStringLiteral("s@cret"));
    QCOMPARE(url->databaseName, QStringLiteral("queues"));
    auto defaults = DatabaseUrl::parse(QStringLiteral("postgres://db/queues"));
    QVERIFY(defaults);
    QCOMPARE(defaults->port, 5432);
}

void TestDatabaseUrl::socketDirectoryAndSchemaAsOptions()
{
    auto url = DatabaseUrl::parse(QStringLiteral("postgresql:///queues?host=/run/postgresql&port=5433&schema=team_a"));
    QVERIFY2(url, qPrintable(url.errorString()));
    QCOMPARE(url->host, QStringLiteral("/run/postgresql"));
    QCOMPARE(url->port, 5433);
    QCOMPARE(url->schema, QStringLiteral("team_a"));
}

void TestDatabaseUrl::badUrlsAreRefusedWithAReason_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason");
    QTest::newRow("empty") << QString() << QStringLiteral("No database");
    QTest::newRow("no database") << QStringLiteral("postgresql://db/") << QStringLiteral("names no database");
    QTest::newRow("bad port") << QStringLiteral("postgresql:///q?port=x") << QStringLiteral("not a port");
    QTest::newRow("unknown option") << QStringLiteral("postgresql:///q?sslmode=require")
                                    << QStringLiteral("Unknown option sslmode");
    QTest::newRow("schema injection") << QStringLiteral("postgresql:///q?schema=a%22;drop")
                                      << QStringLiteral("letters, digits and _");
}

void TestDatabaseUrl::badUrlsAreRefusedWithAReason()
{
    QFETCH(QString, text);
    QFETCH(QString, reason);
    auto url = DatabaseUrl::parse(text);
    QVERIFY(!url);
    QCOMPARE(url.error().code, ErrorCode::InvalidArgument);
    QVERIFY2(url.errorString().contains(reason), qPrintable(url.errorString()));
}

void TestDatabaseUrl::displayNameNeverShowsThePassword()
{
    const QString shown = databaseDisplayName(QStringLiteral("postgresql://ops:hunter2@db:5432/queues?schema=a"));
    QVERIFY2(!shown.contains(QLatin1String("hunter2")), qPrintable(shown));
    QCOMPARE(shown, QStringLiteral("postgresql://ops@db:5432/queues?schema=a"));
    QCOMPARE(databaseDisplayName(QStringLiteral("/tmp/q.db")), QStringLiteral("/tmp/q.db"));
}

QTEST_GUILESS_MAIN(TestDatabaseUrl)
#include "tst_databaseurl.moc"
