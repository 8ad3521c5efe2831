// core/crypto on its own: sealed values and key files.
#include "core/crypto/keyfile.h"
#include "core/crypto/sealedvalue.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace qd;
using namespace qd::crypto;

class TestCrypto : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(sodiumReady()); }
    void sealedValueOpensOnlyInItsContext();
    void changedValueDoesNotOpen();
    void missingKeyIsNamed();
    void keyFileIsCreatedOwnerOnlyWhateverTheUmask();
    void keyFileReadableByOthersIsRefused();
    void malformedKeyFileIsRefused();
};

void TestCrypto::sealedValueOpensOnlyInItsContext()
{
    KeyRing keys;
    const DataKey key = KeyRing::generate();
    QVERIFY(keys.add(key));
    const QByteArray sealed = seal(key, "hunter2", "queuedesk/payload/1");
    QVERIFY(isSealed(sealed));
    QCOMPARE(sealedKeyId(sealed), key.id);
    QVERIFY(!sealed.contains("hunter2"));
    QVERIFY(seal(key, "hunter2", "queuedesk/payload/1") != sealed); // a fresh nonce each time
    const auto opened = open(keys, sealed, "queuedesk/payload/1");
    QVERIFY2(opened, qPrintable(opened.errorString()));
    QCOMPARE(*opened, QByteArray("hunter2"));
    // Moved to another row or field: refused.
    QCOMPARE(open(keys, sealed, "queuedesk/payload/2").error().code, ErrorCode::Corrupt);
    QCOMPARE(open(keys, sealed, "queuedesk/result/1").error().code, ErrorCode::Corrupt);
    // Another key under the same id: refused.
    KeyRing impostor;
    QVERIFY(impostor.add({key.id, KeyRing::generate().secret}));
    QCOMPARE(open(impostor, sealed, "queuedesk/payload/1").error().code, ErrorCode::Corrupt);
    // Empty plain text round-trips too.
    QCOMPARE(*open(keys, seal(key, "", "c"), "c"), QByteArray());
}

void TestCrypto::changedValueDoesNotOpen()
{
    KeyRing keys;
    const DataKey key = KeyRing::generate();
    keys.add(key);
    QByteArray sealed = seal(key, "a secret payload", "ctx");
    QByteArray box = QByteArray::fromBase64(sealed.mid(sealed.lastIndexOf(':') + 1));
    box[box.size() / 2] = char(box[box.size() / 2] ^ 1);
    const QByteArray changed = sealed.left(sealed.lastIndexOf(':') + 1) + box.toBase64();
    QCOMPARE(open(keys, changed, "ctx").error().code, ErrorCode::Corrupt);
    QCOMPARE(open(keys, sealed.left(sealed.size() - 8), "ctx").error().code, ErrorCode::Corrupt);
}

void TestCrypto::missingKeyIsNamed()
{
    const DataKey key = KeyRing::generate();
    const auto opened = open(KeyRing(), seal(key, "x", "c"), "c");
    QCOMPARE(opened.error().code, ErrorCode::InvalidArgument);
    QVERIFY(opened.errorString().contains(key.id));
}

void TestCrypto::keyFileIsCreatedOwnerOnlyWhateverTheUmask()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sub/keys.key"));
    KeyRing keys;
    keys.add(KeyRing::generate());
    keys.add(KeyRing::generate());
    const mode_t old = ::umask(022);
    const Status written = writeKeyFile(path, keys);
    ::umask(old);
    QVERIFY2(written, qPrintable(written.errorString()));
    struct stat st { };
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
    QCOMPARE(st.st_mode & 0777, mode_t(0600));
    const auto read = readKeyFile(path);
    QVERIFY2(read, qPrintable(read.errorString()));
    QCOMPARE(read->ids(), keys.ids());
    QCOMPARE(read->keys().at(1).secret, keys.keys().at(1).secret);
}

void TestCrypto::keyFileReadableByOthersIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("keys.key"));
    KeyRing keys;
    keys.add(KeyRing::generate());
    QVERIFY(writeKeyFile(path, keys));
    QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
    const auto read = readKeyFile(path);
    QCOMPARE(read.error().code, ErrorCode::InvalidArgument);
    QVERIFY(read.errorString().contains(QLatin1String("chmod 600")));
    QCOMPARE(readKeyFile(dir.filePath(QStringLiteral("absent.key"))).error().code, ErrorCode::NotFound);
}

void TestCrypto::malformedKeyFileIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("keys.key"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("# comment\nqdkey1 abc notbase64!!\n");
    file.close();
    QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    const auto read = readKeyFile(path);
    QCOMPARE(read.error().code, ErrorCode::InvalidArgument);
    QVERIFY(read.errorString().contains(QLatin1String("line 2")));
}

QTEST_GUILESS_MAIN(TestCrypto)
#include "tst_crypto.moc"
