// TaskStore::failureClusters() on a real database (and as _postgres, _mariadb on those servers): retried and final
// failures grouped by signature, newest first, the query's filters, sealed errors, and a cluster's tasks as a
// TaskFilter that the bulk actions' exact-count preview counts.
#include "core/crypto/keyfile.h"
#include "core/crypto/keyring.h"
#include "core/failures/errorsignature.h"
#include "tests/core/storetestutil.h"

using namespace qd;

namespace {

constexpr qint64 t0 = 1'800'000'000'000;
const QString owner = QStringLiteral("host:1");

// Claims the next task of `queue` and fails it with `error` at `now`; the task's id, or 0.
qint64 failNext(TaskStore& store, const QString& queue, const QString& error, qint64 now, bool permanent = false)
{
    auto claimed = store.claim(queue, 1, owner, 30'000, now);
    if (!claimed || claimed->isEmpty())
        return 0;
    const Task& t = claimed->first();
    if (!store.fail(t.id, t.attempts, owner, QStringLiteral("w1"), error, permanent, std::nullopt, now))
        return 0;
    return t.id;
}

} // namespace

class TestFailureClusters : public QObject {
    Q_OBJECT

private slots:
    void groupsBySignatureNewestFirst()
    {
        QTemporaryDir dir;
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("clusters")));
        QVERIFY(store);
        QList<NewTask> tasks;
        for (int i = 0; i < 3; ++i)
            tasks.append(test::task(QStringLiteral("notify"), QStringLiteral("mail")));
        tasks.append(test::task(QStringLiteral("image"), QStringLiteral("images")));
        QVERIFY(store->enqueue(tasks, t0).ok());

        // Three mail tasks time out on different hosts (permanent, so each fails once), one image is missing.
        const qint64 a = failNext(
            *store, QStringLiteral("mail"), QStringLiteral("timeout after 3000 ms: https://a.test/1"), t0 + 10, true);
        const qint64 b = failNext(
            *store, QStringLiteral("mail"), QStringLiteral("timeout after 5000 ms: https://b.test/2"), t0 + 20, true);
        const qint64 img
            = failNext(*store, QStringLiteral("images"), QStringLiteral("cannot open /in/x_1.png"), t0 + 30, true);
        const qint64 c = failNext(
            *store, QStringLiteral("mail"), QStringLiteral("timeout after 7 ms: https://c.test/"), t0 + 40, true);
        QVERIFY(a && b && img && c);

        auto clusters = store->failureClusters({});
        QVERIFY2(clusters.ok(), qPrintable(clusters.errorString()));
        QCOMPARE(clusters->size(), 2);
        const FailureCluster timeouts = clusters->at(0); // last seen at t0 + 40 (a copy: clusters is read again)
        QCOMPARE(timeouts.signature, QStringLiteral("timeout after <n> ms: <url>"));
        QCOMPARE(timeouts.signatureId, errorSignatureId(timeouts.signature));
        QCOMPARE(timeouts.count, 3);
        QCOMPARE(timeouts.taskCount, 3);
        QCOMPARE(timeouts.firstSeen, t0 + 10);
        QCOMPARE(timeouts.lastSeen, t0 + 40);
        QCOMPARE(timeouts.queues, QStringList {QStringLiteral("mail")});
        QCOMPARE(timeouts.types, QStringList {QStringLiteral("notify")});
        QCOMPARE(timeouts.sampleTaskId, c);
        QCOMPARE(timeouts.sampleError, QStringLiteral("timeout after 7 ms: https://c.test/"));
        QVERIFY(timeouts.taskIds.isEmpty()); // not asked for
        QCOMPARE(clusters->at(1).signature, QStringLiteral("cannot open <path>"));
        QCOMPARE(clusters->at(1).sampleTaskId, img);

