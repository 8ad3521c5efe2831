// `queuedesk-cli stats --capacity` on a real workload: rates measured from what a `work` process ran, and forecasts
// that follow from them (issue 18).
#include "clirunner.h"

#include <QJsonArray>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using qdtest::CliRun;

class TestCliCapacity : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;

    CliRun cli(QStringList arguments, const QByteArray& input = {})
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        return qdtest::runCli(qdtest::isolatedEnvironment(m_dir), arguments, input);
    }

    static QByteArray sleepTasks(int count, int ms)
    {
        QByteArray lines;
        for (int i = 0; i < count; ++i)
            lines += QByteArray(R"({"queue":"slow","type":"sleep","payload":{"ms":)") + QByteArray::number(ms) + "}}\n";
        return lines;
    }

    qint64 succeeded()
    {
        const CliRun r = cli({QStringLiteral("list"), QStringLiteral("--state"), QStringLiteral("succeeded"),
            QStringLiteral("--limit"), QStringLiteral("1"), QStringLiteral("--json")});
        return r.json().value(QLatin1String("total")).toInteger();
    }

    QJsonObject capacity(const QString& window)
    {
        const CliRun r = cli({QStringLiteral("stats"), QStringLiteral("--capacity"), QStringLiteral("--window"), window,
            QStringLiteral("--json")});
        if (r.exitCode != 0)
            qWarning("stats --capacity: %s", r.err.constData());
        for (const QJsonValue& q : r.json().value(QLatin1String("queues")).toArray()) {
            if (q.toObject().value(QLatin1String("queue")).toString() == u"slow")
                return q.toObject();
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase() { m_db = m_dir.filePath(QStringLiteral("capacity.db")); }

    // Two workers ran 10 tasks of 200 ms; then 1,200 more arrive at once: far more than two workers serve in the
    // window, so the forecast says it will not drain and how many workers would.
    void measuresRatesAndForecastsAnOverload()
    {
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, sleepTasks(10, 200))
                     .exitCode,
            0);
        QProcess worker;
        const auto stop = qScopeGuard([&worker] {
            if (worker.state() != QProcess::NotRunning) {
                worker.kill();
                worker.waitForFinished();
            }
        });
        worker.setProcessEnvironment(qdtest::isolatedEnvironment(m_dir));
        worker.start(QStringLiteral(CLI_PATH),
            {QStringLiteral("--db"), m_db, QStringLiteral("work"), QStringLiteral("--concurrency"),
                QStringLiteral("2")});
        QVERIFY(worker.waitForStarted());
        QTRY_COMPARE_WITH_TIMEOUT(succeeded(), qint64(10), 60'000);
        worker.terminate();
        QVERIFY(worker.waitForFinished(20'000));

        // Nothing waits: the queue keeps up.
        QJsonObject slow = capacity(QStringLiteral("5"));
        QCOMPARE(slow.value(QLatin1String("workers")).toInt(), 2);
        QCOMPARE(slow.value(QLatin1String("runs")).toInt(), 10);
        const double mu = slow.value(QLatin1String("servicePerWorkerPerSecond")).toDouble();
        QVERIFY2(mu > 1 && mu <= 5.0, qPrintable(QString::number(mu))); // a run takes at least its 200 ms sleep
        QCOMPARE(slow.value(QLatin1String("queued")).toInt(), 0);
        QCOMPARE(slow.value(QLatin1String("drainSeconds")).toDouble(), 0.0);
        QCOMPARE(slow.value(QLatin1String("forecast")).toString(), QStringLiteral("keeps up: nothing waits"));

        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, sleepTasks(1200, 200))
                     .exitCode,
            0);
        slow = capacity(QStringLiteral("1"));
        const double lambda = slow.value(QLatin1String("arrivalsPerSecond")).toDouble();
        QVERIFY2(std::abs(lambda - 1210.0 / 60) < 1e-9, qPrintable(QString::number(lambda)));
        QCOMPARE(slow.value(QLatin1String("queued")).toInt(), 1200);
        const double rho = slow.value(QLatin1String("utilisation")).toDouble();
        QVERIFY(
            std::abs(rho - lambda / (2 * slow.value(QLatin1String("servicePerWorkerPerSecond")).toDouble())) < 1e-9);
        QVERIFY(rho > 1);
        QVERIFY(slow.value(QLatin1String("drainSeconds")).isNull());
        const QString forecast = slow.value(QLatin1String("forecast")).toString();
        QVERIFY2(
            forecast.startsWith(QStringLiteral("will not drain: arrivals exceed capacity by ")), qPrintable(forecast));
        QVERIFY2(forecast.contains(QStringLiteral("more workers would drain it in about")), qPrintable(forecast));
        QVERIFY(slow.value(QLatin1String("suggestedWorkers")).toInt() > 4);

        // The people's table says the same.
        const CliRun table = cli(
            {QStringLiteral("stats"), QStringLiteral("--capacity"), QStringLiteral("--window"), QStringLiteral("1")});
        QCOMPARE(table.exitCode, 0);
        QVERIFY2(table.out.contains(forecast.toUtf8()), table.out.constData());
    }

    void refusesOtherWindows()
    {
        const CliRun r = cli(
            {QStringLiteral("stats"), QStringLiteral("--capacity"), QStringLiteral("--window"), QStringLiteral("7")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("--window must be 1, 5 or 15"));
    }
};

QTEST_GUILESS_MAIN(TestCliCapacity)
#include "tst_clicapacity.moc"
