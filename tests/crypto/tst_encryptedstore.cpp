// Encryption at rest through the store: what reaches the files, wrong and missing keys, search, and keys rotate
// while workers run. Runs on SQLite, PostgreSQL (tst_encryptedstore_postgres) and MariaDB (tst_encryptedstore_mariadb).
#include "../core/storetestutil.h"

#include "core/crypto/keyfile.h"
#include "core/crypto/sealedvalue.h"
#include "core/handlerregistry.h"
#include "core/queueengine.h"
#include "core/taskhandler.h"

#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace qd;
using namespace qd::test;

namespace {

// Succeeds with the payload's "secret" as its result, and fails when the payload is not the plain JSON enqueued.
class EchoSecretHandler final : public TaskHandler {
public:
    QString type() const override { return QStringLiteral("echo"); }
    QString description() const override { return QStringLiteral("echo"); }
    QJsonObject payloadTemplate() const override { return {}; }
    std::optional<QString> validate(const QJsonObject&) const override { return std::nullopt; }
    HandlerResult run(const QJsonObject& payload, HandlerContext&) const override
    {
        if (!payload.contains(QLatin1String("secret")))
            return HandlerResult::permanent(QStringLiteral("the handler did not get plain text"));
        return HandlerResult::success({{QStringLiteral("echo"), payload.value(QLatin1String("secret"))}});
    }
};

QByteArray secretPayload(const QByteArray& secret)
{
    return QByteArrayLiteral("{\"secret\":\"") + secret + QByteArrayLiteral("\"}");
}

} // namespace

class TestEncryptedStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void secretIsNotInTheDatabaseFiles();
    void handlersSeePlainTextAndResultsAndErrorsAreSealed();
    void wrongKeyIsAClearErrorAndChangesNothing();
    void withoutTheKeyTasksReadEncryptedAndAreNotRun();
    void searchNeverMatchesCiphertext();
    void valueMovedToAnotherRowDoesNotOpen();
    void rotationWhileWorkersRunLosesNothing();

private:
    std::unique_ptr<TaskStore> open(const QString& keyFile = {}) const;
    // A database encrypted with a new key in a new key file; the store returned holds it.
    std::unique_ptr<TaskStore> encrypted(crypto::DataKey* keyOut = nullptr);
    QString secret() const;

    QTemporaryDir m_dir;
    QString m_path;
    QString m_keyFile;
    qint64 m_now = 1'700'000'000'000;
};

void TestEncryptedStore::initTestCase()
{
    // No default key file: the tests say which key file a store reads.
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(m_dir.filePath(QStringLiteral("config"))));
    qunsetenv("QUEUEDESK_KEY_FILE");
    QVERIFY(crypto::sodiumReady());
}

void TestEncryptedStore::init()
{
    m_path = testDatabase(m_dir, QLatin1String(QTest::currentTestFunction()));
    m_keyFile = m_dir.filePath(QLatin1String(QTest::currentTestFunction()) + QLatin1String(".key"));
}

std::unique_ptr<TaskStore> TestEncryptedStore::open(const QString& keyFile) const
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

std::unique_ptr<TaskStore> TestEncryptedStore::encrypted(crypto::DataKey* keyOut)
{
    crypto::KeyRing keys;
    const crypto::DataKey key = crypto::KeyRing::generate();
    keys.add(key);
    if (!crypto::writeKeyFile(m_keyFile, keys))
        return nullptr;
    auto store = open(m_keyFile);
    if (!store || !store->addEncryptionKey(key, m_now) || !store->isEncrypted())
        return nullptr;
    if (keyOut)
        *keyOut = key;
    return store;
}

QString TestEncryptedStore::secret() const
{
    return QStringLiteral("s3cret-%1").arg(QRandomGenerator::global()->generate64(), 0, 16);
}

// Every byte of the database: the file and its WAL (SQLite), or the server's data directory with its WAL.
static QByteArray allDatabaseBytes(const QString& path)
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

