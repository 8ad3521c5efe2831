// `queuedesk-cli failures` and `retry|cancel|purge --cluster` (issue 18): clusters listed newest first as a table or
// JSON, the filters, and a cluster's exact count with --dry-run before it is acted on.
#include "clirunner.h"

#include "core/taskstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using qdtest::CliRun;
using namespace qd;

class TestCliFailures : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;
    QList<qint64> m_mailIds;
    qint64 m_imageId = 0;

    CliRun cli(QStringList arguments)
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        return qdtest::runCli(qdtest::isolatedEnvironment(m_dir), arguments);
    }

    QJsonArray clusters(QStringList arguments = {})
    {
        arguments.prepend(QStringLiteral("--json"));
        arguments.prepend(QStringLiteral("failures"));
        const CliRun r = cli(arguments);
        if (r.exitCode != 0)
            qWarning("failures: %s", r.err.constData());
        return QJsonDocument::fromJson(r.out).array();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_db = m_dir.filePath(QStringLiteral("failures.db"));
        StoreOptions options;
        options.path = m_db;
        options.createIfMissing = true;
        auto store = std::move(TaskStore::open(options)).value();
        NewTask mail;
        mail.queue = QStringLiteral("mail");
        mail.type = QStringLiteral("notify");
        NewTask image = mail;
        image.queue = QStringLiteral("images");
        image.type = QStringLiteral("image");
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(store->enqueue({mail, mail, mail, image}, now).ok());
        const auto failNext = [&](const QString& queue, const QString& error, qint64 at) -> qint64 {
            auto claimed = store->claim(queue, 1, QStringLiteral("o"), 30'000, at);
            if (!claimed || claimed->isEmpty())
                return 0;
            const Task t = claimed->first();
            return store->fail(
                       t.id, t.attempts, QStringLiteral("o"), QStringLiteral("w"), error, true, std::nullopt, at)
                ? t.id
                : 0;
        };
        m_imageId = failNext(QStringLiteral("images"), QStringLiteral("cannot open /in/a.png"), now - 3000);
        for (int i = 0; i < 3; ++i)
            m_mailIds.append(failNext(QStringLiteral("mail"),
                QStringLiteral("HTTP %1 from https://h%2.test/x").arg(500 + i).arg(i), now - 2000 + i));
        QVERIFY(m_imageId && !m_mailIds.contains(0));
    }

    void listsClustersNewestFirst()
    {
        const QJsonArray all = clusters();
        QCOMPARE(all.size(), 2);
        const QJsonObject mail = all.at(0).toObject();
        QCOMPARE(mail.value(QLatin1String("signature")).toString(), QStringLiteral("HTTP <n> from <url>"));
        QCOMPARE(mail.value(QLatin1String("count")).toInteger(), 3);
        QCOMPARE(mail.value(QLatin1String("tasks")).toInteger(), 3);
        QCOMPARE(mail.value(QLatin1String("queues")).toArray(), QJsonArray {QStringLiteral("mail")});
        QCOMPARE(mail.value(QLatin1String("types")).toArray(), QJsonArray {QStringLiteral("notify")});
        QCOMPARE(mail.value(QLatin1String("sampleTaskId")).toInteger(), m_mailIds.last());
        QCOMPARE(mail.value(QLatin1String("id")).toString().size(), 12);
        QCOMPARE(
            all.at(1).toObject().value(QLatin1String("signature")).toString(), QStringLiteral("cannot open <path>"));

        QCOMPARE(clusters({QStringLiteral("--queue"), QStringLiteral("images")}).size(), 1);
        QCOMPARE(clusters({QStringLiteral("--limit"), QStringLiteral("1")}).size(), 1);
        QCOMPARE(clusters({QStringLiteral("--since"), QStringLiteral("2099-01-01T00:00:00Z")}).size(), 0);

        const CliRun text = cli({QStringLiteral("failures")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("HTTP <n> from <url>") && text.out.contains("SIGNATURE"), text.out.constData());
        QVERIFY(text.out.indexOf("HTTP <n>") < text.out.indexOf("cannot open"));
        const CliRun bad = cli({QStringLiteral("failures"), QStringLiteral("--since"), QStringLiteral("yesterday")});
        QVERIFY(bad.exitCode != 0);
        QVERIFY2(bad.err.contains("--since"), bad.err.constData());
    }

    void actsOnACluster()
    {
        const QString id = clusters().at(0).toObject().value(QLatin1String("id")).toString();
        CliRun r = cli({QStringLiteral("retry"), QStringLiteral("--cluster"), id, QStringLiteral("--dry-run"),
            QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value(QLatin1String("retried")).toInteger(), 3);
        // Other filters narrow the cluster.
        r = cli({QStringLiteral("cancel"), QStringLiteral("--cluster"), id, QStringLiteral("--dry-run"),
            QStringLiteral("--json")});
        QCOMPARE(r.json().value(QLatin1String("cancelled")).toInteger(), 0);
        r = cli({QStringLiteral("retry"), QStringLiteral("--cluster"), id, QStringLiteral("--queue"),
            QStringLiteral("images"), QStringLiteral("--dry-run"), QStringLiteral("--json")});
        QCOMPARE(r.json().value(QLatin1String("retried")).toInteger(), 0);

        r = cli({QStringLiteral("retry"), QStringLiteral("--cluster"), id, QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value(QLatin1String("retried")).toInteger(), 3);
        // The image task is another cluster's: still failed.
        r = cli({QStringLiteral("show"), QString::number(m_imageId), QStringLiteral("--json")});
        QVERIFY2(r.out.contains("\"failed\""), r.out.constData());

        r = cli({QStringLiteral("purge"), QStringLiteral("--cluster"), QStringLiteral("000000000000")});
        QCOMPARE(r.exitCode, 3); // no such cluster
        r = cli({QStringLiteral("retry"), QStringLiteral("1"), QStringLiteral("--cluster"), id});
        QVERIFY(r.exitCode != 0); // ids or a cluster, not both
    }
};

QTEST_GUILESS_MAIN(TestCliFailures)
#include "tst_clifailures.moc"
