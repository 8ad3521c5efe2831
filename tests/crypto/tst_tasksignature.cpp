// core/crypto/tasksignature and producerkeyfile on their own: the signed message, signing and each way a check
// refuses, and the producer's key files.
#include "core/crypto/keyring.h"
#include "core/crypto/producerkeyfile.h"
#include "core/crypto/tasksignature.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace qd;
using namespace qd::crypto;

namespace {

NewTask sampleTask()
{
    NewTask t;
    t.queue = QStringLiteral("billing");
    t.type = QStringLiteral("noop");
    t.payload = QByteArrayLiteral(R"({"amount":12})");
    t.idempotencyKey = QStringLiteral("invoice-7");
    return t;
}

ProducerKey known(const ProducerKeyPair& pair, qint64 revokedAt = 0)
{
    return ProducerKey {pair.id, QStringLiteral("billing-service"), pair.publicKey, 1000, revokedAt};
}

} // namespace

class TestTaskSignature : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(sodiumReady()); }
    void keyIdIsDerivedFromThePublicKey();
    void signedTaskVerifies();
    void flippedByteInAnyFieldIsRefused_data();
    void flippedByteInAnyFieldIsRefused();
    void movedFieldBoundaryChangesTheMessage();
    void revokedAndUnknownKeysAreRefused();
    void malformedSignaturesAreRefused();
    void unsignedTaskOnlyWhereNotRequired();
    void keyFilesRoundTrip();
    void keyFilesAreNeverOverwrittenAndSecretIsPrivate();
};

void TestTaskSignature::keyIdIsDerivedFromThePublicKey()
{
    const ProducerKeyPair a = generateProducerKey();
    const ProducerKeyPair b = generateProducerKey();
    QCOMPARE(a.id.size(), 16);
    QCOMPARE(producerKeyId(a.publicKey), a.id);
    QVERIFY(a.id != b.id);
    QVERIFY(producerKeyId(QByteArray(31, 'x')).isEmpty());
}

void TestTaskSignature::signedTaskVerifies()
{
    const ProducerKeyPair pair = generateProducerKey();
    NewTask t = sampleTask();
    QVERIFY(signTask(t, pair));
    QCOMPARE(t.signature.size(), 64);
    QCOMPARE(t.signatureKeyId, pair.id);
    const ProducerKey key = known(pair);
    QCOMPARE(checkTaskSignature(t, &key), SignatureCheck::Valid);
    QVERIFY(!signatureRefusal(SignatureCheck::Valid, t, &key, true));
    // Another producer's key under the same id does not verify it.
    ProducerKey impostor = key;
    impostor.publicKey = generateProducerKey().publicKey;
    QCOMPARE(checkTaskSignature(t, &impostor), SignatureCheck::BadSignature);
}

void TestTaskSignature::flippedByteInAnyFieldIsRefused_data()
{
    QTest::addColumn<int>("field");
    QTest::newRow("queue") << 0;
    QTest::newRow("type") << 1;
    QTest::newRow("payload") << 2;
    QTest::newRow("idempotency key") << 3;
    QTest::newRow("signature") << 4;
}

void TestTaskSignature::flippedByteInAnyFieldIsRefused()
{
    QFETCH(int, field);
    const ProducerKeyPair pair = generateProducerKey();
    NewTask t = sampleTask();
    QVERIFY(signTask(t, pair));
    const auto flip = [](auto& text) { text[1] = QChar(text.at(1).unicode() ^ 1); };
    switch (field) {
    case 0:
        flip(t.queue);
        break;
    case 1:
        flip(t.type);
        break;
    case 2:
        t.payload[3] = char(t.payload.at(3) ^ 1);
        break;
    case 3:
        flip(t.idempotencyKey);
        break;
    default:
        t.signature[10] = char(t.signature.at(10) ^ 1);
    }
    const ProducerKey key = known(pair);
    QCOMPARE(checkTaskSignature(t, &key), SignatureCheck::BadSignature);
    const std::optional<Error> refusal = signatureRefusal(SignatureCheck::BadSignature, t, &key, false);
    QVERIFY(refusal); // a bad signature is refused even where none is required
    QCOMPARE(refusal->code, ErrorCode::InvalidArgument);
    QVERIFY2(refusal->message.contains(QLatin1String("does not verify")), qPrintable(refusal->message));
    QVERIFY(refusal->message.contains(pair.id));
}

void TestTaskSignature::movedFieldBoundaryChangesTheMessage()
{
    // "ab" + "c" and "a" + "bc" join to the same text: the lengths keep them apart.
    NewTask a = sampleTask();
    a.queue = QStringLiteral("ab");
    a.type = QStringLiteral("c");
    NewTask b = a;
    b.queue = QStringLiteral("a");
    b.type = QStringLiteral("bc");
    QVERIFY(taskSigningMessage(a) != taskSigningMessage(b));
    NewTask c = sampleTask();
    c.payload = QByteArrayLiteral("{}x");
    c.idempotencyKey = QString();
    NewTask d = sampleTask();
    d.payload = QByteArrayLiteral("{}");
    d.idempotencyKey = QStringLiteral("x");
    QVERIFY(taskSigningMessage(c) != taskSigningMessage(d));
    // And a signature of one does not verify the other.
    const ProducerKeyPair pair = generateProducerKey();
    const ProducerKey key = known(pair);
    QVERIFY(signTask(a, pair));
    b.signature = a.signature;
    b.signatureKeyId = a.signatureKeyId;
    QCOMPARE(checkTaskSignature(b, &key), SignatureCheck::BadSignature);
    // The message starts with the domain and version.
    QVERIFY(taskSigningMessage(a).startsWith("queuedesk-task-signature-v1\n"));
}

