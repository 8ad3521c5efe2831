// Parsing what an admin types as a database: a SQLite path, a PostgreSQL or a MariaDB/MySQL URL.
#include "core/databaseurl.h"

#include <QTest>

using namespace qd;

class TestDatabaseUrl : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pathsAreSqlite();
    void postgresUrlWithEveryPart();
    void socketDirectoryAndSchemaAsOptions();
    void mariaDbAndMysqlUrls();
    void mariaDbSocketAndSchema();
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

void TestDatabaseUrl::mariaDbAndMysqlUrls()
{
    auto url = DatabaseUrl::parse(QStringLiteral("mariadb://ops:s%40cret@db.example:3307/queues"));
    QVERIFY2(url, qPrintable(url.errorString()));
    QVERIFY(url->isMariaDb());
    QVERIFY(url->isServer());
    QVERIFY(!url->isPostgres());
    QCOMPARE(url->host, QStringLiteral("db.example"));
    QCOMPARE(url->port, 3307);
    QCOMPARE(url->user, QStringLiteral("ops"));
    QCOMPARE(url->password, QStringLiteral("s@cret"));
    QCOMPARE(url->databaseName, QStringLiteral("queues"));
    auto mysql = DatabaseUrl::parse(QStringLiteral("mysql://db/queues"));
    QVERIFY2(mysql, qPrintable(mysql.errorString()));
    QVERIFY(mysql->isMariaDb());
    QCOMPARE(mysql->port, 3306);
    QVERIFY(isServerUrl(QStringLiteral("mysql://db/queues")));
    QVERIFY(!isPostgresUrl(QStringLiteral("mariadb://db/queues")));
    QVERIFY(!isServerUrl(QStringLiteral("mariadb.db")));
}

void TestDatabaseUrl::mariaDbSocketAndSchema()
{
    auto url = DatabaseUrl::parse(
        QStringLiteral("mariadb://root@localhost/queues?socket=/run/mysqld/mysqld.sock&schema=team_a"));
    QVERIFY2(url, qPrintable(url.errorString()));
    QCOMPARE(url->socket, QStringLiteral("/run/mysqld/mysqld.sock"));
    QCOMPARE(url->schema, QStringLiteral("team_a"));
    QCOMPARE(url->user, QStringLiteral("root"));
    QCOMPARE(url->displayName(),
        QStringLiteral("mariadb://root@localhost/queues?socket=/run/mysqld/mysqld.sock&schema=team_a"));
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
    QTest::newRow("mariadb no database") << QStringLiteral("mariadb://db") << QStringLiteral("names no database");
    QTest::newRow("mariadb bad port") << QStringLiteral("mariadb://db:99999/q") << QStringLiteral("not a valid");
    QTest::newRow("mariadb unknown option")
        << QStringLiteral("mysql://db/q?sslmode=x") << QStringLiteral("Unknown option sslmode in the MariaDB URL");
    QTest::newRow("mariadb socket as host")
        << QStringLiteral("mariadb:///q?host=/run/mysqld") << QStringLiteral("?socket=");
    QTest::newRow("mariadb relative socket")
        << QStringLiteral("mariadb://localhost/q?socket=mysqld.sock") << QStringLiteral("absolute path");
    QTest::newRow("mariadb database injection")
        << QStringLiteral("mariadb://db/q%60;drop") << QStringLiteral("letters, digits and _");
    QTest::newRow("mariadb long schema") << QStringLiteral("mariadb://db/q?schema=") + QString(65, QLatin1Char('s'))
                                         << QStringLiteral("at most 64");
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
    const QString maria = databaseDisplayName(QStringLiteral("mysql://ops:hunter2@db/queues"));
    QCOMPARE(maria, QStringLiteral("mariadb://ops@db:3306/queues"));
    QCOMPARE(
        databaseDisplayName(QStringLiteral("mariadb://ops:hunter2@db/")), QStringLiteral("(an invalid MariaDB URL)"));
}

QTEST_GUILESS_MAIN(TestDatabaseUrl)
#include "tst_databaseurl.moc"