        // Filters: a queue, a time, a limit, one cluster with its tasks.
        FailureClusterQuery query;
        query.queues = {QStringLiteral("images")};
        QCOMPARE(store->failureClusters(query)->size(), 1);
        query = {};
        query.since = t0 + 35;
        clusters = store->failureClusters(query);
        QCOMPARE(clusters->size(), 1);
        QCOMPARE(clusters->first().count, 1);
        query = {};
        query.limit = 1;
        QCOMPARE(store->failureClusters(query)->first().signature, timeouts.signature);
        query = {};
        query.signatureId = timeouts.signatureId;
        query.withTaskIds = true;
        clusters = store->failureClusters(query);
        QCOMPARE(clusters->size(), 1);
        QCOMPARE(clusters->first().taskIds, (QList<qint64> {a, b, c}));
    }

    void retriedAttemptsCountAndActOnTheCluster()
    {
        QTemporaryDir dir;
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("retried")));
        QVERIFY(store);
        NewTask t = test::task(QStringLiteral("notify"), QStringLiteral("mail"));
        t.maxAttempts = 2;
        QVERIFY(store->enqueue({t, t, test::task(QStringLiteral("noop"), QStringLiteral("other"))}, t0).ok());
        // Task 1 fails twice (retried, then attempts exhausted); task 2 fails once and waits for its retry.
        const qint64 first = failNext(*store, QStringLiteral("mail"), QStringLiteral("HTTP 503"), t0 + 1);
        const qint64 second = failNext(*store, QStringLiteral("mail"), QStringLiteral("HTTP 502"), t0 + 2);
        QVERIFY(first && second);
        QVERIFY(store->runNow(TaskFilter::ofIds({first}), t0 + 3).ok());
        QCOMPARE(failNext(*store, QStringLiteral("mail"), QStringLiteral("HTTP 500"), t0 + 4), first);
        QCOMPARE(store->task(first)->state, TaskState::Failed);

        FailureClusterQuery query;
        query.withTaskIds = true;
        const auto clusters = store->failureClusters(query);
        QVERIFY(clusters.ok());
        QCOMPARE(clusters->size(), 1);
        const FailureCluster& cluster = clusters->first();
        QCOMPARE(cluster.signature, QStringLiteral("HTTP <n>")); // the final "(attempts exhausted…)" groups too
        QCOMPARE(cluster.count, 3);
        QCOMPARE(cluster.taskCount, 2);

        // The cluster as a filter: a retry changes the failed task only, a cancel the scheduled one, and the
        // untouched noop task is in neither.
        const TaskFilter filter = TaskFilter::ofIds(cluster.taskIds);
        QCOMPARE(store->countTasks(*changedBy(AdminAction::Retry, filter)).value(), 1);
        QCOMPARE(store->countTasks(*changedBy(AdminAction::Cancel, filter)).value(), 1);
        QCOMPARE(store->countTasks(*changedBy(AdminAction::Purge, filter)).value(), 2);
    }

    void manyIdsInOneFilter()
    {
        // A cluster may hold more tasks than an engine takes parameters: the filter still selects exactly them.
        QTemporaryDir dir;
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("manyids")));
        QVERIFY(store);
        const QList<NewTask> tasks(40'000, test::task());
        const auto ids = store->enqueue(tasks, t0);
        QVERIFY(ids.ok());
        TaskFilter filter;
        for (qsizetype i = 0; i < ids->size(); i += 2)
            filter.ids.append(ids->at(i).id);
        QCOMPARE(store->countTasks(filter).value(), qint64(filter.ids.size()));
    }

    void sealedErrorsOpenOrSayEncrypted()
    {
        if (test::onMariaDb())
            QSKIP("encryption at rest is tested on SQLite and PostgreSQL");
        QTemporaryDir dir;
        const QString path = test::testDatabase(dir, QStringLiteral("sealed"));
        const QString keyFile = dir.filePath(QStringLiteral("db.key"));
        crypto::KeyRing keys;
        const crypto::DataKey key = crypto::KeyRing::generate();
        keys.add(key);
        QVERIFY(crypto::writeKeyFile(keyFile, keys).ok());
        StoreOptions options;
        options.path = path;
        options.keyFile = keyFile;
        auto store = std::move(TaskStore::open(options)).value();
        QVERIFY(store->addEncryptionKey(key, t0).ok());
        QVERIFY(store->enqueue({test::task(), test::task()}, t0).ok());
        QVERIFY(failNext(*store, QStringLiteral("default"), QStringLiteral("disk full on /dev/sda1"), t0 + 1, true));
        QVERIFY(failNext(*store, QStringLiteral("default"), QStringLiteral("disk full on /dev/sdb2"), t0 + 2, true));

        auto clusters = store->failureClusters({});
        QVERIFY(clusters.ok());
        QCOMPARE(clusters->size(), 1);
        QCOMPARE(clusters->first().signature, QStringLiteral("disk full on <path>"));
        QVERIFY(!clusters->first().encrypted);

        // Without the key: one cluster that says so, the texts never shown.
        options.keyFile.clear();
        auto keyless = TaskStore::open(options);
        QVERIFY2(keyless.ok(), qPrintable(keyless.errorString()));
        clusters = keyless.value()->failureClusters({});
        QVERIFY(clusters.ok());
        QCOMPARE(clusters->size(), 1);
        QCOMPARE(clusters->first().signature, QStringLiteral("encrypted"));
        QVERIFY(clusters->first().encrypted);
        QCOMPARE(clusters->first().count, 2);
        QVERIFY(!clusters->first().sampleError.contains(QLatin1String("disk")));
    }
};

QTEST_GUILESS_MAIN(TestFailureClusters)
#include "tst_failureclusters.moc"
