// `queuedesk-cli spool add|list|pause|resume|remove`, as scripts use them (the real binary in a child process),
// and `work` running what they configured: a file written in place in a stable-file spool, one renamed into new/.
#include "clirunner.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

using qdtest::CliRun;

class TestCliSpool : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;

    CliRun cli(QStringList arguments)
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        return qdtest::runCli(qdtest::isolatedEnvironment(m_dir), arguments);
    }

    // The spools as `spool list --json` gives them, by name.
    QHash<QString, QJsonObject> listed()
    {
        const CliRun r = cli({QStringLiteral("spool"), QStringLiteral("list"), QStringLiteral("--json")});
        QHash<QString, QJsonObject> spools;
        for (const QJsonValue& v : QJsonDocument::fromJson(r.out).array())
            spools.insert(v.toObject().value(QLatin1String("name")).toString(), v.toObject());
        return spools;
    }

    QString folder(const QString& name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void initTestCase() { m_db = m_dir.filePath(QStringLiteral("spools.db")); }

    void addListPauseResumeRemove()
    {
        CliRun r = cli({QStringLiteral("spool"), QStringLiteral("add"), QStringLiteral("inbox"),
            QStringLiteral("--dir"), folder(QStringLiteral("inbox"))});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(QString::fromUtf8(r.out).contains(
                     QStringLiteral("Spool \"inbox\" reads ") + folder(QStringLiteral("inbox"))),
            r.out.constData());

        r = cli({QStringLiteral("spool"), QStringLiteral("add"), QStringLiteral("photos"), QStringLiteral("--dir"),
            folder(QStringLiteral("photos")), QStringLiteral("--type"), QStringLiteral("image"),
            QStringLiteral("--pattern"), QStringLiteral("*.jpg"), QStringLiteral("--queue"), QStringLiteral("images"),
            QStringLiteral("--payload-template"),
            QStringLiteral(R"({"input":"{path}","output":"{spool}/thumbs/{stem}.webp","width":64})"),
            QStringLiteral("--stable-ms"), QStringLiteral("1500"), QStringLiteral("--stable-dir"),
            folder(QStringLiteral("uploads")), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonObject added = r.json().value(QLatin1String("config")).toObject();
        QCOMPARE(added.value(QLatin1String("stableMs")).toInt(), 1500);
        QCOMPARE(added.value(QLatin1String("stableDir")).toString(), folder(QStringLiteral("uploads")));

        QHash<QString, QJsonObject> spools = listed();
        QCOMPARE(spools.size(), 2);
        const QJsonObject photos = spools.value(QStringLiteral("photos"));
        QCOMPARE(photos.value(QLatin1String("paused")).toBool(), false);
        const QJsonObject config = photos.value(QLatin1String("config")).toObject();
        QCOMPARE(config.value(QLatin1String("dir")).toString(), folder(QStringLiteral("photos")));
        QCOMPARE(config.value(QLatin1String("type")).toString(), QStringLiteral("image"));
        QCOMPARE(config.value(QLatin1String("pattern")).toString(), QStringLiteral("*.jpg"));
        QCOMPARE(config.value(QLatin1String("queue")).toString(), QStringLiteral("images"));
        QCOMPARE(config.value(QLatin1String("payloadTemplate")).toObject().value(QLatin1String("width")).toInt(), 64);
        QVERIFY(!spools.value(QStringLiteral("inbox"))
                     .value(QLatin1String("config"))
                     .toObject()
                     .contains(QLatin1String("stableMs")));

        r = cli({QStringLiteral("spool"), QStringLiteral("list")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(QString::fromUtf8(r.out).contains(QStringLiteral("photos  ") + folder(QStringLiteral("photos"))
                     + QStringLiteral("  *.jpg -> image  stable 1500 ms in ") + folder(QStringLiteral("uploads"))),
            r.out.constData());

        r = cli({QStringLiteral("spool"), QStringLiteral("pause"), QStringLiteral("photos")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray("Spool \"photos\" paused.\n"));
        QCOMPARE(listed().value(QStringLiteral("photos")).value(QLatin1String("paused")).toBool(), true);
        QVERIFY(cli({QStringLiteral("spool"), QStringLiteral("list")}).out.contains("photos  (paused)"));
        r = cli(
            {QStringLiteral("spool"), QStringLiteral("resume"), QStringLiteral("photos"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value(QLatin1String("action")).toString(), QStringLiteral("resume"));
        QCOMPARE(listed().value(QStringLiteral("photos")).value(QLatin1String("paused")).toBool(), false);

        r = cli({QStringLiteral("spool"), QStringLiteral("remove"), QStringLiteral("inbox")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(listed().keys(), QStringList {QStringLiteral("photos")});
        QVERIFY(QFileInfo(folder(QStringLiteral("photos"))).exists() == false); // folders are made by `work`
        QCOMPARE(cli({QStringLiteral("spool"), QStringLiteral("remove"), QStringLiteral("photos")}).exitCode, 0);
        QVERIFY(listed().isEmpty());
    }

    void mistakesAreRefusedWithTheirReason_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        const QString dir = m_dir.filePath(QStringLiteral("spoolx"));
        const QStringList add {QStringLiteral("spool"), QStringLiteral("add"), QStringLiteral("x")};
        QTest::newRow("no dir") << add << 2 << QStringLiteral("spool add needs --dir DIR.");
        QTest::newRow("unknown type") << add
                + QStringList {QStringLiteral("--dir"), dir, QStringLiteral("--type"), QStringLiteral("nope")}
                                      << 5 << QStringLiteral("Unknown task type \"nope\"");
        QTest::newRow("pattern without type")
            << add + QStringList {QStringLiteral("--dir"), dir, QStringLiteral("--pattern"), QStringLiteral("*.jpg")}
            << 5 << QStringLiteral("a pattern or payload template needs a task type");
        QTest::newRow("stable-ms not a number")
            << add + QStringList {QStringLiteral("--dir"), dir, QStringLiteral("--stable-ms"), QStringLiteral("soon")}
            << 5 << QStringLiteral("--stable-ms must be a positive number of milliseconds.");
        QTest::newRow("stable-dir without stable-ms")
            << add + QStringList {QStringLiteral("--dir"), dir, QStringLiteral("--stable-dir"), dir} << 5
            << QStringLiteral("a stable folder needs a stable time.");
        QTest::newRow("stable-dir is new/") << add
                + QStringList {QStringLiteral("--dir"), dir, QStringLiteral("--stable-ms"), QStringLiteral("100"),
                    QStringLiteral("--stable-dir"), dir + QStringLiteral("/new")}
                                            << 5 << QStringLiteral("the stable folder cannot be the spool's new/");
        QTest::newRow("bad template") << add
                + QStringList {QStringLiteral("--dir"), dir, QStringLiteral("--type"), QStringLiteral("noop"),
                    QStringLiteral("--payload-template"), QStringLiteral("[1]")}
                                      << 5 << QStringLiteral("--payload-template must be a JSON object.");
        QTest::newRow("unknown action") << QStringList {QStringLiteral("spool"), QStringLiteral("stop"),
            QStringLiteral("x")} << 2 << QStringLiteral("Unknown spool action \"stop\"");
        QTest::newRow("pause without name") << QStringList {QStringLiteral("spool"), QStringLiteral("pause")} << 2
                                            << QStringLiteral("spool pause needs a NAME.");
        QTest::newRow("pause unknown") << QStringList {QStringLiteral("spool"), QStringLiteral("pause"),
            QStringLiteral("ghost")} << 3
                                       << QStringLiteral("There is no spool \"ghost\"");
        QTest::newRow("remove unknown") << QStringList {QStringLiteral("spool"), QStringLiteral("remove"),
            QStringLiteral("ghost")} << 3
                                        << QStringLiteral("There is no spool \"ghost\"");
    }

    void mistakesAreRefusedWithTheirReason()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const CliRun r = cli(arguments);
        QVERIFY2(
            r.exitCode == exitCode, qPrintable(QStringLiteral("%1: %2").arg(r.exitCode).arg(QString::fromUtf8(r.err))));
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
        QVERIFY(listed().isEmpty());
    }

    void addingTheSameNameTwiceIsRefused()
    {
        const QStringList add {
            QStringLiteral("spool"), QStringLiteral("add"), QStringLiteral("twice"), QStringLiteral("--dir")};
        QCOMPARE(cli(add + QStringList {folder(QStringLiteral("a"))}).exitCode, 0);
        const CliRun r = cli(add + QStringList {folder(QStringLiteral("b"))});
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("There is already a source twice"), r.err.constData());
        QCOMPARE(listed()
                     .value(QStringLiteral("twice"))
                     .value(QLatin1String("config"))
                     .toObject()
                     .value(QLatin1String("dir"))
                     .toString(),
            folder(QStringLiteral("a")));
        QCOMPARE(cli({QStringLiteral("spool"), QStringLiteral("remove"), QStringLiteral("twice")}).exitCode, 0);
    }

    // `work` runs the spools: a task file written in place (stable-file mode) and one renamed into new/.
    void workRunsWhatWasConfigured()
    {
        const QString dir = folder(QStringLiteral("worked"));
        QCOMPARE(cli({QStringLiteral("spool"), QStringLiteral("add"), QStringLiteral("worked"), QStringLiteral("--dir"),
                         dir, QStringLiteral("--stable-ms"), QStringLiteral("300")})
                     .exitCode,
            0);
        QProcess worker;
        auto stop = qScopeGuard([&worker] {
            worker.kill();
            worker.waitForFinished();
        });
        worker.setProcessEnvironment(qdtest::isolatedEnvironment(m_dir));
        worker.start(QStringLiteral(CLI_PATH),
            {QStringLiteral("--db"), m_db, QStringLiteral("work"), QStringLiteral("--report-ms"), QStringLiteral("0")});
        QVERIFY(worker.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(dir + QStringLiteral("/new")).isDir(), 20'000);
        QFile inPlace(dir + QStringLiteral("/written in place.json"));
        QVERIFY(inPlace.open(QIODevice::WriteOnly));
        inPlace.write(R"({"type":"noop","payload":{"how":"in place"}})");
        inPlace.close();
        QFile renamed(dir + QStringLiteral("/tmp/renamed.json"));
        QVERIFY(renamed.open(QIODevice::WriteOnly));
        renamed.write(R"({"type":"noop","payload":{"how":"renamed"}})");
        renamed.close();
        QVERIFY(QFile::rename(renamed.fileName(), dir + QStringLiteral("/new/renamed.json")));
        QTRY_COMPARE_WITH_TIMEOUT(QDir(dir + QStringLiteral("/done")).entryList(QDir::Files).size(), 4, 20'000);
        const QStringList done = QDir(dir + QStringLiteral("/done")).entryList(QDir::Files);
        QVERIFY(done.contains(QStringLiteral("written in place.json")));
        QVERIFY(done.contains(QStringLiteral("renamed.json.result.json")));
        worker.terminate();
        QVERIFY(worker.waitForFinished(20'000));
        QCOMPARE(worker.exitCode(), 0);
        stop.dismiss();
        const CliRun list = cli({QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(list.json().value(QLatin1String("total")).toInt(), 2);
    }
};

QTEST_GUILESS_MAIN(TestCliSpool)
#include "tst_clispool.moc"