void TestEncryptedStore::secretIsNotInTheDatabaseFiles()
{
    auto store = encrypted();
    QVERIFY(store);
    const QByteArray secretText = secret().toUtf8();
    QVERIFY(
        store->enqueue({task(QStringLiteral("echo"), QStringLiteral("default"), secretPayload(secretText))}, m_now));
    if (onPostgres())
        QVERIFY(scalar(*store, QStringLiteral("CHECKPOINT")) != 0 || true); // flush pages to the data files
    const QByteArray bytes = allDatabaseBytes(m_path);
    QVERIFY(bytes.size() > 0);
    QVERIFY2(!bytes.contains(secretText), "the secret is in the database's files");
    // The same for a plain database, so the check can fail.
    m_path = testDatabase(m_dir, QStringLiteral("plain"));
    auto plain = open();
    QVERIFY(plain);
    QVERIFY(
        plain->enqueue({task(QStringLiteral("echo"), QStringLiteral("default"), secretPayload(secretText))}, m_now));
    if (onPostgres())
        scalar(*plain, QStringLiteral("CHECKPOINT"));
    QVERIFY(allDatabaseBytes(m_path).contains(secretText));
}

void TestEncryptedStore::handlersSeePlainTextAndResultsAndErrorsAreSealed()
{
    auto store = encrypted();
    QVERIFY(store);
    const QByteArray payload = secretPayload(secret().toUtf8());
    auto ids = store->enqueue({task(QStringLiteral("echo"), QStringLiteral("default"), payload),
                                  task(QStringLiteral("echo"), QStringLiteral("default"), payload)},
        m_now);
    QVERIFY(ids);
    auto claimed = store->claim(QStringLiteral("default"), 2, QStringLiteral("w"), 30'000, m_now);
    QVERIFY2(claimed, qPrintable(claimed.errorString()));
    QCOMPARE(claimed->size(), 2);
    QCOMPARE(claimed->at(0).payload, payload);
    const qint64 done = claimed->at(0).id, failed = claimed->at(1).id;
    const QByteArray result = "{\"echo\":\"result-" + secret().toUtf8() + "\"}";
    const QString error = QStringLiteral("error-") + secret();
    QVERIFY(store->complete(done, 1, QStringLiteral("w"), QStringLiteral("w1"), result, m_now + 5));
    QVERIFY(store->fail(failed, 1, QStringLiteral("w"), QStringLiteral("w1"), error, true, std::nullopt, m_now + 5));
    // Stored sealed...
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE payload LIKE 'qdenc1:%'")), 2);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE result LIKE 'qdenc1:%'")), 1);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE last_error LIKE 'qdenc1:%'")), 1);
    QCOMPARE(scalar(*store,
                 QStringLiteral("SELECT count(*) FROM task_events WHERE kind = 'failed' AND detail LIKE 'qdenc1:%'")),
        1);
    // ...and read plain.
    const auto doneTask = store->task(done);
    QVERIFY(doneTask);
    QCOMPARE(doneTask->result, result);
    QVERIFY(!doneTask->sealed);
    const auto failedTask = store->taskWithEvents(failed);
    QVERIFY(failedTask);
    QCOMPARE(failedTask->task.lastError, error);
    QCOMPARE(failedTask->events.last().detail, error);
}

