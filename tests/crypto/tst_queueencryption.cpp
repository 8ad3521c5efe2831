// Per-queue encryption: only a queue with a key of its own is sealed, with that key; other queues stay plain (or keep
// the database's key); a process without the queue's key reads metadata and "encrypted" for that queue only, and its
// workers leave that queue's tasks queued with a warning. Runs on SQLite, PostgreSQL (tst_queueencryption_postgres)
// and MariaDB (tst_queueencryption_mariadb).
#include "../core/storetestutil.h"

#include "core/crypto/keyfile.h"
#include "core/crypto/sealedvalue.h"
#include "core/queueengine.h"

#include <QDirIterator>
#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace qd;
using namespace qd::test;

namespace {

const QString vault = QStringLiteral("vault");
const QString plainQueue = QStringLiteral("public");

QByteArray secretPayload(const QByteArray& secret)
{
    return QByteArrayLiteral("{\"secret\":\"") + secret + QByteArrayLiteral("\"}");
}

QByteArray newSecret()
{
    return QByteArrayLiteral("q-secret-") + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
}

// Every byte of the database: the file and its WAL (SQLite), or the server's data directory with its WAL.
QByteArray allDatabaseBytes(const QString& path)
{
    QStringList files;
    if (onServer()) {
        QDirIterator it(qEnvironmentVariable(onPostgres() ? "QD_TEST_POSTGRES_DIR" : "QD_TEST_MARIADB_DIR"),
            QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext())
            files.append(it.next());
    } else {
        files = {path, path + QLatin1String("-wal")};
    }
    QByteArray all;
    for (const QString& file : files) {
        QFile f(file);
        if (f.open(QIODevice::ReadOnly))
            all += f.readAll();
    }
    return all;
}

} // namespace

class TestQueueEncryption : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void onlyTheQueueWithAKeyIsSealed();
    void queueKeyBesideTheDatabaseKey();
    void withoutTheQueueKeyOnlyThatQueueIsHidden();
    void workersLeaveTasksTheyCannotOpenQueued();
    void rotatingAQueueKeyTouchesOnlyThatQueue();

private:
    std::unique_ptr<TaskStore> openStore(const QString& keyFile) const;
    // A new key added to the key file, then named in the database for `queue` ("" for the whole database).
    std::optional<crypto::DataKey> addKey(TaskStore& store, const QString& queue);
    qint64 enqueue(TaskStore& store, const QString& queue, const QByteArray& secret);
    QByteArray rawPayload(TaskStore& store, qint64 id);

    QTemporaryDir m_dir;
    QString m_path;
    QString m_keyFile;
    qint64 m_now = 1'700'000'000'000;
};

void TestQueueEncryption::initTestCase()
{
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_dir.filePath(QStringLiteral("config")))); // no default key file
    qunsetenv("QUEUEDESK_KEY_FILE");
    qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent"); // no desktop keyring either
    QVERIFY(crypto::sodiumReady());
}

void TestQueueEncryption::init()
{
    m_path = testDatabase(m_dir, QLatin1String(QTest::currentTestFunction()));
    m_keyFile = m_dir.filePath(QLatin1String(QTest::currentTestFunction()) + QLatin1String(".key"));
}

std::unique_ptr<TaskStore> TestQueueEncryption::openStore(const QString& keyFile) const
{
    StoreOptions options;
    options.path = m_path;
    options.keyFile = keyFile;
    auto store = TaskStore::open(options);
    if (!store) {
        qWarning() << store.errorString();
        return nullptr;
    }
    return std::move(store).value();
}

std::optional<crypto::DataKey> TestQueueEncryption::addKey(TaskStore& store, const QString& queue)
{
    auto ring = crypto::readKeyFile(m_keyFile);
    crypto::KeyRing keys = ring ? *ring : crypto::KeyRing();
    const crypto::DataKey key = crypto::KeyRing::generate();
    keys.add(key);
    if (!crypto::writeKeyFile(m_keyFile, keys) || !store.addEncryptionKey(key, ++m_now, queue))
        return std::nullopt;
    return key;
}

qint64 TestQueueEncryption::enqueue(TaskStore& store, const QString& queue, const QByteArray& secret)
{
    const auto ids = store.enqueue({task(QStringLiteral("noop"), queue, secretPayload(secret))}, m_now);
    return ids ? ids->first().id : 0;
}

