// Access by role (issue 22): `roles install|grant|list` and the three roles on PostgreSQL and MariaDB (*_postgres,
// *_mariadb): each login does what its role allows, the command line refuses the rest before trying (exit 4), the
// server itself refuses a raw write the role lacks, and a privilege the server refuses becomes a clear message with
// nothing written. On SQLite: no roles; a read-only open is a viewer.
#include "clirunner.h"

#include "../core/storetestutil.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using qdtest::CliRun;
using namespace qd;

class TestCliRoles : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db; // the superuser's URL (or the SQLite file)
    QHash<QString, QString> m_urls; // "viewer", "operator", "admin", "nodefault": each login's URL
    QHash<QString, QString> m_logins; // the same: each login's name as `roles grant` takes it

    CliRun as(const QString& who, QStringList arguments)
    {
        arguments.prepend(who.isEmpty() ? m_db : m_urls.value(who));
        arguments.prepend(QStringLiteral("--db"));
        return qdtest::runCli(qdtest::isolatedEnvironment(m_dir), arguments);
    }
    static QStringList args(const char* line) { return QString::fromLatin1(line).split(u' '); }

    // A login's URL: the superuser's with its user and password.
    QString loginUrl(const QString& user, const QString& password) const
    {
        QString url = m_db;
        if (test::onPostgres())
            return url.replace(
                QLatin1String("user=postgres"), QStringLiteral("user=%1&password=%2").arg(user, password));
        return url.replace(QLatin1String("://root@"), QStringLiteral("://%1:%2@").arg(user, password));
    }

    // SQL as the superuser, through a store of its own.
    bool superuser(const QStringList& statements)
    {
        StoreOptions options;
        options.path = m_db;
        auto store = TaskStore::open(options);
        if (!store) {
            qWarning() << store.errorString();
            return false;
        }
        QSqlQuery q((*store)->database());
        for (const QString& sql : statements) {
            if (!q.exec(sql)) {
                qWarning() << sql << q.lastError().text();
                return false;
            }
        }
        return true;
    }

    // A raw statement as `who`, on a writable session: what the server itself allows.
    QString rawAs(const QString& who, const QString& sql)
    {
        StoreOptions options;
        options.path = m_urls.value(who);
        auto store = TaskStore::open(options);
        if (!store)
            return store.errorString();
        QSqlQuery q((*store)->database());
        // A viewer's session is made read-only at connect: undo that, so that the privileges alone decide.
        q.exec(test::onPostgres() ? QStringLiteral("SET default_transaction_read_only = off")
                                  : QStringLiteral("SET SESSION TRANSACTION READ WRITE"));
        if (!q.exec(sql))
            return q.lastError().databaseText();
        return QString();
    }

    qint64 count(const QString& sql)
    {
        StoreOptions options;
        options.path = m_db;
        auto store = TaskStore::open(options);
        if (!store)
            return -1;
        QSqlQuery q((*store)->database());
        if (!q.exec(sql) || !q.next())
            return -1;
        return q.value(0).toLongLong();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = test::testDatabase(m_dir, QStringLiteral("cliroles"));
        QCOMPARE(as({}, args("enqueue --type noop --queue mail")).exitCode, 0);
        if (!test::onServer())
            return;
        // Logins of this run only (PostgreSQL's roles are the cluster's), each with its own password.
        const QString tag = QString::number(QCoreApplication::applicationPid());
        for (const char* level : {"viewer", "operator", "admin", "nodefault"}) {
            const QString user = QStringLiteral("qd_%1_%2").arg(QLatin1String(level), tag);
            const QString password = QStringLiteral("pw-%1-%2").arg(QLatin1String(level), tag);
            QVERIFY(superuser({test::onPostgres()
                    ? QStringLiteral("CREATE ROLE %1 LOGIN PASSWORD '%2'").arg(user, password)
                    : QStringLiteral("CREATE USER '%1'@'localhost' IDENTIFIED BY '%2'").arg(user, password)}));
            m_urls.insert(QLatin1String(level), loginUrl(user, password));
            m_logins.insert(QLatin1String(level), test::onPostgres() ? user : user + QLatin1String("@localhost"));
        }
    }

    void sqliteHasNoRoles()
    {
        if (test::onServer())
            QSKIP("SQLite only");
        const CliRun install = as({}, args("roles install"));
        QCOMPARE(install.exitCode, 5);
        QVERIFY2(install.err.contains("has no roles"), install.err.constData());
        // Read-only is a viewer: refused before trying, with the --read-only refusal's code.
        const CliRun retry = as({}, args("--read-only retry 1"));
        QCOMPARE(retry.exitCode, 4);
    }

    void installPrintsItsSqlAndRunsTwice()
    {
        if (!test::onServer())
            QSKIP("roles exist on servers");
        const CliRun dry = as({}, args("roles install --dry-run"));
        QCOMPARE(dry.exitCode, 0);
        QVERIFY2(dry.out.contains("queuedesk_operator") && dry.out.contains("GRANT SELECT"), dry.out.constData());
        // The operator's grants never include DELETE on tasks or their history (purge is the admin's).
        for (const QByteArray& line : dry.out.split('\n')) {
            if (line.endsWith("TO queuedesk_operator;") && (line.contains(".tasks ") || line.contains(".task_events ")))
                QVERIFY2(!line.contains("DELETE"), line.constData());
        }
        for (int run = 0; run < 2; ++run) { // idempotent
            const CliRun install = as({}, args("roles install"));
            QVERIFY2(install.exitCode == 0, install.err.constData());
        }
        for (const char* level : {"viewer", "operator", "admin"}) {
            const CliRun grant = as({},
                {QStringLiteral("roles"), QStringLiteral("grant"), m_logins.value(QLatin1String(level)),
                    QLatin1String(level)});
            QVERIFY2(grant.exitCode == 0, grant.err.constData());
        }
        // Granted by hand, without a default role on MariaDB: the store activates it at connect.
        QVERIFY(superuser({QStringLiteral("GRANT queuedesk_operator TO %1")
                               .arg(test::onPostgres() ? m_logins.value(QStringLiteral("nodefault"))
                                                       : quotedLogin(RoleServer::MariaDb,
                                                           m_logins.value(QStringLiteral("nodefault"))))}));
        const CliRun list = as({}, args("roles list"));
        QCOMPARE(list.exitCode, 0);
        for (const char* level : {"viewer", "operator", "admin"})
            QVERIFY2(list.out.contains(m_logins.value(QLatin1String(level)).toUtf8()), list.out.constData());
        QVERIFY2(list.out.contains("This login: admin"), list.out.constData());
    }

    void viewerReadsAndIsRefusedWrites()
    {
        if (!test::onServer())
            QSKIP("roles exist on servers");
        QCOMPARE(as(QStringLiteral("viewer"), args("list")).exitCode, 0);
        QCOMPARE(as(QStringLiteral("viewer"), args("stats")).exitCode, 0);
        const CliRun roleList = as(QStringLiteral("viewer"), args("roles list"));
        QVERIFY2(roleList.out.contains("This login: viewer"), roleList.out.constData());
        const qint64 tasks = count(QStringLiteral("SELECT count(*) FROM tasks"));
        for (const char* line : {"enqueue --type noop", "pause mail", "retry 1", "purge --yes"}) {
            const CliRun refused = as(QStringLiteral("viewer"), args(line));
            QCOMPARE(refused.exitCode, 4);
            QVERIFY2(refused.err.contains("Refused") && refused.err.contains("a viewer"), refused.err.constData());
        }
        QCOMPARE(count(QStringLiteral("SELECT count(*) FROM tasks")), tasks);
        // The server itself: a viewer's raw UPDATE fails.
        const QString raw = rawAs(QStringLiteral("viewer"), QStringLiteral("UPDATE tasks SET priority = 7"));
        QVERIFY2(raw.contains(QLatin1String("denied")), qPrintable(raw));
        QCOMPARE(count(QStringLiteral("SELECT count(*) FROM tasks WHERE priority = 7")), 0);
    }

    void operatorRunsTheQueueButNotItsSettings()
    {
        if (!test::onServer())
            QSKIP("roles exist on servers");
        const QString op = QStringLiteral("operator");
        QCOMPARE(as(op, args("enqueue --type noop --queue mail")).exitCode, 0);
        QCOMPARE(as(op, args("cancel --queue mail --yes")).exitCode, 0);
        QCOMPARE(as(op, args("retry --queue mail --yes")).exitCode, 0);
        QCOMPARE(as(op, args("pause mail")).exitCode, 0);
        QCOMPARE(count(QStringLiteral("SELECT count(*) FROM queues WHERE name = 'mail' AND paused <> 0")), 1);
        QCOMPARE(as(op, args("resume mail")).exitCode, 0);
        QVERIFY(count(QStringLiteral("SELECT count(*) FROM audit_log WHERE action = 'pause'")) >= 1);
        for (const char* line : {"purge --state queued --yes", "set-concurrency mail 2",
                 "settings set retention.endedTasksDays 3", "alerts add --condition length --threshold 5"}) {
            const CliRun refused = as(op, args(line));
            QCOMPARE(refused.exitCode, 4);
            QVERIFY2(refused.err.contains("needs the admin role"), refused.err.constData());
        }
        // The server: no DELETE on tasks, no UPDATE of a queue's concurrency (only `paused`).
        QVERIFY(rawAs(op, QStringLiteral("DELETE FROM tasks")).contains(QLatin1String("denied")));
        QVERIFY(rawAs(op, QStringLiteral("UPDATE queues SET concurrency = 3")).contains(QLatin1String("denied")));
        QVERIFY(count(QStringLiteral("SELECT count(*) FROM tasks")) > 0);
        // A role granted without a default one (MariaDB) still works.
        QCOMPARE(as(QStringLiteral("nodefault"), args("enqueue --type noop --queue mail")).exitCode, 0);
    }

    void serversRefusalIsClearAndWritesNothing()
    {
        if (!test::onServer())
            QSKIP("roles exist on servers");
        // A grant missing (as after an upgrade without `roles install`): the server refuses the pause.
        const QString revoke = test::onPostgres()
            ? QStringLiteral("REVOKE UPDATE (paused) ON queues FROM queuedesk_operator")
            : QStringLiteral("REVOKE UPDATE (paused) ON queues FROM queuedesk_operator");
        QVERIFY(superuser({revoke}));
        const qint64 audited = count(QStringLiteral("SELECT count(*) FROM audit_log"));
        const CliRun refused = as(QStringLiteral("operator"), args("pause mail"));
        QCOMPARE(refused.exitCode, 4);
        QVERIFY2(refused.err.contains("may not do that") && refused.err.contains("Nothing was changed"),
            refused.err.constData());
        QCOMPARE(count(QStringLiteral("SELECT count(*) FROM queues WHERE name = 'mail' AND paused <> 0")), 0);
        QCOMPARE(count(QStringLiteral("SELECT count(*) FROM audit_log")), audited);
        // Installing again restores it.
        QCOMPARE(as({}, args("roles install")).exitCode, 0);
        QCOMPARE(as(QStringLiteral("operator"), args("pause mail")).exitCode, 0);
    }

    void adminDoesEverything()
    {
        if (!test::onServer())
            QSKIP("roles exist on servers");
        const QString admin = QStringLiteral("admin");
        QCOMPARE(as(admin, args("set-concurrency mail 2")).exitCode, 0);
        QCOMPARE(as(admin, args("settings set retention.endedTasksDays 3")).exitCode, 0);
        const CliRun purge = as(admin, args("purge --queue mail --state queued --yes"));
        QVERIFY2(purge.exitCode == 0, purge.err.constData());
    }

    void cleanupTestCase()
    {
        if (!test::onServer() || m_logins.isEmpty())
            return;
        QStringList drop;
        for (const QString& login : std::as_const(m_logins)) {
            if (test::onPostgres()) {
                drop.append(QStringLiteral("DROP OWNED BY %1").arg(login));
                drop.append(QStringLiteral("DROP ROLE %1").arg(login));
            } else {
                drop.append(QStringLiteral("DROP USER %1").arg(quotedLogin(RoleServer::MariaDb, login)));
            }
        }
        superuser(drop);
    }
};

QTEST_GUILESS_MAIN(TestCliRoles)
#include "tst_cliroles.moc"
