// TLS to PostgreSQL and MariaDB against a server of the test's own (the postgres_tls and mariadb_tls fixtures:
// loopback TCP, a certificate for localhost and 127.0.0.1 from a CA made at start by scripts/test-certs.sh).
// verify-full with the right CA connects and works a task; another CA, a certificate for another host and a server
// without TLS are each refused with a reason; the password and the client key's path are never shown.
#include "storetestutil.h"

#include "core/databaseurl.h"
#include "core/queueengine.h"

#include <QFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QtTest>

using namespace qd;
using namespace qd::test;

namespace {

enum class Server { None, Postgres, MariaDb };

Server testServer()
{
    const QString name = qEnvironmentVariable("QD_TEST_TLS_SERVER");
    return name == QLatin1String("postgres") ? Server::Postgres
        : name == QLatin1String("mariadb")   ? Server::MariaDb
                                             : Server::None;
}

} // namespace

class TestDatabaseTls : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void clientKeyPathIsNeverShown();
    void verifyFullWithTheRightCaWorksATask();
    void anotherCaIsRefused();
    void certificateForAnotherHostIsRefusedUnderVerifyFullOnly();
    void requireAgainstAServerWithoutTlsIsRefused();

private:
    // A URL on the TLS server, in a schema of its own; options are appended (sslmode=..., sslrootcert=...).
    QString url(const QString& options, const QString& host = QStringLiteral("localhost")) const;
    QString tlsFile(const char* name) const { return m_dir + QStringLiteral("/tls/") + QLatin1String(name); }
    Result<std::unique_ptr<TaskStore>> openStore(const QString& location) const;
    // The server's administration: a superuser over the Unix socket, never through TLS.
    bool admin(const QStringList& statements);
    QString adminValue(const QString& statement);
    // The server presents the certificate NAME.pem (with NAME.key) to new connections.
    bool presentCertificate(const char* name);
    bool setServerTls(bool on);

    Server m_server = Server::None;
    QString m_dir;
    int m_port = 0;
    mutable int m_schemas = 0;
    bool m_certificateChanged = false;
    bool m_tlsTurnedOff = false;
};

void TestDatabaseTls::initTestCase()
{
    m_server = testServer();
    m_dir = qEnvironmentVariable("QD_TEST_TLS_DIR");
    m_port = qEnvironmentVariableIntValue("QD_TEST_TLS_PORT");
    if (m_server != Server::None) {
        QVERIFY2(QFile::exists(tlsFile("ca.pem")), "the fixture made no certificates");
        // MariaDB's certificate is swapped by copying files: keep the fixture's own.
        for (const char* suffix : {".pem", ".key"}) {
            const QString saved = tlsFile("server-saved") + QLatin1String(suffix);
            if (m_server == Server::MariaDb && !QFile::exists(saved))
                QVERIFY(QFile::copy(tlsFile("server") + QLatin1String(suffix), saved));
        }
    }
}

void TestDatabaseTls::cleanup()
{
    // A failed check must not leave the server presenting the wrong certificate, or without TLS, to the next one.
    if (m_certificateChanged)
        QVERIFY(presentCertificate("server"));
    if (m_tlsTurnedOff)
        QVERIFY(setServerTls(true));
}

QString TestDatabaseTls::url(const QString& options, const QString& host) const
{
    const QString schema = QStringLiteral("tls_%1_%2").arg(QCoreApplication::applicationPid()).arg(++m_schemas);
    if (m_server == Server::Postgres)
        return QStringLiteral("postgresql://postgres:hunter2@%1:%2/queuedesk_test?schema=%3&%4")
            .arg(host)
            .arg(m_port)
            .arg(schema, options);
    const QString address = host == QLatin1String("localhost") ? QStringLiteral("127.0.0.1") : host;
    return QStringLiteral("mariadb://qd@%1:%2/queuedesk_test?schema=%3&%4")
        .arg(address)
        .arg(m_port)
        .arg(schema, options);
}

Result<std::unique_ptr<TaskStore>> TestDatabaseTls::openStore(const QString& location) const
{
    StoreOptions options;
    options.path = location;
    options.busyTimeoutMs = 5000;
    return TaskStore::open(options);
}

