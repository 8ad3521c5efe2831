// `alerts add --command PROGRAM --arg A ...`: the rule keeps its command; bad input says what is wrong and adds
// nothing; the shipped CLI runs no programs, so it says so when adding and `monitor` records the refusal in the
// alert history instead of running the program.
#include "clirunner.h"

#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using qdtest::CliRun;

class TestCliAlertCommands : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;

    CliRun cli(QStringList arguments)
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        return qdtest::runCli(qdtest::isolatedEnvironment(m_dir), arguments);
    }

private Q_SLOTS:
    void initTestCase() { m_db = m_dir.filePath(QStringLiteral("alerts.db")); }

    void addKeepsTheCommandAndMonitorRecordsTheRefusal()
    {
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--queue"), QStringLiteral("mail"),
                         QStringLiteral("--type"), QStringLiteral("noop")})
                     .exitCode,
            0);
        const QString marker = m_dir.filePath(QStringLiteral("ran"));
        CliRun r = cli({QStringLiteral("--json"), QStringLiteral("alerts"), QStringLiteral("add"),
            QStringLiteral("--condition"), QStringLiteral("length"), QStringLiteral("--threshold"), QStringLiteral("0"),
            QStringLiteral("--queue"), QStringLiteral("mail"), QStringLiteral("--command"),
            QStringLiteral("/usr/bin/touch"), QStringLiteral("--arg"), marker, QStringLiteral("--arg"),
            QStringLiteral("two words"), QStringLiteral("--command-timeout"), QStringLiteral("5s")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject command = r.json().value(QLatin1String("command")).toObject();
        QCOMPARE(command.value(QLatin1String("program")).toString(), QStringLiteral("/usr/bin/touch"));
        QCOMPARE(command.value(QLatin1String("args")).toArray(), QJsonArray({marker, QStringLiteral("two words")}));
        QCOMPARE(command.value(QLatin1String("timeoutMs")).toInteger(), 5000);
        QVERIFY2(r.err.contains("would refuse the command") && r.err.contains("disabled"), r.err.constData());

        // Bad input: said, nothing added.
        r = cli(
            {QStringLiteral("alerts"), QStringLiteral("add"), QStringLiteral("--condition"), QStringLiteral("length"),
                QStringLiteral("--threshold"), QStringLiteral("1"), QStringLiteral("--arg"), QStringLiteral("x")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("need --command"), r.err.constData());
        r = cli({QStringLiteral("alerts"), QStringLiteral("add"), QStringLiteral("--condition"),
            QStringLiteral("length"), QStringLiteral("--threshold"), QStringLiteral("1"), QStringLiteral("--command"),
            QStringLiteral("/bin/true"), QStringLiteral("--command-timeout"), QStringLiteral("1h")});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains("command.timeoutMs"), r.err.constData());
        r = cli({QStringLiteral("--json"), QStringLiteral("alerts"), QStringLiteral("list")});
        QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 1);

        // The monitor of the shipped CLI has no allow-list: the firing is recorded, the program refused, not run.
        r = cli({QStringLiteral("monitor"), QStringLiteral("--once")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("FIRED"), r.out.constData());
        QVERIFY(!QFile::exists(marker));
        r = cli({QStringLiteral("--json"), QStringLiteral("alerts"), QStringLiteral("history")});
        const QJsonArray history = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(history.size(), 2);
        QCOMPARE(history.at(0).toObject().value(QLatin1String("kind")).toString(), QStringLiteral("command-refused"));
        QVERIFY(
            history.at(0).toObject().value(QLatin1String("message")).toString().contains(QLatin1String("disabled")));
        QCOMPARE(history.at(1).toObject().value(QLatin1String("kind")).toString(), QStringLiteral("fired"));
        r = cli({QStringLiteral("alerts"), QStringLiteral("history")});
        QVERIFY2(r.out.contains("command-refused"), r.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliAlertCommands)
#include "tst_clialertcommands.moc"
