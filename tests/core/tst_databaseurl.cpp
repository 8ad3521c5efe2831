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
    void tlsOptionsOnPostgres();
    void tlsOptionsOnMariaDb();
    void displayNameKeepsTlsButNotTheKey();
    void badTlsOptionsAreRefusedWithAReason_data();
    void badTlsOptionsAreRefusedWithAReason();
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
    QTest::newRow("unknown option") << QStringLiteral("postgresql:///q?sslcompression=1")
                                    << QStringLiteral("Unknown option sslcompression");
    QTest::newRow("schema injection") << QStringLiteral("postgresql:///q?schema=a%22;drop")
                                      << QStringLiteral("letters, digits and _");
    QTest::newRow("mariadb no database") << QStringLiteral("mariadb://db") << QStringLiteral("names no database");
    QTest::newRow("mariadb bad port") << QStringLiteral("mariadb://db:99999/q") << QStringLiteral("not a valid");
    QTest::newRow("mariadb unknown option")
        << QStringLiteral("mysql://db/q?timeout=5") << QStringLiteral("Unknown option timeout in the MariaDB URL");
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

void TestDatabaseUrl::tlsOptionsOnPostgres()
{
    auto url
        = DatabaseUrl::parse(QStringLiteral("postgresql://ops:pw@db.example/queues?sslmode=verify-full"
                                            "&sslrootcert=/etc/qd/ca.pem&sslcert=/etc/qd/c.pem&sslkey=/etc/qd/c.key"));
    QVERIFY2(url, qPrintable(url.errorString()));
    QCOMPARE(url->tls.mode, TlsMode::VerifyFull);
    QVERIFY(url->tls.verifiesHost());
    QCOMPARE(url->tls.rootCert, QStringLiteral("/etc/qd/ca.pem"));
    QCOMPARE(url->tls.clientCert, QStringLiteral("/etc/qd/c.pem"));
    QCOMPARE(url->tls.clientKey, QStringLiteral("/etc/qd/c.key"));
    // Every mode libpq knows but allow; a URL without sslmode leaves libpq's default.
    for (const char* mode : {"disable", "prefer", "require", "verify-ca"}) {
        auto other = DatabaseUrl::parse(QStringLiteral("postgresql://db/q?sslmode=") + QLatin1String(mode));
        QVERIFY2(other, qPrintable(other.errorString()));
        QCOMPARE(tlsModeName(other->tls.mode), QLatin1String(mode));
    }
    auto plain = DatabaseUrl::parse(QStringLiteral("postgresql://db/q"));
    QVERIFY(plain);
    QCOMPARE(plain->tls.mode, TlsMode::ServerDefault);
    QVERIFY(libpqTlsParameters(plain->tls).isEmpty());
    const auto parameters = libpqTlsParameters(url->tls);
    QCOMPARE(parameters.size(), 4);
    QCOMPARE(parameters.first().second, QByteArray("verify-full"));
}

void TestDatabaseUrl::tlsOptionsOnMariaDb()
{
    auto url = DatabaseUrl::parse(QStringLiteral("mariadb://ops@127.0.0.1:3307/queues?sslmode=verify-ca"
                                                 "&sslrootcert=/etc/qd/ca.pem"));
    QVERIFY2(url, qPrintable(url.errorString()));
    QCOMPARE(url->tls.mode, TlsMode::VerifyCa);
    QVERIFY(url->tls.verifiesChain());
    QVERIFY(!url->tls.verifiesHost());
    auto required = DatabaseUrl::parse(QStringLiteral("mysql://ops@db.example/queues?sslmode=require"));
    QVERIFY2(required, qPrintable(required.errorString()));
    QVERIFY(required->tls.requiresTls());
    QVERIFY(!required->tls.verifiesChain());
}

void TestDatabaseUrl::displayNameKeepsTlsButNotTheKey()
{
    const QString text = QStringLiteral("postgresql://ops:hunter2@db/q?sslmode=verify-full&sslrootcert=/ca%20dir/ca.pem"
                                        "&sslcert=/etc/c.pem&sslkey=/secret/c.key");
    const QString shown = databaseDisplayName(text);
    QVERIFY2(!shown.contains(QLatin1String("hunter2")) && !shown.contains(QLatin1String("/secret")), qPrintable(shown));
    QCOMPARE(shown,
        QStringLiteral(
            "postgresql://ops@db:5432/q?sslmode=verify-full&sslrootcert=/ca%20dir/ca.pem&sslcert=/etc/c.pem"));
    // What the recent list keeps connects as verified as before (the client key aside, which it never holds).
    const QString maria = databaseDisplayName(QStringLiteral("mariadb://ops@db/q?schema=s&sslmode=verify-full"));
    QCOMPARE(maria, QStringLiteral("mariadb://ops@db:3306/q?schema=s&sslmode=verify-full"));
    auto again = DatabaseUrl::parse(
        QStringLiteral("postgresql://ops@db:5432/q?sslmode=verify-full&sslrootcert=/ca%20dir/ca.pem"));
    QVERIFY2(again, qPrintable(again.errorString()));
    QCOMPARE(again->tls.rootCert, QStringLiteral("/ca dir/ca.pem"));
}