void TestTaskSignature::revokedAndUnknownKeysAreRefused()
{
    const ProducerKeyPair pair = generateProducerKey();
    NewTask t = sampleTask();
    QVERIFY(signTask(t, pair));
    const ProducerKey revoked = known(pair, 1'700'000'000'000);
    QCOMPARE(checkTaskSignature(t, &revoked), SignatureCheck::RevokedKey);
    const std::optional<Error> revokedError = signatureRefusal(SignatureCheck::RevokedKey, t, &revoked, false);
    QVERIFY(revokedError);
    QVERIFY2(revokedError->message.contains(QLatin1String("revoked on 2023-11-14")), qPrintable(revokedError->message));
    QVERIFY(revokedError->message.contains(QLatin1String("billing-service")));

    QCOMPARE(checkTaskSignature(t, nullptr), SignatureCheck::UnknownKey);
    const std::optional<Error> unknownError = signatureRefusal(SignatureCheck::UnknownKey, t, nullptr, false);
    QVERIFY(unknownError);
    QVERIFY2(unknownError->message.contains(QLatin1String("not a producer key")), qPrintable(unknownError->message));
    // A key whose id is not the one the task names is no key of the task's.
    const ProducerKey other = known(generateProducerKey());
    QCOMPARE(checkTaskSignature(t, &other), SignatureCheck::UnknownKey);
}

void TestTaskSignature::malformedSignaturesAreRefused()
{
    const ProducerKeyPair pair = generateProducerKey();
    const ProducerKey key = known(pair);
    NewTask t = sampleTask();
    QVERIFY(signTask(t, pair));
    NewTask shortSignature = t;
    shortSignature.signature.chop(1);
    QCOMPARE(checkTaskSignature(shortSignature, &key), SignatureCheck::Malformed);
    NewTask noKeyId = t;
    noKeyId.signatureKeyId.clear();
    QCOMPARE(checkTaskSignature(noKeyId, &key), SignatureCheck::Malformed);
    NewTask noSignature = t;
    noSignature.signature.clear();
    QCOMPARE(checkTaskSignature(noSignature, &key), SignatureCheck::Malformed);
    QVERIFY(signatureRefusal(SignatureCheck::Malformed, t, &key, false));
}

void TestTaskSignature::unsignedTaskOnlyWhereNotRequired()
{
    const NewTask t = sampleTask();
    QCOMPARE(checkTaskSignature(t, nullptr), SignatureCheck::Unsigned);
    QVERIFY(!signatureRefusal(SignatureCheck::Unsigned, t, nullptr, false));
    const std::optional<Error> refusal = signatureRefusal(SignatureCheck::Unsigned, t, nullptr, true);
    QVERIFY(refusal);
    QVERIFY2(refusal->message.contains(QLatin1String("requires signed tasks")), qPrintable(refusal->message));
    QVERIFY(refusal->message.contains(QLatin1String("billing")));
}

void TestTaskSignature::keyFilesRoundTrip()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("producer.key"));
    const ProducerKeyPair pair = generateProducerKey();
    QVERIFY(writeProducerKeyFiles(path, pair).ok());
    const auto secret = readProducerSecretKey(path);
    QVERIFY2(secret, qPrintable(secret.errorString()));
    QCOMPARE(secret->id, pair.id);
    QCOMPARE(secret->secretKey, pair.secretKey);
    QCOMPARE(secret->publicKey, pair.publicKey);
    const auto pub = readProducerPublicKey(publicKeyPathFor(path));
    QVERIFY2(pub, qPrintable(pub.errorString()));
    QCOMPARE(pub->id, pair.id);
    QCOMPARE(pub->publicKey, pair.publicKey);
    // A secret key file is not a public one, and the other way round.
    QCOMPARE(readProducerPublicKey(path).error().code, ErrorCode::InvalidArgument);
    // A public key file whose id does not match its key is refused.
    QFile tampered(dir.filePath(QStringLiteral("tampered.pub")));
    QVERIFY(tampered.open(QIODevice::WriteOnly));
    tampered.write("qdpub1 0011223344556677 " + pair.publicKey.toBase64() + '\n');
    tampered.close();
    QCOMPARE(readProducerPublicKey(tampered.fileName()).error().code, ErrorCode::InvalidArgument);
}

void TestTaskSignature::keyFilesAreNeverOverwrittenAndSecretIsPrivate()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("producer.key"));
    QVERIFY(writeProducerKeyFiles(path, generateProducerKey()).ok());
    QCOMPARE(QFile::permissions(path) & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());
    const QByteArray before = [&] {
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }();
    QCOMPARE(writeProducerKeyFiles(path, generateProducerKey()).error().code, ErrorCode::InvalidArgument);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), before);
    f.close();
    QVERIFY(QFile::setPermissions(path, QFile::permissions(path) | QFileDevice::ReadOther));
    QCOMPARE(readProducerSecretKey(path).error().code, ErrorCode::InvalidArgument);
}

QTEST_GUILESS_MAIN(TestTaskSignature)
#include "tst_tasksignature.moc"
