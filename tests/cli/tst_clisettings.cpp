// `queuedesk-cli settings`: list (with --json), get, set, unset of the database's own settings; unknown keys and bad
// values refused with exit code 5 and nothing written; --read-only refuses set; and a command task accepted by
// `enqueue` once `settings set command.allowedPrograms` lists its program.
#include "clirunner.h"

#include <QJsonArray>
#include <QStandardPaths>
#include <QTest>

using namespace qdtest;
using namespace Qt::StringLiterals;

class TestCliSettings : public QObject {
    Q_OBJECT

private slots:
    void init();
    void listShowsDefaults();
    void setGetUnsetRoundTrip();
    void badInputIsRefusedAndChangesNothing();
    void readOnlyRefusesSet();
    void enqueueFollowsTheAllowList();

private:
    CliRun cli(const QStringList& args, const QByteArray& input = {})
    {
        return runCli(m_env, QStringList {u"--db"_s, m_db} + args, input);
    }
    std::unique_ptr<QTemporaryDir> m_dir;
    QProcessEnvironment m_env;
    QString m_db;
};

void TestCliSettings::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_env = isolatedEnvironment(*m_dir);
    m_db = m_dir->filePath(u"queue.db"_s);
    // A database to talk to: an enqueue creates it.
    const CliRun created = cli({u"enqueue"_s, u"--type"_s, u"noop"_s});
    QVERIFY2(created.exitCode == 0, created.err.constData());
}

void TestCliSettings::listShowsDefaults()
{
    const CliRun table = cli({u"settings"_s});
    QVERIFY2(table.exitCode == 0, table.err.constData());
    QVERIFY(table.out.contains("command.allowedPrograms"));
    QVERIFY(table.out.contains("retention.endedTasksDays"));
    QVERIFY(table.out.contains("(default)"));

    const CliRun json = cli({u"settings"_s, u"list"_s, u"--json"_s});
    QCOMPARE(json.exitCode, 0);
    const QJsonArray rows = QJsonDocument::fromJson(json.out).array();
    QCOMPARE(rows.size(), 6);
    for (const QJsonValue& row : rows) {
        const QJsonObject o = row.toObject();
        QVERIFY(!o.value(u"isSet"_s).toBool());
        QCOMPARE(o.value(u"value"_s), o.value(u"default"_s));
        QVERIFY(!o.value(u"description"_s).toString().isEmpty());
    }
}

void TestCliSettings::setGetUnsetRoundTrip()
{
    CliRun set = cli({u"settings"_s, u"set"_s, u"retention.endedTasksDays"_s, u"14"_s});
    QVERIFY2(set.exitCode == 0, set.err.constData());
    QCOMPARE(cli({u"settings"_s, u"get"_s, u"retention.endedTasksDays"_s}).out.trimmed(), QByteArray("14"));
    set = cli({u"settings"_s, u"set"_s, u"network.allowHosts"_s, u"Hooks.Example.com, 10.1.2.3"_s});
    QVERIFY2(set.exitCode == 0, set.err.constData());
    const CliRun got = cli({u"--json"_s, u"settings"_s, u"get"_s, u"network.allowHosts"_s});
    QCOMPARE(got.exitCode, 0);
    QCOMPARE(got.json().value(u"value"_s).toArray(), (QJsonArray {u"hooks.example.com"_s, u"10.1.2.3"_s}));
    QVERIFY(got.json().value(u"isSet"_s).toBool());
    set = cli({u"settings"_s, u"set"_s, u"network.refuseLoopback"_s, u"yes"_s});
    QCOMPARE(set.exitCode, 0);
    QCOMPARE(cli({u"settings"_s, u"get"_s, u"network.refuseLoopback"_s}).out.trimmed(), QByteArray("true"));

    const CliRun unset = cli({u"settings"_s, u"unset"_s, u"retention.endedTasksDays"_s});
    QVERIFY2(unset.exitCode == 0, unset.err.constData());
    QVERIFY(unset.out.contains("(default)"));
    QCOMPARE(cli({u"settings"_s, u"get"_s, u"retention.endedTasksDays"_s}).out.trimmed(), QByteArray("0"));
    const QJsonArray rows = QJsonDocument::fromJson(cli({u"settings"_s, u"--json"_s}).out).array();
    int setCount = 0;
    for (const QJsonValue& row : rows)
        setCount += row.toObject().value(u"isSet"_s).toBool() ? 1 : 0;
    QCOMPARE(setCount, 2);
}