void TestEncryptedStore::wrongKeyIsAClearErrorAndChangesNothing()
{
    crypto::DataKey key;
    {
        auto store = encrypted(&key);
        QVERIFY(store);
        QVERIFY(store->enqueue({task(QStringLiteral("echo"), QStringLiteral("default"), secretPayload("a"))}, m_now));
    }
    // Another key under the database's key id: refused at open, before anything is written.
    const QString impostorFile = m_dir.filePath(QStringLiteral("impostor.key"));
    crypto::KeyRing impostor;
    impostor.add({key.id, crypto::KeyRing::generate().secret});
    QVERIFY(crypto::writeKeyFile(impostorFile, impostor));
    StoreOptions options;
    options.path = m_path;
    options.keyFile = impostorFile;
    const auto refused = TaskStore::open(options);
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
    QVERIFY2(refused.errorString().contains(QLatin1String("Wrong key")), qPrintable(refused.errorString()));
    // A key file holding other keys only: the store opens, and writes of payloads are refused, writing nothing.
    const QString otherFile = m_dir.filePath(QStringLiteral("other.key"));
    crypto::KeyRing other;
    other.add(crypto::KeyRing::generate());
    QVERIFY(crypto::writeKeyFile(otherFile, other));
    auto store = open(otherFile);
    QVERIFY(store);
    const auto enqueued
        = store->enqueue({task(QStringLiteral("echo"), QStringLiteral("default"), secretPayload("b"))}, m_now);
    QVERIFY(!enqueued);
    QVERIFY2(enqueued.errorString().contains(key.id) && enqueued.errorString().contains(otherFile),
        qPrintable(enqueued.errorString()));
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks")), 1);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM task_events")), 1);
    // A key file named but absent is an error, not a silent fallback.
    options.keyFile = m_dir.filePath(QStringLiteral("absent.key"));
    QCOMPARE(TaskStore::open(options).error().code, ErrorCode::NotFound);
}