void TestDatabaseUrl::badTlsOptionsAreRefusedWithAReason_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason");
    QTest::newRow("unknown mode") << QStringLiteral("postgresql://db/q?sslmode=strict")
                                  << QStringLiteral("sslmode=strict is not a TLS mode");
    QTest::newRow("allow is not offered")
        << QStringLiteral("postgresql://db/q?sslmode=allow") << QStringLiteral("not a TLS mode");
    QTest::newRow("mariadb prefer") << QStringLiteral("mariadb://db/q?sslmode=prefer")
                                    << QStringLiteral("sslmode=prefer is not available on MariaDB");
    QTest::newRow("mariadb's own spelling")
        << QStringLiteral("mariadb://db/q?ssl-ca=/ca.pem") << QStringLiteral("libpq's names on both servers");
    QTest::newRow("certificate without key") << QStringLiteral("postgresql://db/q?sslmode=require&sslcert=/c.pem")
                                             << QStringLiteral("both sslcert and sslkey");
    QTest::newRow("CA without verification") << QStringLiteral("postgresql://db/q?sslmode=require&sslrootcert=/ca.pem")
                                             << QStringLiteral("verify-ca or verify-full");
    QTest::newRow("CA with TLS off") << QStringLiteral("mariadb://db/q?sslrootcert=/ca.pem")
                                     << QStringLiteral("verify-ca or verify-full");
    QTest::newRow("client certificate without TLS")
        << QStringLiteral("postgresql://db/q?sslcert=/c.pem&sslkey=/c.key") << QStringLiteral("sslmode=require");
    QTest::newRow("relative CA") << QStringLiteral("postgresql://db/q?sslmode=verify-ca&sslrootcert=ca.pem")
                                 << QStringLiteral("sslrootcert ca.pem: give the file's absolute path");
    QTest::newRow("empty CA") << QStringLiteral("postgresql://db/q?sslmode=verify-ca&sslrootcert=")
                              << QStringLiteral("sslrootcert needs a file");
    QTest::newRow("semicolon") << QStringLiteral("postgresql://db/q?sslmode=verify-ca&sslrootcert=/a%3Bb.pem")
                               << QStringLiteral("may not contain ';'");
    QTest::newRow("postgres socket") << QStringLiteral("postgresql:///q?host=/run/postgresql&sslmode=verify-full")
                                     << QStringLiteral("needs a TCP connection");
    QTest::newRow("postgres no host") << QStringLiteral("postgresql:///q?sslmode=require")
                                      << QStringLiteral("needs a TCP connection");
    QTest::newRow("mariadb socket") << QStringLiteral(
        "mariadb://u@localhost/q?socket=/run/mysqld/mysqld.sock&sslmode=require")
                                    << QStringLiteral("needs a TCP connection");
    QTest::newRow("mariadb localhost") << QStringLiteral("mariadb://u@localhost/q?sslmode=verify-full")
                                       << QStringLiteral("MariaDB's localhost");
}

void TestDatabaseUrl::badTlsOptionsAreRefusedWithAReason()
{
    QFETCH(QString, text);
    QFETCH(QString, reason);
    auto url = DatabaseUrl::parse(text);
    QVERIFY2(!url, qPrintable(text));
    QCOMPARE(url.error().code, ErrorCode::InvalidArgument);
    QVERIFY2(url.errorString().contains(reason), qPrintable(url.errorString()));
    // A key's path is never repeated in a message, even when it is the bad value.
    auto badKey
        = DatabaseUrl::parse(QStringLiteral("postgresql://db/q?sslmode=require&sslcert=/c.pem&sslkey=my-secret.key"));
    QVERIFY(!badKey);
    QVERIFY2(!badKey.errorString().contains(QLatin1String("my-secret")), qPrintable(badKey.errorString()));
}

QTEST_GUILESS_MAIN(TestDatabaseUrl)
#include "tst_databaseurl.moc"
