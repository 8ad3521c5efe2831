// Per-queue encryption through the real binary: keys init, status and rotate --queue seal only that queue's tasks
// with a key of its own; other queues stay plain, and a process without the key shows that queue as "encrypted".
#include "clirunner.h"

#include <QFile>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using qdtest::CliRun;

class TestCliQueueKeys : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    // `configDir` holds the default key file (config/QueueDesk/queuedesk.key); no desktop keyring is reachable.
    QProcessEnvironment environment(const QString& configDir = QStringLiteral("config")) const
    {
        QProcessEnvironment env = qdtest::isolatedEnvironment(m_dir);
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), path(configDir));
        env.remove(QStringLiteral("QUEUEDESK_KEY_FILE"));
        env.insert(
            QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=") + path(QStringLiteral("no-bus")));
        return env;
    }
    CliRun cli(QStringList arguments, const QProcessEnvironment& env)
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        return qdtest::runCli(env, arguments);
    }
    CliRun cli(const QStringList& arguments) { return cli(arguments, environment()); }
    qint64 enqueue(const QString& queue, const QByteArray& secret)
    {
        const CliRun r = cli({QStringLiteral("enqueue"), QStringLiteral("--queue"), queue, QStringLiteral("--type"),
            QStringLiteral("noop"), QStringLiteral("--payload"),
            QStringLiteral("{\"secret\":\"%1\"}").arg(QString::fromLatin1(secret)), QStringLiteral("--json")});
        if (r.exitCode != 0)
            qWarning("enqueue: %s", r.err.constData());
        return qint64(r.json().value(QLatin1String("id")).toDouble());
    }
    QByteArray fileBytes() const
    {
        QByteArray all;
        for (const QString& name : QStringList {m_db, m_db + QLatin1String("-wal")}) {
            QFile f(name);
            if (f.open(QIODevice::ReadOnly))
                all += f.readAll();
        }
        return all;
    }
    static QByteArray newSecret()
    {
        return QByteArrayLiteral("qk-secret-") + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
    }

private Q_SLOTS:
    void initTestCase() { m_db = path(QStringLiteral("queues.db")); }

    void queueKeysFromInitToRotate()
    {
        const QByteArray hidden = newSecret();
        const QByteArray shown = newSecret();
        const qint64 hiddenId = enqueue(QStringLiteral("vault"), hidden);
        const qint64 shownId = enqueue(QStringLiteral("public"), shown);
        QVERIFY(hiddenId > 0 && shownId > 0);

        CliRun r = cli({QStringLiteral("keys"), QStringLiteral("init"), QStringLiteral("--queue"),
            QStringLiteral("vault"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString firstKey = r.json().value(QLatin1String("keyId")).toString();
        QCOMPARE(firstKey.size(), 16);
        QVERIFY2(!fileBytes().contains(hidden), "the encrypted queue's secret is still in the database's files");
        QVERIFY2(fileBytes().contains(shown), "the plain queue's payload was sealed too");

        r = cli({QStringLiteral("keys"), QStringLiteral("status"), QStringLiteral("--queue"), QStringLiteral("vault"),
            QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.json().value(QLatin1String("encrypted")).toBool(), true);
        QCOMPARE(r.json().value(QLatin1String("sealingKeyId")).toString(), firstKey);
        QCOMPARE(r.json().value(QLatin1String("keyLoaded")).toBool(), true);
        r = cli({QStringLiteral("keys"), QStringLiteral("status"), QStringLiteral("--json")});
        QCOMPARE(r.json().value(QLatin1String("encrypted")).toBool(), false); // not the database as a whole
        QCOMPARE(r.json().value(QLatin1String("encryptedQueues")).toArray(), QJsonArray {QStringLiteral("vault")});

        // Without the key: the queue's payload reads "encrypted", the other queue's as it is.
        const QProcessEnvironment keyless = environment(QStringLiteral("elsewhere"));
        r = cli({QStringLiteral("show"), QString::number(hiddenId)}, keyless);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(!r.out.contains(hidden) && r.out.contains("encrypted") && r.out.contains("vault"), r.out.constData());
        r = cli({QStringLiteral("show"), QString::number(shownId)}, keyless);
        QVERIFY2(r.out.contains(shown), r.out.constData());
        r = cli(
            {QStringLiteral("enqueue"), QStringLiteral("--queue"), QStringLiteral("vault"), QStringLiteral("--type"),
                QStringLiteral("noop"), QStringLiteral("--payload"), QStringLiteral("{}")},
            keyless);
        QVERIFY2(r.exitCode != 0 && r.err.contains("vault"), r.err.constData());
        // With it: plain.
        r = cli({QStringLiteral("show"), QString::number(hiddenId)});
        QVERIFY2(r.out.contains(hidden), r.out.constData());

        r = cli({QStringLiteral("keys"), QStringLiteral("init"), QStringLiteral("--queue"), QStringLiteral("vault")});
        QVERIFY2(r.exitCode != 0 && r.err.contains("already encrypted"), r.err.constData());

        r = cli({QStringLiteral("keys"), QStringLiteral("rotate"), QStringLiteral("--queue"), QStringLiteral("vault"),
            QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString secondKey = r.json().value(QLatin1String("keyId")).toString();
        QVERIFY(secondKey != firstKey);
        r = cli({QStringLiteral("keys"), QStringLiteral("status"), QStringLiteral("--queue"), QStringLiteral("vault"),
            QStringLiteral("--json")});
        QCOMPARE(r.json().value(QLatin1String("sealingKeyId")).toString(), secondKey);
        QCOMPARE(r.json().value(QLatin1String("retiredKeyIds")).toArray(), QJsonArray {firstKey});
        QCOMPARE(r.json().value(QLatin1String("payloadsByKey")).toObject().value(secondKey).toInt(), 1);
        r = cli({QStringLiteral("show"), QString::number(hiddenId)});
        QVERIFY2(r.out.contains(hidden), r.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliQueueKeys)
#include "tst_cliqueuekeys.moc"