void TestEncryptedStore::withoutTheKeyTasksReadEncryptedAndAreNotRun()
{
    qint64 id = 0;
    {
        auto store = encrypted();
        QVERIFY(store);
        auto ids
            = store->enqueue({task(QStringLiteral("echo"), QStringLiteral("images"), secretPayload("hidden"))}, m_now);
        QVERIFY(ids);
        id = ids->first().id;
    }
    auto store = open(); // the default key file, which does not exist
    QVERIFY(store);
    QVERIFY(store->isEncrypted());
    const auto t = store->task(id);
    QVERIFY(t);
    QVERIFY(t->sealed);
    QCOMPARE(t->payload, QByteArray("encrypted"));
    QCOMPARE(t->queue, QStringLiteral("images")); // metadata stays readable
    QCOMPARE(t->type, QStringLiteral("echo"));
    const auto claimed = store->claim(QStringLiteral("images"), 5, QStringLiteral("w"), 30'000, m_now);
    QVERIFY(claimed);
    QVERIFY(claimed->isEmpty());
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'queued'")), 1);
    const auto status = store->encryptionStatus();
    QVERIFY(status);
    QVERIFY(!status->keyLoaded);
}

void TestEncryptedStore::searchNeverMatchesCiphertext()
{
    auto store = encrypted();
    QVERIFY(store);
    QVERIFY(store->enqueue({task(QStringLiteral("echo"), QStringLiteral("default"), secretPayload("findme"))}, m_now));
    const QString stored = QString::fromUtf8(
        QByteArray::number(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE payload LIKE 'qdenc1:%'"))));
    QCOMPARE(stored, QStringLiteral("1"));
    QSqlQuery q(store->database());
    QVERIFY(q.exec(QStringLiteral("SELECT payload FROM tasks")) && q.next());
    const QString ciphertext = q.value(0).toString();
    q.finish();
    for (const QString& search : {QStringLiteral("qdenc1"), ciphertext.mid(30, 8), QStringLiteral("findme")}) {
        TaskFilter filter;
        filter.search = search;
        QCOMPARE(*store->countTasks(filter), 0);
    }
}

void TestEncryptedStore::valueMovedToAnotherRowDoesNotOpen()
{
    auto store = encrypted();
    QVERIFY(store);
    auto ids = store->enqueue({task(QStringLiteral("echo"), QStringLiteral("default"), secretPayload("one")),
                                  task(QStringLiteral("echo"), QStringLiteral("default"), secretPayload("two"))},
        m_now);
    QVERIFY(ids);
    const qint64 first = ids->at(0).id, second = ids->at(1).id;
    QSqlQuery q(store->database());
    QVERIFY(q.exec(QStringLiteral("UPDATE tasks SET payload = (SELECT payload FROM tasks WHERE id = %1) WHERE id = %2")
                       .arg(first)
                       .arg(second)));
    const auto moved = store->task(second);
    QVERIFY(moved);
    QVERIFY(moved->sealed);
    QCOMPARE(moved->payload, QByteArray("encrypted"));
    QVERIFY(!store->task(first)->sealed);
}

void TestEncryptedStore::rotationWhileWorkersRunLosesNothing()
{
    QVERIFY(encrypted());
    auto registry = HandlerRegistry::createDefault();
    registry->add(std::make_unique<EchoSecretHandler>());
    EngineOptions options;
    options.store.path = m_path;
    options.store.keyFile = m_keyFile;
    options.workerCount = 2;
    options.sampleIntervalMs = 0;
    options.handlers = registry;
    auto engine = QueueEngine::open(options);
    QVERIFY2(engine, qPrintable(engine.errorString()));
    constexpr int total = 600;
    int enqueued = 0;
    const auto enqueueSome = [&](int n) {
        QList<NewTask> batch;
        for (int i = 0; i < n; ++i)
            batch.append(task(
                QStringLiteral("echo"), QStringLiteral("default"), secretPayload(QByteArray::number(enqueued + i))));
        const auto stored = (*engine)->enqueueBatch(batch);
        QVERIFY2(stored, qPrintable(stored.errorString()));
        enqueued += n;
    };
    enqueueSome(total / 2);

    // A reader opened before the rotation (a window): it learns the new key from the key file when it meets it.
    auto reader = open(m_keyFile);
    QVERIFY(reader);
    // keys rotate, as the command runs it: the new key into the file first, then the database, then passes.
    auto rotator = open(m_keyFile);
    QVERIFY(rotator);
    auto ring = crypto::readKeyFile(m_keyFile);
    QVERIFY(ring);
    const crypto::DataKey newKey = crypto::KeyRing::generate();
    ring->add(newKey);
    QVERIFY(crypto::writeKeyFile(m_keyFile, *ring));
    QVERIFY(rotator->addEncryptionKey(newKey, m_now));
    bool settled = false;
    for (int pass = 0; pass < 50 && !settled; ++pass) {
        ResealProgress progress;
        qint64 resealed = 0;
        do {
            auto step = rotator->resealTasks(progress.lastId, 50);
            QVERIFY2(step, qPrintable(step.errorString()));
            progress = *step;
            resealed += progress.resealed;
            if (enqueued < total)
                enqueueSome(25); // workers and producers write meanwhile
        } while (!progress.done);
        settled = resealed == 0 && enqueued >= total;
    }
    QVERIFY(settled);
    QVERIFY(rotator->retireOtherKeys(m_now));

    QTRY_COMPARE_WITH_TIMEOUT(
        (*engine)->counts().value(QStringLiteral("default"))[std::size_t(TaskState::Succeeded)], qint64(total), 60'000);
    engine->reset();
    QCOMPARE(scalar(*rotator, QStringLiteral("SELECT count(*) FROM tasks WHERE state <> 'succeeded'")), 0);
    QCOMPARE(scalar(*rotator,
                 QStringLiteral("SELECT count(*) FROM tasks WHERE substr(payload, 8, 16) <> '%1'"
                                " OR substr(result, 8, 16) <> '%1'")
                     .arg(newKey.id)),
        0);
    // Every result is the echo of its own payload, read plain with the new key.
    TaskFilter all;
    int checked = 0;
    QVERIFY(rotator->forEachTask(all, [&](const Task& t) {
        const QJsonObject payload = QJsonDocument::fromJson(t.payload).object();
        const QJsonObject result = QJsonDocument::fromJson(t.result).object();
        if (t.sealed || payload.value(QLatin1String("secret")) != result.value(QLatin1String("echo")))
            return false;
        ++checked;
        return true;
    }));
    QCOMPARE(checked, total);
    const auto readLater = reader->task(1);
    QVERIFY(readLater);
    QVERIFY(!readLater->sealed);
    QVERIFY(readLater->payload.contains("secret"));
    const auto status = rotator->encryptionStatus();
    QVERIFY(status);
    QCOMPARE(status->sealingKeyId, newKey.id);
    QCOMPARE(status->retiredKeyIds.size(), 1);
}

QTEST_GUILESS_MAIN(TestEncryptedStore)
#include "tst_encryptedstore.moc"
