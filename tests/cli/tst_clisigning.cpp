// Signed tasks end to end, as scripts use them (the real binary in a child process): keys new-producer, add-producer,
// require-signed, enqueue --sign-with; unsigned, tampered, unknown-key and revoked-key tasks refused, nothing stored.
#include "clirunner.h"

#include "core/crypto/producerkeyfile.h"
#include "core/crypto/tasksignature.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <functional>

using qdtest::CliRun;

class TestCliSigning : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;

    CliRun cli(QStringList arguments, const QByteArray& input = {})
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        return qdtest::runCli(qdtest::isolatedEnvironment(m_dir), arguments, input);
    }
    QString path(const QString& name) const { return m_dir.filePath(name); }

    CliRun enqueueSecure(const QStringList& extra)
    {
        return cli(QStringList {QStringLiteral("enqueue"), QStringLiteral("--queue"), QStringLiteral("secure"),
                       QStringLiteral("--type"), QStringLiteral("noop"), QStringLiteral("--payload"),
                       QStringLiteral(R"({"invoice": 7, "amount": 12})"), QStringLiteral("--json")}
            + extra);
    }

    // A task JSON line signed with `keyFile`, then changed by `tamper`.
    QByteArray signedLine(const QString& keyFile, const std::function<void(qd::NewTask&)>& tamper)
    {
        const auto key = qd::crypto::readProducerSecretKey(keyFile);
        if (!key)
            return {};
        qd::NewTask t;
        t.queue = QStringLiteral("secure");
        t.type = QStringLiteral("noop");
        t.payload = R"({"invoice":8})";
        t.idempotencyKey = QStringLiteral("invoice-8");
        qd::crypto::signTask(t, *key);
        tamper(t);
        return QJsonDocument(QJsonObject {{QStringLiteral("queue"), t.queue}, {QStringLiteral("type"), t.type},
                                 {QStringLiteral("payload"), QJsonDocument::fromJson(t.payload).object()},
                                 {QStringLiteral("idempotencyKey"), t.idempotencyKey},
                                 {QStringLiteral("signature"), QString::fromLatin1(t.signature.toBase64())},
                                 {QStringLiteral("signatureKeyId"), t.signatureKeyId}})
                   .toJson(QJsonDocument::Compact)
            + '\n';
    }

private Q_SLOTS:
    void initTestCase() { m_db = path(QStringLiteral("signing.db")); }

    void signedTasksFromKeyToRevocation()
    {
        // A key pair for the producer, its public half named in the database.
        CliRun r = cli({QStringLiteral("keys"), QStringLiteral("new-producer"), path(QStringLiteral("billing.key")),
            QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString keyId = r.json().value(QLatin1String("keyId")).toString();
        QCOMPARE(keyId.size(), 16);
        QCOMPARE(QFile::permissions(path(QStringLiteral("billing.key")))
                & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup | QFileDevice::WriteOther),
            QFileDevice::Permissions());
        r = cli({QStringLiteral("keys"), QStringLiteral("new-producer"), path(QStringLiteral("billing.key"))});
        QCOMPARE(r.exitCode, 5); // never overwritten
        r = cli({QStringLiteral("keys"), QStringLiteral("add-producer"), QStringLiteral("billing"),
            path(QStringLiteral("billing.key.pub"))});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains(keyId.toLatin1()), r.out.constData());
        r = cli({QStringLiteral("keys"), QStringLiteral("add-producer"), QStringLiteral("oops"),
            path(QStringLiteral("billing.key"))}); // the secret file is not a public key file
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("not a producer public key file"), r.err.constData());

        r = cli({QStringLiteral("require-signed"), QStringLiteral("secure"), QStringLiteral("on")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = cli({QStringLiteral("require-signed"), QStringLiteral("secure"), QStringLiteral("maybe")});
        QCOMPARE(r.exitCode, 2);

        // Signed: stored.
        r = enqueueSecure({QStringLiteral("--key"), QStringLiteral("invoice-7"), QStringLiteral("--sign-with"),
            path(QStringLiteral("billing.key"))});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const qint64 firstId = r.json().value(QLatin1String("id")).toInteger();
        QVERIFY(firstId > 0);

        // Unsigned: refused.
        r = enqueueSecure({});
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("requires signed tasks"), r.err.constData());

        // Tampered after signing: refused.
        const QString lines = path(QStringLiteral("tampered.jsonl"));
        {
            QFile f(lines);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(signedLine(
                path(QStringLiteral("billing.key")), [](qd::NewTask& t) { t.payload = R"({"invoice":9})"; }));
        }
        r = cli({QStringLiteral("enqueue"), QStringLiteral("--file"), lines});
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("does not verify"), r.err.constData());
        QVERIFY2(r.err.contains("Nothing was enqueued"), r.err.constData());

        // Signed by a key the database does not know: refused.
        QVERIFY(
            cli({QStringLiteral("keys"), QStringLiteral("new-producer"), path(QStringLiteral("stranger.key"))}).exitCode
            == 0);
        r = enqueueSecure({QStringLiteral("--sign-with"), path(QStringLiteral("stranger.key"))});
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("not a producer key"), r.err.constData());

        // Revoked: refused, and listed as revoked.
        r = cli({QStringLiteral("keys"), QStringLiteral("revoke"), keyId});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = enqueueSecure({QStringLiteral("--key"), QStringLiteral("invoice-70"), QStringLiteral("--sign-with"),
            path(QStringLiteral("billing.key"))});
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("was revoked"), r.err.constData());
        r = cli({QStringLiteral("keys"), QStringLiteral("list"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QJsonArray keys = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(keys.size(), 1);
        QCOMPARE(keys.at(0).toObject().value(QLatin1String("state")).toString(), QStringLiteral("revoked"));
        r = cli({QStringLiteral("keys"), QStringLiteral("list")});
        QVERIFY2(r.out.contains("billing") && r.out.contains("revoked"), r.out.constData());
        r = cli({QStringLiteral("keys"), QStringLiteral("revoke"), QStringLiteral("ffffffffffffffff")});
        QCOMPARE(r.exitCode, 3);

        // Nothing refused was stored: the next task takes the id after the signed one.
        r = cli(
            {QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop"), QStringLiteral("--json")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.json().value(QLatin1String("id")).toInteger(), firstId + 1);
    }
};

QTEST_GUILESS_MAIN(TestCliSigning)
#include "tst_clisigning.moc"
