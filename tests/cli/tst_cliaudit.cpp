// `queuedesk-cli audit` and `export audit`: the command line's admin actions recorded as this OS user and "cli",
// listed newest first as a table or JSON, filtered, exported, and kept through a purge. On SQLite, PostgreSQL and
// MariaDB (*_postgres, *_mariadb).
#include "clirunner.h"

#include "../core/storetestutil.h"

#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

#include <pwd.h>
#include <unistd.h>

using qdtest::CliRun;
using namespace qd;

class TestCliAudit : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;

    CliRun cli(QStringList arguments)
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        QProcessEnvironment env = qdtest::isolatedEnvironment(m_dir);
        env.insert(QStringLiteral("USER"), QStringLiteral("carol"));
        return qdtest::runCli(env, arguments);
    }

    QJsonArray audit(QStringList arguments = {})
    {
        arguments.prepend(QStringLiteral("--json"));
        arguments.prepend(QStringLiteral("audit"));
        const CliRun r = cli(arguments);
        if (r.exitCode != 0)
            qWarning("audit: %s", r.err.constData());
        return QJsonDocument::fromJson(r.out).array();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = test::testDatabase(m_dir, QStringLiteral("cliaudit"));
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop"),
                         QStringLiteral("--queue"), QStringLiteral("mail")})
                     .exitCode,
            0);
        const QByteArray lines = "{\"type\":\"noop\",\"queue\":\"web\"}\n{\"type\":\"noop\",\"queue\":\"web\"}\n";
        const CliRun file = qdtest::runCli(
            [this] {
                QProcessEnvironment env = qdtest::isolatedEnvironment(m_dir);
                env.insert(QStringLiteral("USER"), QStringLiteral("carol"));
                return env;
            }(),
            {QStringLiteral("--db"), m_db, QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")},
            lines);
        QCOMPARE(file.exitCode, 0);
        QCOMPARE(cli({QStringLiteral("pause"), QStringLiteral("mail")}).exitCode, 0);
        QCOMPARE(
            cli({QStringLiteral("cancel"), QStringLiteral("--queue"), QStringLiteral("web"), QStringLiteral("--yes")})
                .exitCode,
            0);
    }

    void listsNewestFirstAsJson()
    {
        const QJsonArray rows = audit();
        QCOMPARE(rows.size(), 4);
        const QJsonObject cancel = rows.at(0).toObject();
        QCOMPARE(cancel.value(QStringLiteral("action")).toString(), QStringLiteral("cancel"));
        QCOMPARE(cancel.value(QStringLiteral("count")).toInt(), 2);
        QCOMPARE(cancel.value(QStringLiteral("filter")).toObject().value(QStringLiteral("queues")).toArray().first(),
            QJsonValue(QStringLiteral("web")));
        QCOMPARE(cancel.value(QStringLiteral("actor")).toString(), QStringLiteral("carol"));
        QCOMPARE(cancel.value(QStringLiteral("client")).toString(), QStringLiteral("cli"));
        QVERIFY(!cancel.value(QStringLiteral("host")).toString().isEmpty());
        QCOMPARE(cancel.value(QStringLiteral("db_role")).isNull(), !test::onServer());
        QCOMPARE(rows.at(1).toObject().value(QStringLiteral("action")).toString(), QStringLiteral("pause"));
        QCOMPARE(rows.at(1).toObject().value(QStringLiteral("target")).toString(), QStringLiteral("mail"));
        QVERIFY(rows.at(1).toObject().value(QStringLiteral("count")).isNull());
        // The file's two lines are one batch: one row.
        QCOMPARE(rows.at(2).toObject().value(QStringLiteral("action")).toString(), QStringLiteral("enqueue"));
        QCOMPARE(rows.at(2).toObject().value(QStringLiteral("count")).toInt(), 2);
        QCOMPARE(rows.at(3).toObject().value(QStringLiteral("count")).toInt(), 1);
    }

    void filtersAndTable()
    {
        QCOMPARE(audit({QStringLiteral("--action"), QStringLiteral("enqueue")}).size(), 2);
        QCOMPARE(audit({QStringLiteral("--limit"), QStringLiteral("1")}).size(), 1);
        QCOMPARE(audit({QStringLiteral("--since"), QStringLiteral("2999-01-01")}).size(), 0);
        const CliRun table = cli({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("pause")});
        QCOMPARE(table.exitCode, 0);
        QVERIFY2(table.out.contains("carol@"), table.out.constData());
        QVERIFY(table.out.contains("pause"));
        QVERIFY(!table.out.contains("enqueue"));
        const CliRun bad = cli({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("explode")});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains("Unknown action"));
    }

    void exportsLikeTheRestOfTheHistory()
    {
        const QString jsonl = m_dir.filePath(QStringLiteral("audit.jsonl"));
        QCOMPARE(cli({QStringLiteral("export"), QStringLiteral("audit"), QStringLiteral("-o"), jsonl}).exitCode, 0);
        QFile file(jsonl);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 4);
        // Oldest first, as the other exports.
        QCOMPARE(QJsonDocument::fromJson(lines.first()).object().value(QStringLiteral("action")).toString(),
            QStringLiteral("enqueue"));

        const CliRun csv = cli({QStringLiteral("export"), QStringLiteral("audit"), QStringLiteral("--action"),
            QStringLiteral("cancel"), QStringLiteral("--format"), QStringLiteral("csv")});
        QCOMPARE(csv.exitCode, 0);
        const QList<QByteArray> rows = csv.out.trimmed().split('\n');
        QCOMPARE(rows.size(), 2);
        QCOMPARE(
            rows.first().trimmed(), QByteArray("id,at,actor,host,client,db_role,action,target,filter,count,detail"));
        QVERIFY(rows.last().contains(",cancel,"));
        QCOMPARE(cli({QStringLiteral("export"), QStringLiteral("tasks"), QStringLiteral("--action"),
                         QStringLiteral("pause")})
                     .exitCode,
            2);
    }

    // Without $USER (a service, a container) the account's name is recorded.
    void accountNameWithoutUserVariable()
    {
        QProcessEnvironment env = qdtest::isolatedEnvironment(m_dir);
        env.remove(QStringLiteral("USER"));
        env.remove(QStringLiteral("USERNAME"));
        QCOMPARE(qdtest::runCli(env, {QStringLiteral("--db"), m_db, QStringLiteral("resume"), QStringLiteral("--all")})
                     .exitCode,
            0);
        const passwd* account = ::getpwuid(::getuid());
        QVERIFY(account);
        const QJsonObject row = audit({QStringLiteral("--limit"), QStringLiteral("1")}).first().toObject();
        QCOMPARE(row.value(QStringLiteral("action")).toString(), QStringLiteral("resume"));
        QCOMPARE(row.value(QStringLiteral("actor")).toString(), QString::fromLocal8Bit(account->pw_name));
    }

    // Purging every task leaves the log, and adds its own row.
    void purgeKeepsTheLog()
    {
        QCOMPARE(cli({QStringLiteral("purge"), QStringLiteral("--yes")}).exitCode, 0);
        const QJsonArray rows = audit();
        QCOMPARE(rows.size(), 6);
        QCOMPARE(rows.first().toObject().value(QStringLiteral("action")).toString(), QStringLiteral("purge"));
        QCOMPARE(rows.first().toObject().value(QStringLiteral("count")).toInt(), 3);
    }
};

QTEST_GUILESS_MAIN(TestCliAudit)
#include "tst_cliaudit.moc"
