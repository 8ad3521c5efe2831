// Keys in the desktop keyring, end to end through the real binary: keys init --keyring and rotate --keyring keep the
// key out of the key file, a database finds its key in the keyring by id, and a keyring that cannot be reached is a
// clear error that changes nothing. ctest runs it inside scripts/keyring-test-session.sh (a D-Bus session of its own
// with gnome-keyring unlocked); the tests that need the keyring skip, saying why, only where it cannot start.
#include "clirunner.h"

#include "core/crypto/desktopkeyring.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using qdtest::CliRun;

class TestCliKeyring : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;

    QString path(const QString& name) const { return m_dir.filePath(name); }
    QString keyFile() const { return path(QStringLiteral("config/QueueDesk/queuedesk.key")); }

    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = qdtest::isolatedEnvironment(m_dir);
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), path(QStringLiteral("config"))); // the default key file
        env.remove(QStringLiteral("QUEUEDESK_KEY_FILE"));
        env.insert(QStringLiteral("QUEUEDESK_KEYRING_TIMEOUT_MS"), QStringLiteral("20000"));
        return env;
    }
    CliRun cli(QStringList arguments, const QProcessEnvironment& env)
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        return qdtest::runCli(env, arguments);
    }
    CliRun cli(const QStringList& arguments) { return cli(arguments, environment()); }

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
        return QByteArrayLiteral("kr-secret-") + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
    }
    qint64 enqueue(const QByteArray& secret)
    {
        const CliRun r = cli({QStringLiteral("enqueue"), QStringLiteral("--queue"), QStringLiteral("vault"),
            QStringLiteral("--type"), QStringLiteral("noop"), QStringLiteral("--payload"),
            QStringLiteral("{\"secret\":\"%1\"}").arg(QString::fromLatin1(secret)), QStringLiteral("--json")});
        if (r.exitCode != 0)
            qWarning("enqueue: %s", r.err.constData());
        return qint64(r.json().value(QLatin1String("id")).toDouble());
    }

private Q_SLOTS:
    void init() { m_db = path(QLatin1String(QTest::currentTestFunction()) + QLatin1String(".db")); }

    void keysLiveInTheKeyringNotTheFile()
    {
        if (qEnvironmentVariableIsEmpty("QD_TEST_KEYRING_SESSION"))
            QSKIP("Needs a Secret Service of its own: run through scripts/keyring-test-session.sh (ctest does)");
        if (!qEnvironmentVariableIsEmpty("QD_TEST_KEYRING_MISSING"))
            QSKIP(qPrintable(
                QStringLiteral("No Secret Service for the test: ") + qEnvironmentVariable("QD_TEST_KEYRING_MISSING")));
        const QByteArray secret = newSecret();
        const qint64 id = enqueue(secret);
        QVERIFY(id > 0);
        QVERIFY(fileBytes().contains(secret)); // plain before init, so the check below can fail

        CliRun r = cli(
            {QStringLiteral("keys"), QStringLiteral("init"), QStringLiteral("--keyring"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString firstKey = r.json().value(QLatin1String("keyId")).toString();
        QCOMPARE(firstKey.size(), 16);
        QVERIFY2(!QFile::exists(keyFile()), "the key went to the key file");
        QVERIFY2(!fileBytes().contains(secret), "the secret is still in the database's files");
        const auto stored = qd::crypto::readKeyringKey(firstKey);
        QVERIFY2(stored, qPrintable(stored.errorString()));

        // Another process finds the key in the keyring by its id.
        r = cli({QStringLiteral("keys"), QStringLiteral("status"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.json().value(QLatin1String("sealingKeyId")).toString(), firstKey);
        QCOMPARE(r.json().value(QLatin1String("keyLoaded")).toBool(), true);
        QCOMPARE(r.json().value(QLatin1String("keySource")).toString(), QStringLiteral("keyring"));
        r = cli({QStringLiteral("show"), QString::number(id)});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains(secret), r.out.constData());

        // Rotation keeps the new key in the keyring too; the tasks open with it alone.
        r = cli(
            {QStringLiteral("keys"), QStringLiteral("rotate"), QStringLiteral("--keyring"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString secondKey = r.json().value(QLatin1String("keyId")).toString();
        QVERIFY(secondKey != firstKey);
        QVERIFY(!QFile::exists(keyFile()));
        QVERIFY(qd::crypto::deleteKeyringKey(firstKey));
        r = cli({QStringLiteral("show"), QString::number(id)});
        QVERIFY2(r.out.contains(secret), r.out.constData());

        // Without the key anywhere: metadata and "encrypted", and a write is refused with the reason.
        QVERIFY(qd::crypto::deleteKeyringKey(secondKey));
        QCOMPARE(qd::crypto::readKeyringKey(secondKey).error().code, qd::ErrorCode::NotFound);
        r = cli({QStringLiteral("show"), QString::number(id)});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(!r.out.contains(secret) && r.out.contains("encrypted"), r.out.constData());
        QVERIFY2(r.out.contains("vault"), r.out.constData());
        QCOMPARE(enqueue(newSecret()), 0);
    }

    // Runs with or without a Secret Service: this process's children get a session bus that does not exist.
    void missingKeyringIsAClearErrorAndChangesNothing()
    {
        const QByteArray secret = newSecret();
        QVERIFY(enqueue(secret) > 0);
        QProcessEnvironment noKeyring = environment();
        noKeyring.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
            QStringLiteral("unix:path=") + path(QStringLiteral("no-such-bus")));
        noKeyring.remove(QStringLiteral("DISPLAY"));
        const QByteArray before = fileBytes();
        CliRun r = cli({QStringLiteral("keys"), QStringLiteral("init"), QStringLiteral("--keyring")}, noKeyring);
        QVERIFY2(r.exitCode != 0, r.out.constData());
        QVERIFY2(r.err.contains("desktop keyring") && r.err.contains("nothing was changed"), r.err.constData());
        QVERIFY(!QFile::exists(keyFile()));
        r = cli({QStringLiteral("keys"), QStringLiteral("status"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.json().value(QLatin1String("encrypted")).toBool(), false);
        QVERIFY(fileBytes().contains(secret));
        QVERIFY(before.contains(secret));
    }
};

QTEST_GUILESS_MAIN(TestCliKeyring)
#include "tst_clikeyring.moc"