QByteArray TestQueueEncryption::rawPayload(TaskStore& store, qint64 id)
{
    QSqlQuery q(store.database());
    if (!q.exec(QStringLiteral("SELECT payload FROM tasks WHERE id = %1").arg(id)) || !q.next())
        return {};
    return q.value(0).toByteArray();
}

void TestQueueEncryption::onlyTheQueueWithAKeyIsSealed()
{
    auto store = openStore(m_keyFile);
    QVERIFY(store);
    const auto key = addKey(*store, vault);
    QVERIFY(key);
    const QByteArray hidden = newSecret();
    const QByteArray shown = newSecret();
    const qint64 hiddenId = enqueue(*store, vault, hidden);
    const qint64 shownId = enqueue(*store, plainQueue, shown);
    QVERIFY(hiddenId > 0 && shownId > 0);
    if (onPostgres())
        scalar(*store, QStringLiteral("CHECKPOINT"));
    const QByteArray bytes = allDatabaseBytes(m_path);
    QVERIFY2(!bytes.contains(hidden), "the encrypted queue's secret is in the database's files");
    QVERIFY2(bytes.contains(shown), "the plain queue's payload is not in the database's files");
    QCOMPARE(crypto::sealedKeyId(rawPayload(*store, hiddenId)), key->id);
    QVERIFY(!crypto::isSealed(rawPayload(*store, shownId)));
    // Both read plain with the key.
    QVERIFY(store->task(hiddenId)->payload.contains(hidden));
    QVERIFY(store->task(shownId)->payload.contains(shown));
    const auto forVault = store->encryptionStatus(vault);
    QVERIFY(forVault);
    QCOMPARE(forVault->keyIds, QStringList {key->id});
    QCOMPARE(forVault->sealingKeyId, key->id);
    QVERIFY(forVault->keyLoaded);
    QCOMPARE(forVault->payloadsByKey.value(key->id), 1);
    QCOMPARE(forVault->encryptedQueues, QStringList {vault});
    const auto forDatabase = store->encryptionStatus();
    QVERIFY(forDatabase);
    QVERIFY(forDatabase->keyIds.isEmpty()); // the database as a whole is not encrypted
    QCOMPARE(forDatabase->payloadsByKey.value(QString()), 1);
}

void TestQueueEncryption::queueKeyBesideTheDatabaseKey()
{
    auto store = openStore(m_keyFile);
    QVERIFY(store);
    const auto databaseKey = addKey(*store, QString());
    const auto queueKey = addKey(*store, vault);
    QVERIFY(databaseKey && queueKey);
    const qint64 inVault = enqueue(*store, vault, newSecret());
    const qint64 elsewhere = enqueue(*store, plainQueue, newSecret());
    QCOMPARE(crypto::sealedKeyId(rawPayload(*store, inVault)), queueKey->id);
    QCOMPARE(crypto::sealedKeyId(rawPayload(*store, elsewhere)), databaseKey->id);
    // The newest key of the database does not take over the queue's.
    const auto newer = addKey(*store, QString());
    QVERIFY(newer);
    QCOMPARE(crypto::sealedKeyId(rawPayload(*store, enqueue(*store, vault, newSecret()))), queueKey->id);
    QCOMPARE(crypto::sealedKeyId(rawPayload(*store, enqueue(*store, plainQueue, newSecret()))), newer->id);
}

