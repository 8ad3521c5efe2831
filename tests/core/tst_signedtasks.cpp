// Signed tasks in the store and the engine (schema 12): producer keys, queues that require signatures, and each
// refusal writing nothing. Runs on SQLite, PostgreSQL and MariaDB.
#include "storetestutil.h"

#include "core/crypto/tasksignature.h"
#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QTemporaryDir>
#include <QTest>
#include <algorithm>

using namespace qd;
using namespace qd::test;

namespace {

crypto::ProducerKey producerKey(const crypto::ProducerKeyPair& pair, const QString& name)
{
    return crypto::ProducerKey {pair.id, name, pair.publicKey, 0, 0};
}

NewTask signedTask(const crypto::ProducerKeyPair& pair, const QString& queue, const QString& key = {})
{
    NewTask t = task(QStringLiteral("noop"), queue, R"({"n":1})");
    t.idempotencyKey = key;
    crypto::signTask(t, pair);
    return t;
}

} // namespace

class TestSignedTasks : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void producerKeysAreAddedListedAndRevoked();
    void plainQueueTakesUnsignedAndVerifiesSigned();
    void requiringQueueRefusesEachKindOfBadTask();
    void batchIsRefusedWholeOrSkipsRefusedTasks();
    void engineRefusesBeforeItWrites();

private:
    QTemporaryDir m_dir;
    int m_databases = 0;
    std::unique_ptr<TaskStore> freshStore()
    {
        return openStore(testDatabase(m_dir, QStringLiteral("signed%1").arg(++m_databases)));
    }
};

void TestSignedTasks::producerKeysAreAddedListedAndRevoked()
{
    auto store = freshStore();
    QVERIFY(store);
    const auto a = crypto::generateProducerKey();
    const auto b = crypto::generateProducerKey();
    QVERIFY(store->addProducerKey(producerKey(a, QStringLiteral("billing")), 1000).ok());
    QVERIFY(store->addProducerKey(producerKey(b, QStringLiteral("reports")), 2000).ok());
    QCOMPARE(
        store->addProducerKey(producerKey(a, QStringLiteral("again")), 3000).error().code, ErrorCode::InvalidArgument);
    crypto::ProducerKey wrongId = producerKey(a, QStringLiteral("x"));
    wrongId.id = b.id;
    QCOMPARE(store->addProducerKey(wrongId, 3000).error().code, ErrorCode::InvalidArgument);
    QVERIFY(store->revokeProducerKey(b.id, 4000).ok());
    QVERIFY(store->revokeProducerKey(b.id, 5000).ok()); // keeps the first time
    QCOMPARE(store->revokeProducerKey(QStringLiteral("00000000000000ff"), 5000).error().code, ErrorCode::NotFound);
    const auto keys = store->producerKeys();
    QVERIFY2(keys, qPrintable(keys.errorString()));
    QCOMPARE(keys->size(), 2);
    QCOMPARE(keys->at(0).id, a.id);
    QCOMPARE(keys->at(0).name, QStringLiteral("billing"));
    QCOMPARE(keys->at(0).publicKey, a.publicKey);
    QCOMPARE(keys->at(0).addedAt, 1000);
    QCOMPARE(keys->at(0).revokedAt, 0);
    QCOMPARE(keys->at(1).revokedAt, 4000);
}

void TestSignedTasks::plainQueueTakesUnsignedAndVerifiesSigned()
{
    auto store = freshStore();
    QVERIFY(store);
    const auto pair = crypto::generateProducerKey();
    QVERIFY(store->addProducerKey(producerKey(pair, QStringLiteral("billing")), 1000).ok());
    auto plain = store->enqueue({task()}, 1000);
    QVERIFY2(plain, qPrintable(plain.errorString()));
    auto signer = store->taskSigner(plain->first().id);
    QVERIFY(signer && !signer->has_value());

    auto signedOne = store->enqueue({signedTask(pair, QStringLiteral("default"))}, 1001);
    QVERIFY2(signedOne, qPrintable(signedOne.errorString()));
    signer = store->taskSigner(signedOne->first().id);
    QVERIFY(signer && signer->has_value());
    QCOMPARE((*signer)->id, pair.id);
    QCOMPARE((*signer)->name, QStringLiteral("billing"));

    NewTask tampered = signedTask(pair, QStringLiteral("default"));
    tampered.payload = R"({"n":2})";
    const auto refused = store->enqueue({tampered}, 1002);
    QVERIFY(!refused);
    QVERIFY2(refused.errorString().contains(QLatin1String("does not verify")), qPrintable(refused.errorString()));
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks")), 2);
}