bool TestDatabaseTls::admin(const QStringList& statements)
{
    const QString name = QStringLiteral("tls-admin");
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(
            m_server == Server::Postgres ? QStringLiteral("QPSQL") : QStringLiteral("QMYSQL"), name);
        if (m_server == Server::Postgres) {
            db.setHostName(m_dir);
            db.setPort(m_port);
            db.setUserName(QStringLiteral("postgres"));
            db.setDatabaseName(QStringLiteral("queuedesk_test"));
        } else {
            db.setUserName(QStringLiteral("root"));
            db.setHostName(QStringLiteral("localhost"));
            db.setConnectOptions(QStringLiteral("UNIX_SOCKET=") + m_dir + QStringLiteral("/mysql.sock"));
        }
        ok = db.open();
        if (!ok)
            qWarning() << "admin connection:" << db.lastError().text();
        QSqlQuery q(db);
        for (const QString& statement : statements) {
            if (!ok)
                break;
            ok = q.exec(statement);
            if (!ok)
                qWarning() << statement << q.lastError().text();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

QString TestDatabaseTls::adminValue(const QString& statement)
{
    const QString name = QStringLiteral("tls-admin-read");
    QString value;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(m_dir);
        db.setPort(m_port);
        db.setUserName(QStringLiteral("postgres"));
        db.setDatabaseName(QStringLiteral("queuedesk_test"));
        QSqlQuery q(db);
        if (db.open() && q.exec(statement) && q.next())
            value = q.value(0).toString();
    }
    QSqlDatabase::removeDatabase(name);
    return value;
}

bool TestDatabaseTls::presentCertificate(const char* name)
{
    const QString cert = tlsFile(name) + QStringLiteral(".pem");
    const QString key = tlsFile(name) + QStringLiteral(".key");
    m_certificateChanged = qstrcmp(name, "server") != 0;
    if (m_server == Server::MariaDb) {
        // Its certificate paths are fixed at start; FLUSH SSL reads the files again.
        const QString source = tlsFile(m_certificateChanged ? name : "server-saved");
        for (const char* suffix : {".pem", ".key"}) {
            QFile::remove(tlsFile("server") + QLatin1String(suffix));
            if (!QFile::copy(source + QLatin1String(suffix), tlsFile("server") + QLatin1String(suffix)))
                return false;
        }
        return admin({QStringLiteral("FLUSH SSL")});
    }
    // PostgreSQL reads its certificate again at a reload; new connections see the new one once SHOW does.
    const bool set = m_certificateChanged
        ? admin({QStringLiteral("ALTER SYSTEM SET ssl_cert_file = '%1'").arg(cert),
            QStringLiteral("ALTER SYSTEM SET ssl_key_file = '%1'").arg(key), QStringLiteral("SELECT pg_reload_conf()")})
        : admin({QStringLiteral("ALTER SYSTEM RESET ssl_cert_file"), QStringLiteral("ALTER SYSTEM RESET ssl_key_file"),
            QStringLiteral("SELECT pg_reload_conf()")});
    const QString expected = m_certificateChanged ? cert : tlsFile("server.pem");
    QDeadlineTimer deadline(10'000);
    while (set && adminValue(QStringLiteral("SHOW ssl_cert_file")) != expected && !deadline.hasExpired())
        QTest::qWait(50);
    return set && !deadline.hasExpired();
}

bool TestDatabaseTls::setServerTls(bool on)
{
    m_tlsTurnedOff = !on;
    if (m_server == Server::MariaDb) {
        // TLS is set at start on MariaDB: the fixture's script restarts it with or without.
        QProcess script;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QD_SERVER_TLS"), on ? QStringLiteral("on") : QStringLiteral("off"));
        script.setProcessEnvironment(environment);
        script.start(QStringLiteral(QD_MARIADB_SCRIPT), {QStringLiteral("restart"), m_dir});
        return script.waitForFinished(60'000) && script.exitCode() == 0;
    }
    const bool set
        = admin({on ? QStringLiteral("ALTER SYSTEM RESET ssl") : QStringLiteral("ALTER SYSTEM SET ssl = off"),
            QStringLiteral("SELECT pg_reload_conf()")});
    QDeadlineTimer deadline(10'000);
    while (set && adminValue(QStringLiteral("SHOW ssl")) != (on ? QLatin1String("on") : QLatin1String("off"))
        && !deadline.hasExpired())
        QTest::qWait(50);
    return set && !deadline.hasExpired();
}

void TestDatabaseTls::clientKeyPathIsNeverShown()
{
    // Refused before any connection: a key that is not there.
    const QString secret = QStringLiteral("/nonexistent/secret-dir/client.key");
    const QString missing = QStringLiteral("postgresql://u:hunter2@db.invalid/q?sslmode=verify-full"
                                           "&sslrootcert=/nonexistent/ca.pem&sslcert=/nonexistent/c.pem&sslkey=")
        + secret;
    auto store = openStore(missing);
    QVERIFY(!store);
    QVERIFY2(!store.errorString().contains(QLatin1String("secret-dir")), qPrintable(store.errorString()));
    QVERIFY2(!store.errorString().contains(QLatin1String("hunter2")), qPrintable(store.errorString()));
    if (m_server == Server::None)
        return;
    // The client library's own text about a key that does not fit the certificate names the key's file.
    auto mismatched = openStore(url(QStringLiteral("sslmode=verify-full&sslrootcert=%1&sslcert=%2&sslkey=%3")
                                        .arg(tlsFile("ca.pem"), tlsFile("client.pem"), tlsFile("other-host.key"))));
    QVERIFY(!mismatched);
    qInfo("%s", qPrintable(mismatched.errorString()));
    QVERIFY2(!mismatched.errorString().contains(tlsFile("other-host.key")), qPrintable(mismatched.errorString()));
    QVERIFY2(!mismatched.errorString().contains(QLatin1String("hunter2")), qPrintable(mismatched.errorString()));
}

void TestDatabaseTls::verifyFullWithTheRightCaWorksATask()
{
    if (m_server == Server::None)
        QSKIP("no TLS server (QD_TEST_TLS_SERVER); run through ctest, whose fixture starts one");
    const QString location = url(QStringLiteral("sslmode=verify-full&sslrootcert=") + tlsFile("ca.pem"));
    EngineOptions options;
    options.store.path = location;
    options.workerCount = 1;
    options.sampleIntervalMs = 0;
    auto engine = QueueEngine::open(options);
    QVERIFY2(engine, qPrintable(engine.errorString()));
    QVERIFY((*engine)->enqueue(task()));
    QTRY_COMPARE_WITH_TIMEOUT(
        (*engine)->counts().value(QStringLiteral("default"))[std::size_t(TaskState::Succeeded)], qint64(1), 10'000);
    // The store's session is encrypted, and on PostgreSQL so is every connection QueueDesk holds (the listener's).
    auto store = openStore(location);
    QVERIFY2(store, qPrintable(store.errorString()));
    QSqlQuery q((*store)->database());
    if (m_server == Server::Postgres) {
        QVERIFY(q.exec(QStringLiteral("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) && q.next());
        QVERIFY(q.value(0).toBool());
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl)"
                                      " FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)"
                                      " WHERE a.application_name = 'queuedesk-listener'"))
            && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
        QCOMPARE(q.value(1).toInt(), 0);
    } else {
        QVERIFY(q.exec(QStringLiteral("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) && q.next());
        QVERIFY2(!q.value(1).toString().isEmpty(), "the session is not encrypted");
    }
}

void TestDatabaseTls::anotherCaIsRefused()
{
    if (m_server == Server::None)
        QSKIP("no TLS server");
    auto store = openStore(url(QStringLiteral("sslmode=verify-full&sslrootcert=") + tlsFile("other-ca.pem")));
    QVERIFY(!store);
    qInfo("%s", qPrintable(store.errorString()));
    QCOMPARE(store.error().code, ErrorCode::Unavailable);
    QVERIFY2(store.errorString().contains(QLatin1String("Certificate verification failed: the server's certificate is "
                                                        "not signed by the CA in sslrootcert")),
        qPrintable(store.errorString()));
    QVERIFY2(!store.errorString().contains(QLatin1String("hunter2")), qPrintable(store.errorString()));
}

void TestDatabaseTls::certificateForAnotherHostIsRefusedUnderVerifyFullOnly()
{
    if (m_server == Server::None)
        QSKIP("no TLS server");
    QVERIFY(presentCertificate("other-host"));
    const QString ca = QStringLiteral("&sslrootcert=") + tlsFile("ca.pem");
    auto full = openStore(url(QStringLiteral("sslmode=verify-full") + ca));
    QVERIFY(!full);
    qInfo("%s", qPrintable(full.errorString()));
    QVERIFY2(full.errorString().contains(QLatin1String("Certificate verification failed: the server's certificate is "
                                                       "not for the host name connected to")),
        qPrintable(full.errorString()));
    // Same CA, so verify-ca (the chain only) accepts it.
    auto chainOnly = openStore(url(QStringLiteral("sslmode=verify-ca") + ca));
    QVERIFY2(chainOnly, qPrintable(chainOnly.errorString()));
    QVERIFY(presentCertificate("server"));
    auto fullAgain = openStore(url(QStringLiteral("sslmode=verify-full") + ca));
    QVERIFY2(fullAgain, qPrintable(fullAgain.errorString()));
}

void TestDatabaseTls::requireAgainstAServerWithoutTlsIsRefused()
{
    if (m_server == Server::None)
        QSKIP("no TLS server");
    QVERIFY(setServerTls(false));
    auto required = openStore(url(QStringLiteral("sslmode=require")));
    QVERIFY(!required);
    qInfo("%s", qPrintable(required.errorString()));
    QCOMPARE(required.error().code, ErrorCode::Unavailable);
    QVERIFY2(required.errorString().contains(QLatin1String("The server does not offer TLS, and sslmode=require "
                                                           "requires it")),
        qPrintable(required.errorString()));
    // The same server is reachable without TLS: the refusal was TLS's, not a dead server.
    auto plain = openStore(url(QStringLiteral("sslmode=disable")));
    QVERIFY2(plain, qPrintable(plain.errorString()));
    QVERIFY(setServerTls(true));
    auto again = openStore(url(QStringLiteral("sslmode=require")));
    QVERIFY2(again, qPrintable(again.errorString()));
}

QTEST_GUILESS_MAIN(TestDatabaseTls)
#include "tst_databasetls.moc"