void TestQueueEncryption::withoutTheQueueKeyOnlyThatQueueIsHidden()
{
    qint64 hiddenId = 0;
    qint64 shownId = 0;
    const QByteArray shown = newSecret();
    {
        auto store = openStore(m_keyFile);
        QVERIFY(store);
        QVERIFY(addKey(*store, vault));
        hiddenId = enqueue(*store, vault, newSecret());
        shownId = enqueue(*store, plainQueue, shown);
    }
    auto store = openStore(QString()); // the default key file, which does not exist
    QVERIFY(store);
    const auto hidden = store->task(hiddenId);
    QVERIFY(hidden);
    QVERIFY(hidden->sealed);
    QCOMPARE(hidden->payload, QByteArray("encrypted"));
    QCOMPARE(hidden->queue, vault); // metadata stays readable
    const auto plain = store->task(shownId);
    QVERIFY(!plain->sealed);
    QVERIFY(plain->payload.contains(shown));
    // Writes to the plain queue go on; the encrypted queue's are refused, nothing stored.
    QVERIFY(enqueue(*store, plainQueue, newSecret()) > 0);
    const auto refused = store->enqueue({task(QStringLiteral("noop"), vault, secretPayload("x"))}, m_now);
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::ReadOnly);
    QVERIFY2(refused.errorString().contains(vault), qPrintable(refused.errorString()));
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE queue = 'vault'")), 1);
    // Claims: none of the queue without its key, the plain queue's as ever.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("queue vault.*stay queued")));
    const auto none = store->claim(vault, 5, QStringLiteral("w"), 30'000, m_now);
    QVERIFY(none);
    QVERIFY(none->isEmpty());
    const auto some = store->claim(plainQueue, 5, QStringLiteral("w"), 30'000, m_now);
    QVERIFY(some);
    QCOMPARE(some->size(), 2);
    const auto status = store->encryptionStatus(vault);
    QVERIFY(status);
    QVERIFY(!status->keyLoaded);
}

void TestQueueEncryption::workersLeaveTasksTheyCannotOpenQueued()
{
    {
        auto store = openStore(m_keyFile);
        QVERIFY(store);
        QVERIFY(addKey(*store, vault));
        for (int i = 0; i < 3; ++i) {
            QVERIFY(enqueue(*store, vault, newSecret()) > 0);
            QVERIFY(enqueue(*store, plainQueue, newSecret()) > 0);
        }
    }
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("queue vault.*stay queued")));
    EngineOptions options;
    options.store.path = m_path; // no key
    options.workerCount = 2;
    options.sampleIntervalMs = 0;
    auto engine = QueueEngine::open(options);
    QVERIFY2(engine, qPrintable(engine.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(
        (*engine)->counts().value(plainQueue)[std::size_t(TaskState::Succeeded)], qint64(3), 30'000);
    QTest::qWait(300); // the writer's cycles go on: the vault's tasks must still be waiting
    const auto vaultCounts = (*engine)->counts().value(vault);
    QCOMPARE(vaultCounts[std::size_t(TaskState::Queued)], qint64(3));
    QCOMPARE(vaultCounts[std::size_t(TaskState::Failed)], qint64(0));
    QCOMPARE(vaultCounts[std::size_t(TaskState::Running)], qint64(0));
    engine->reset();
    // The same tasks run where the key is.
    options.store.keyFile = m_keyFile;
    auto withKey = QueueEngine::open(options);
    QVERIFY2(withKey, qPrintable(withKey.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT((*withKey)->counts().value(vault)[std::size_t(TaskState::Succeeded)], qint64(3), 30'000);
}

void TestQueueEncryption::rotatingAQueueKeyTouchesOnlyThatQueue()
{
    auto store = openStore(m_keyFile);
    QVERIFY(store);
    const auto databaseKey = addKey(*store, QString());
    const auto first = addKey(*store, vault);
    QVERIFY(databaseKey && first);
    const qint64 inVault = enqueue(*store, vault, newSecret());
    const qint64 elsewhere = enqueue(*store, plainQueue, newSecret());
    const auto second = addKey(*store, vault);
    QVERIFY(second);
    // Another queue's values are never "stale" for the queue's rotation.
    ResealProgress progress;
    do {
        auto step = store->resealTasks(progress.lastId, 1, vault);
        QVERIFY2(step, qPrintable(step.errorString()));
        progress = *step;
    } while (!progress.done);
    QVERIFY(store->retireOtherKeys(m_now, vault));
    QCOMPARE(crypto::sealedKeyId(rawPayload(*store, inVault)), second->id);
    QCOMPARE(crypto::sealedKeyId(rawPayload(*store, elsewhere)), databaseKey->id);
    const auto forVault = store->encryptionStatus(vault);
    QVERIFY(forVault);
    QCOMPARE(forVault->retiredKeyIds, QStringList {first->id});
    const auto forDatabase = store->encryptionStatus();
    QVERIFY(forDatabase);
    QVERIFY(forDatabase->retiredKeyIds.isEmpty()); // the database's key is still in use
    QCOMPARE(forDatabase->sealingKeyId, databaseKey->id);
    QVERIFY(store->task(inVault)->payload.contains("secret"));
}

QTEST_GUILESS_MAIN(TestQueueEncryption)
#include "tst_queueencryption.moc"