void TestSignedTasks::requiringQueueRefusesEachKindOfBadTask()
{
    auto store = freshStore();
    QVERIFY(store);
    const auto good = crypto::generateProducerKey();
    const auto revoked = crypto::generateProducerKey();
    const auto stranger = crypto::generateProducerKey();
    QVERIFY(store->addProducerKey(producerKey(good, QStringLiteral("good")), 1000).ok());
    QVERIFY(store->addProducerKey(producerKey(revoked, QStringLiteral("old")), 1000).ok());
    QVERIFY(store->revokeProducerKey(revoked.id, 1500).ok());
    const QString q = QStringLiteral("secure");
    QVERIFY(store->setRequireSigned(q, true, 1000).ok());
    const auto queues = store->queues();
    QVERIFY(queues);
    const auto secure
        = std::find_if(queues->cbegin(), queues->cend(), [&](const QueueConfig& c) { return c.name == q; });
    QVERIFY(secure != queues->cend() && secure->requireSigned);

    NewTask tampered = signedTask(good, q);
    tampered.idempotencyKey = QStringLiteral("changed");
    const QList<std::pair<NewTask, QString>> cases = {
        {task(QStringLiteral("noop"), q), QStringLiteral("requires signed tasks")},
        {signedTask(stranger, q), QStringLiteral("not a producer key")},
        {signedTask(revoked, q), QStringLiteral("was revoked")},
        {tampered, QStringLiteral("does not verify")},
    };
    for (const auto& [bad, expected] : cases) {
        const auto refused = store->enqueue({bad}, 2000);
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(refused.errorString().contains(expected), qPrintable(refused.errorString()));
    }
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks")), 0);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM task_events")), 0);

    const auto accepted = store->enqueue({signedTask(good, q, QStringLiteral("k1"))}, 2001);
    QVERIFY2(accepted, qPrintable(accepted.errorString()));
    // The same signed task again: its key returns the stored task.
    const auto again = store->enqueue({signedTask(good, q, QStringLiteral("k1"))}, 2002);
    QVERIFY2(again, qPrintable(again.errorString()));
    QVERIFY(again->first().existed);
    QCOMPARE(again->first().id, accepted->first().id);
    QVERIFY(store->setRequireSigned(q, false, 3000).ok());
    QVERIFY(store->enqueue({task(QStringLiteral("noop"), q)}, 3001).ok());
}

void TestSignedTasks::batchIsRefusedWholeOrSkipsRefusedTasks()
{
    auto store = freshStore();
    QVERIFY(store);
    const auto good = crypto::generateProducerKey();
    QVERIFY(store->addProducerKey(producerKey(good, QStringLiteral("good")), 1000).ok());
    const QString q = QStringLiteral("secure");
    QVERIFY(store->setRequireSigned(q, true, 1000).ok());
    const QList<NewTask> batch = {signedTask(good, q), task(QStringLiteral("noop"), q), signedTask(good, q)};
    const auto whole = store->enqueue(batch, 2000);
    QVERIFY(!whole);
    QVERIFY2(whole.errorString().startsWith(QLatin1String("Task 2 of the batch:")), qPrintable(whole.errorString()));
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks")), 0);

    const auto skipped = store->enqueue(batch, 2001, RefusedTasks::Skip);
    QVERIFY2(skipped, qPrintable(skipped.errorString()));
    QCOMPARE(skipped->size(), 3);
    QVERIFY(skipped->at(0).id > 0 && skipped->at(0).refused.isEmpty());
    QCOMPARE(skipped->at(1).id, 0);
    QVERIFY(skipped->at(1).refused.contains(QLatin1String("requires signed tasks")));
    QVERIFY(skipped->at(2).id > skipped->at(0).id);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE producer_key_id IS NOT NULL")), 2);
}

void TestSignedTasks::engineRefusesBeforeItWrites()
{
    EngineOptions options;
    options.store.path = testDatabase(m_dir, QStringLiteral("engine"));
    options.sampleIntervalMs = 0;
    auto engine = QueueEngine::open(options);
    QVERIFY2(engine, qPrintable(engine.errorString()));
    const auto good = crypto::generateProducerKey();
    QVERIFY((*engine)
                ->runInWriter([&](TaskStore& store) {
                    if (Status s = store.addProducerKey(producerKey(good, QStringLiteral("good")), 1000); !s)
                        return s;
                    return store.setRequireSigned(QStringLiteral("secure"), true, 1000);
                })
                .ok());
    const auto refused = (*engine)->enqueue(task(QStringLiteral("noop"), QStringLiteral("secure")));
    QVERIFY(!refused);
    QVERIFY2(refused.errorString().contains(QLatin1String("requires signed tasks")), qPrintable(refused.errorString()));
    const auto stored = (*engine)->enqueue(signedTask(good, QStringLiteral("secure")));
    QVERIFY2(stored, qPrintable(stored.errorString()));
    const auto skipped = (*engine)->enqueueBatch(
        {task(QStringLiteral("noop"), QStringLiteral("secure")), signedTask(good, QStringLiteral("secure"))},
        RefusedTasks::Skip);
    QVERIFY2(skipped, qPrintable(skipped.errorString()));
    QVERIFY(!skipped->at(0).refused.isEmpty());
    QVERIFY(skipped->at(1).id > 0);
    // A bad task in a batch without Skip: nothing of the batch is stored.
    NewTask tampered = signedTask(good, QStringLiteral("secure"));
    tampered.type = QStringLiteral("sleep");
    tampered.payload = R"({"ms":1})";
    QVERIFY(!(*engine)->enqueueBatch({signedTask(good, QStringLiteral("secure")), tampered}));
    qint64 total = 0;
    QVERIFY((*engine)
                ->runInWriter([&](TaskStore& store) {
                    total = scalar(store, QStringLiteral("SELECT count(*) FROM tasks"));
                    return success();
                })
                .ok());
    QCOMPARE(total, 2);
}

QTEST_GUILESS_MAIN(TestSignedTasks)
#include "tst_signedtasks.moc"