void TestCliSettings::badInputIsRefusedAndChangesNothing()
{
    QCOMPARE(cli({u"settings"_s, u"set"_s, u"retention.endedTasksDays"_s, u"7"_s}).exitCode, 0);
    const struct {
        QStringList args;
        const char* message;
    } cases[] = {
        {{u"set"_s, u"retention.endedTasksDays"_s, u"--"_s, u"-1"_s}, "whole number of days"}, // -- : not an option
        {{u"set"_s, u"retention.endedTasksDays"_s, u"soon"_s}, "not a whole number"},
        {{u"set"_s, u"retention.days"_s, u"3"_s}, "Unknown setting"},
        {{u"set"_s, u"command.allowedPrograms"_s, u"echo"_s}, "not an absolute path"},
        {{u"set"_s, u"network.refusePrivate"_s, u"maybe"_s}, "not true or false"},
        {{u"unset"_s, u"nothing.here"_s}, "Unknown setting"},
        {{u"get"_s, u"nothing.here"_s}, "Unknown setting"},
    };
    for (const auto& c : cases) {
        const CliRun run = cli(QStringList {u"settings"_s} + c.args);
        QVERIFY2(run.exitCode == 5, qPrintable(c.args.join(u' ') + u" -> "_s + QString::number(run.exitCode)));
        QVERIFY2(run.err.contains(c.message), run.err.constData());
    }
    QCOMPARE(cli({u"settings"_s, u"bogus"_s}).exitCode, 2);
    QCOMPARE(cli({u"settings"_s, u"get"_s, u"retention.endedTasksDays"_s}).out.trimmed(), QByteArray("7"));
}

void TestCliSettings::readOnlyRefusesSet()
{
    const CliRun refused = cli({u"--read-only"_s, u"settings"_s, u"set"_s, u"network.refusePrivate"_s, u"true"_s});
    QCOMPARE(refused.exitCode, 4);
    QVERIFY2(refused.err.contains("read-only"), refused.err.constData());
    const CliRun read = cli({u"--read-only"_s, u"settings"_s, u"get"_s, u"network.refusePrivate"_s});
    QCOMPARE(read.exitCode, 0);
    QCOMPARE(read.out.trimmed(), QByteArray("false"));
}

void TestCliSettings::enqueueFollowsTheAllowList()
{
    const QString echo = QStandardPaths::findExecutable(u"echo"_s);
    QVERIFY(!echo.isEmpty());
    const QStringList enqueue {u"enqueue"_s, u"--type"_s, u"command"_s, u"--payload"_s,
        QString::fromUtf8(QJsonDocument(QJsonObject {{u"program"_s, echo}}).toJson(QJsonDocument::Compact))};
    const CliRun off = cli(enqueue);
    QCOMPARE(off.exitCode, 5);
    QVERIFY2(off.err.contains("settings set command.allowedPrograms"), off.err.constData());
    const CliRun set = cli({u"settings"_s, u"set"_s, u"command.allowedPrograms"_s, echo});
    QVERIFY2(set.exitCode == 0, set.err.constData());
    const CliRun on = cli(enqueue);
    QVERIFY2(on.exitCode == 0, on.err.constData());
    // A program not listed stays refused.
    const CliRun other = cli({u"enqueue"_s, u"--type"_s, u"command"_s, u"--payload"_s, uR"({"program":"/bin/sh"})"_s});
    QCOMPARE(other.exitCode, 5);
    QVERIFY2(other.err.contains("not in the allow-list"), other.err.constData());
    // A listed path this host cannot run is kept, with a warning.
    const CliRun missing = cli({u"settings"_s, u"set"_s, u"command.allowedPrograms"_s, u"/nonexistent/qd-tool"_s});
    QCOMPARE(missing.exitCode, 0);
    QVERIFY2(missing.err.contains("not an executable file"), missing.err.constData());
}

QTEST_GUILESS_MAIN(TestCliSettings)
#include "tst_clisettings.moc"
