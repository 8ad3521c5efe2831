// `queuedesk-cli workers` on real `work` processes (issue 17): each announces itself, shows its workers and the task
// it runs; a SIGTERMed one leaves, a SIGKILLed one shows as lost once it missed three beats (5 s each). With them:
// `stats --capacity` counts the workers of live processes, and `alerts add --condition worker-silent` is accepted.
#include "clirunner.h"

#include <QJsonArray>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

using qdtest::CliRun;

class TestCliWorkers : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;

    CliRun cli(QStringList arguments, const QByteArray& input = {})
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        return qdtest::runCli(qdtest::isolatedEnvironment(m_dir), arguments, input);
    }

    QJsonArray workers()
    {
        const CliRun r = cli({QStringLiteral("workers"), QStringLiteral("--json")});
        if (r.exitCode != 0)
            qWarning("workers: %s", r.err.constData());
        return QJsonDocument::fromJson(r.out).array();
    }

    QJsonObject processOf(qint64 pid)
    {
        for (const QJsonValue& p : workers()) {
            if (p.toObject().value(QLatin1String("pid")).toInteger() == pid)
                return p.toObject();
        }
        return {};
    }

    bool startWorker(QProcess& worker, int concurrency)
    {
        worker.setProcessEnvironment(qdtest::isolatedEnvironment(m_dir));
        worker.start(QStringLiteral(CLI_PATH),
            {QStringLiteral("--db"), m_db, QStringLiteral("work"), QStringLiteral("--concurrency"),
                QString::number(concurrency)});
        return worker.waitForStarted();
    }

private Q_SLOTS:
    void initTestCase() { m_db = m_dir.filePath(QStringLiteral("workers.db")); }

    void listsWorkProcessesAndTheirState()
    {
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("sleep"),
                         QStringLiteral("--queue"), QStringLiteral("slow"), QStringLiteral("--payload"),
                         QStringLiteral("{\"ms\":60000}")})
                     .exitCode,
            0);
        QCOMPARE(workers(), QJsonArray()); // nobody works yet
        QProcess leaving, killed;
        const auto stop = qScopeGuard([&] {
            for (QProcess* p : {&leaving, &killed}) {
                if (p->state() != QProcess::NotRunning) {
                    p->kill();
                    p->waitForFinished();
                }
            }
        });
        QVERIFY(startWorker(killed, 3));
        QTRY_COMPARE_WITH_TIMEOUT(
            processOf(killed.processId()).value(QLatin1String("runningCount")).toInt(), 1, 20'000);
        QVERIFY(startWorker(leaving, 2));
        QTRY_VERIFY_WITH_TIMEOUT(!processOf(leaving.processId()).isEmpty(), 20'000);

        const QJsonObject k = processOf(killed.processId());
        QCOMPARE(k.value(QLatin1String("kind")).toString(), QStringLiteral("cli"));
        QCOMPARE(k.value(QLatin1String("workers")).toInt(), 3);
        QCOMPARE(k.value(QLatin1String("state")).toString(), QStringLiteral("ok"));
        QCOMPARE(k.value(QLatin1String("beatMs")).toInt(), 5000);
        QVERIFY(k.value(QLatin1String("id")).toString().contains(QString::number(killed.processId())));
        const QJsonObject task = k.value(QLatin1String("running")).toArray().first().toObject();
        QCOMPARE(task.value(QLatin1String("queue")).toString(), QStringLiteral("slow"));
        QCOMPARE(task.value(QLatin1String("type")).toString(), QStringLiteral("sleep"));
        QVERIFY(!k.value(QLatin1String("lastSeen")).toString().isEmpty());

        // The people's table, read-only too.
        const CliRun table = cli({QStringLiteral("--read-only"), QStringLiteral("workers")});
        QCOMPARE(table.exitCode, 0);
        QVERIFY2(table.out.startsWith("HOST"), table.out.constData());
        QVERIFY2(table.out.contains(QByteArray::number(killed.processId())), table.out.constData());
        QVERIFY2(table.out.contains(" ok"), table.out.constData());

        // c of the capacity forecast: five workers of two live processes, though one started a task in the window.
        const CliRun capacity = cli({QStringLiteral("stats"), QStringLiteral("--capacity"), QStringLiteral("--json")});
        QCOMPARE(capacity.exitCode, 0);
        QCOMPARE(capacity.json().value(QLatin1String("total")).toObject().value(QLatin1String("workers")).toInt(), 5);

        // A clean stop takes the row with it.
        leaving.terminate();
        QVERIFY(leaving.waitForFinished(20'000));
        QVERIFY(processOf(leaving.processId()).isEmpty());

        // A killed process stays, lost once it missed three beats; its task is still under it until its lease runs
        // out.
        QVERIFY(cli({QStringLiteral("alerts"), QStringLiteral("add"), QStringLiteral("--condition"),
                        QStringLiteral("worker-silent"), QStringLiteral("--threshold"), QStringLiteral("20s")})
                    .exitCode
            == 0);
        const qint64 pid = killed.processId();
        ::kill(pid_t(pid), SIGKILL);
        QVERIFY(killed.waitForFinished(5000));
        QCOMPARE(processOf(pid).value(QLatin1String("state")).toString(), QStringLiteral("ok"));
        QTRY_COMPARE_WITH_TIMEOUT(
            processOf(pid).value(QLatin1String("state")).toString(), QStringLiteral("lost"), 30'000);
        QCOMPARE(processOf(pid).value(QLatin1String("runningCount")).toInt(), 1);
        const CliRun lostTable = cli({QStringLiteral("workers")});
        QVERIFY2(lostTable.out.contains(" lost"), lostTable.out.constData());
        // No live process serves the queue now: c is 0, not the worker that started a task in the window.
        const CliRun after = cli({QStringLiteral("stats"), QStringLiteral("--capacity"), QStringLiteral("--json")});
        QCOMPARE(after.json().value(QLatin1String("total")).toObject().value(QLatin1String("workers")).toInt(), 0);
    }
};

QTEST_GUILESS_MAIN(TestCliWorkers)
#include "tst_cliworkers.moc"
