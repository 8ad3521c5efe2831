// The counts kept in task_counts against a count of every task, after random writes of every kind, from two
// connections, and after the migration that builds them.
#include "core/queueengine.h"
#include "core/store/sqldialect.h"
#include "storetestutil.h"

#include <QRandomGenerator>

using namespace qd;
using namespace qd::test;

namespace {

// "queue/state=n" for every non-zero count, sorted: a readable difference when the two disagree.
QStringList describe(const QHash<QString, StateCounts>& counts)
{
    QStringList lines;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        for (int s = 0; s < taskStateCount; ++s) {
            if (it.value()[std::size_t(s)] != 0)
                lines.append(QStringLiteral("%1/%2=%3")
                                 .arg(it.key(), taskStateName(TaskState(s)))
                                 .arg(it.value()[std::size_t(s)]));
        }
    }
    lines.sort();
    return lines;
}

// The kept counts and a count of every task, as comparable lists.
std::pair<QStringList, QStringList> keptAndRecounted(TaskStore& store)
{
    auto kept = store.countByQueueAndState();
    auto recounted = store.recountByQueueAndState();
    if (!kept || !recounted)
        return {{QStringLiteral("error: ") + kept.errorString()}, {recounted.errorString()}};
    return {describe(*kept), describe(*recounted)};
}

// countTasks(filter) as the kept counts answer it, and by counting the tasks (every test task is a noop, so adding
// the type changes nothing but the way it is counted).
std::pair<qint64, qint64> keptAndCountedTasks(TaskStore& store, TaskFilter filter)
{
    auto kept = store.countTasks(filter);
    filter.types = {QStringLiteral("noop")};
    auto counted = store.countTasks(filter);
    if (!kept || !counted)
        return {-1, -2};
    return {*kept, *counted};
}

qint64 total(const QStringList& described)
{
    qint64 sum = 0;
    for (const QString& line : described)
        sum += line.section(QLatin1Char('='), 1).toLongLong();
    return sum;
}

} // namespace

class TestTaskCounts : public QObject {
    Q_OBJECT

private slots:
    void randomWritesKeepCountsExact();
    void rolledBackWritesCountNothing();
    void engineDrainKeepsCountsExact();
    void migrationBuildsCountsOfExistingTasks();
    void readOnlyOldDatabaseCountsTasks();
    void countTasksInsideATransactionSeesItsWrites();
};

// Every write path of the store, chosen at random, from two connections (two processes on a server), with the kept
// counts checked against a GROUP BY over the tasks every few steps.
void TestTaskCounts::randomWritesKeepCountsExact()
{
    QTemporaryDir dir;
    const QString path = testDatabase(dir, QStringLiteral("random"));
    auto first = openStore(path);
    QVERIFY(first);
    auto second = openStore(path);
    QVERIFY(second);
    const quint32 seed = qEnvironmentVariableIsSet("QD_TEST_SEED")
        ? quint32(qEnvironmentVariableIntValue("QD_TEST_SEED"))
        : QRandomGenerator::global()->generate();
    qInfo() << "seed" << seed;
    QRandomGenerator random(seed);
    const QStringList queues {QStringLiteral("alpha"), QStringLiteral("beta"), QStringLiteral("gamma")};
    const auto anyQueue = [&] { return queues.at(int(random.bounded(quint32(queues.size())))); };
    qint64 now = 1'800'000'000'000;
    struct Held {
        Task task;
        QString owner;
        bool ahead = false;
    };
    QList<Held> running; // claimed tasks not yet ended
    int enqueued = 0;
    for (int step = 0; step < 600; ++step) {
        now += 1 + random.bounded(50);
        TaskStore& store = random.bounded(2) ? *first : *second;
        const QString owner = &store == first.get() ? QStringLiteral("first") : QStringLiteral("second");
        const quint32 op = random.bounded(16);
        quint32 how = 0; // which end of a running task
        if (op < 4) {
            QList<NewTask> batch;
            const int n = 1 + int(random.bounded(4));
            for (int i = 0; i < n; ++i) {
                NewTask t = task(QStringLiteral("noop"), anyQueue());
                if (random.bounded(3) == 0)
                    t.idempotencyKey = QStringLiteral("k%1").arg(random.bounded(40)); // some taken already
                if (random.bounded(4) == 0)
                    t.delayMs = 1 + random.bounded(200);
                t.maxAttempts = 1 + int(random.bounded(3));
                batch.append(t);
            }
            QVERIFY2(store.enqueue(batch, now).ok(), "enqueue");
            enqueued += n;
        } else if (op < 7) {
            const bool ahead = random.bounded(3) == 0;
            auto claimed = store.claim(anyQueue(), 1 + int(random.bounded(3)), owner, 100, now, ahead);
            QVERIFY2(claimed.ok(), qPrintable(claimed.errorString()));
            for (const Task& t : *claimed) {
                if (!ahead)
                    QVERIFY(store.recordStart(t, QStringLiteral("w"), now).ok());
                running.append({t, owner, ahead});
            }
        } else if (op < 11 && !running.isEmpty()) {
            const int i = int(random.bounded(quint32(running.size())));
            const Held held = running.takeAt(i);
            const Task& t = held.task;
            const bool ahead = held.ahead;
            const QString& holder = held.owner;
            TaskStore& own = holder == QStringLiteral("first") ? *first : *second;
            // Lost leases (recovered meanwhile) make these NotFound: counted as nothing, which is the point.
            how = random.bounded(5);
            switch (how) {
            case 0:
                static_cast<void>(own.complete(t.id, t.attempts, holder, QStringLiteral("w"), "{}", now));
                break;
            case 1:
                static_cast<void>(own.fail(t.id, t.attempts, holder, QStringLiteral("w"), QStringLiteral("boom"),
                    random.bounded(2) == 0, std::nullopt, now));
                break;
            case 2:
                static_cast<void>(own.release(t.id, t.attempts, holder, QStringLiteral("w"), now));
                break;
            case 3:
                static_cast<void>(own.finishCancelled(t.id, t.attempts, holder, QStringLiteral("w"), now));
                break;
            default:
                if (ahead)
                    static_cast<void>(own.giveBack(t.id, t.attempts, holder, now));
                else
                    static_cast<void>(own.complete(t.id, t.attempts, holder, QStringLiteral("w"), "{}", now));
            }
        } else if (op == 11) {
            TaskFilter filter;
            filter.queues = {anyQueue()};
            QVERIFY(store.retry(filter, now).ok());
        } else if (op == 12) {
            QVERIFY(store.runNow({}, now).ok());
        } else if (op == 13) {
            TaskFilter filter;
            filter.queues = {anyQueue()};
            QVERIFY(store.cancel(filter, now).ok());
        } else if (op == 14) {
            TaskFilter filter;
            filter.states = {TaskState::Succeeded, TaskState::Failed, TaskState::Cancelled};
            QVERIFY(store.purge(filter, 1 + random.bounded(5)).ok());
        } else {
            QVERIFY(store.stageDueTasks(now).ok());
            now += random.bounded(2) ? 0 : 150; // past some leases
            QVERIFY(store.recoverExpiredLeases(now).ok());
        }
        const auto [kept, recounted] = keptAndRecounted(*first);
        if (kept != recounted)
            qWarning() << "after step" << step << "operation" << op << how;
        QCOMPARE(kept, recounted);
        // countTasks answers filters on queues and states from the kept counts.
        TaskFilter filter;
        if (random.bounded(2))
            filter.queues = {anyQueue()};
        for (int s = 0; s < taskStateCount; ++s) {
            if (random.bounded(3) == 0)
                filter.states.append(TaskState(s));
        }
        const auto [keptTasks, countedTasks] = keptAndCountedTasks(store, filter);
        QCOMPARE(keptTasks, countedTasks);
    }
    QCOMPARE(keptAndCountedTasks(*first, {}).first, total(keptAndRecounted(*first).second));
    const auto [kept, recounted] = keptAndRecounted(*second);
    QCOMPARE(kept, recounted);
    QVERIFY(total(kept) > 0);
    QVERIFY(enqueued > 100);
}

// Writes of a transaction or savepoint that rolls back leave the counts as they were.
void TestTaskCounts::rolledBackWritesCountNothing()
{
    QTemporaryDir dir;
    auto store = openStore(testDatabase(dir, QStringLiteral("rollback")));
    QVERIFY(store);
    QVERIFY(store->enqueue({task(), task()}, 1000).ok());
    QVERIFY(store->begin().ok());
    QVERIFY(store->enqueue({task(), task(), task()}, 1001).ok());
    const Status inner = store->atomically([&]() -> Status {
        if (auto added = store->enqueue({task(QStringLiteral("noop"), QStringLiteral("other"))}, 1002); !added)
            return added.error();
        return Error {ErrorCode::Internal, QStringLiteral("undo this part")};
    });
    QVERIFY(!inner.ok());
    QVERIFY(store->commit().ok());
    QVERIFY(store->begin().ok());
    QVERIFY(store->enqueue({task()}, 1003).ok());
    store->rollback();
    const auto [kept, recounted] = keptAndRecounted(*store);
    QCOMPARE(kept, recounted);
    QCOMPARE(kept, QStringList {QStringLiteral("default/queued=5")});
}

// Through the engine: claims ahead, starts recorded with results, give-backs, the writer's group commits.
void TestTaskCounts::engineDrainKeepsCountsExact()
{
    QTemporaryDir dir;
    const QString path = testDatabase(dir, QStringLiteral("engine"));
    {
        EngineOptions options;
        options.store.path = path;
        options.workerCount = 2;
        auto engine = QueueEngine::open(std::move(options));
        QVERIFY2(engine.ok(), qPrintable(engine.errorString()));
        QList<NewTask> batch;
        for (int i = 0; i < 300; ++i)
            batch.append(task(QStringLiteral("noop"), i % 3 ? QStringLiteral("a") : QStringLiteral("b")));
        QVERIFY((*engine)->enqueueBatch(batch).ok());
        const auto succeeded = [&] {
            const QHash<QString, StateCounts> counts = (*engine)->counts();
            return counts.value(QStringLiteral("a"))[std::size_t(TaskState::Succeeded)]
                + counts.value(QStringLiteral("b"))[std::size_t(TaskState::Succeeded)];
        };
        QTRY_COMPARE_WITH_TIMEOUT(succeeded(), 300, 30000);
    } // shut down: whatever it held ahead went back
    auto store = openStore(path);
    QVERIFY(store);
    const auto [kept, recounted] = keptAndRecounted(*store);
    QCOMPARE(kept, recounted);
    QCOMPARE(kept, (QStringList {QStringLiteral("a/succeeded=200"), QStringLiteral("b/succeeded=100")}));
}

// A database made before task_counts: the migration counts its tasks once.
void TestTaskCounts::migrationBuildsCountsOfExistingTasks()
{
    QTemporaryDir dir;
    const QString path = testDatabase(dir, QStringLiteral("migrate"));
    {
        auto store = openStore(path);
        QVERIFY(store);
        QVERIFY(store->enqueue({task(), task(), task(QStringLiteral("noop"), QStringLiteral("q2"))}, 1000).ok());
        auto claimed = store->claim(QStringLiteral("q2"), 1, QStringLiteral("me"), 30000, 1001);
        QVERIFY(claimed.ok() && claimed->size() == 1);
        // Back to the schema before the counts, as an older QueueDesk left it.
        QVERIFY(rollBackSchema(*store, taskCountsSchemaVersion - 1));
    }
    auto store = openStore(path);
    QVERIFY(store);
    const auto [kept, recounted] = keptAndRecounted(*store);
    QCOMPARE(kept, recounted);
    QCOMPARE(kept, (QStringList {QStringLiteral("default/queued=2"), QStringLiteral("q2/running=1")}));
    QVERIFY(store->enqueue({task()}, 1002).ok());
    QCOMPARE(keptAndRecounted(*store).first.first(), QStringLiteral("default/queued=3"));
}

// A read-only store cannot migrate an older database: it counts the tasks instead of reading a missing table.
void TestTaskCounts::readOnlyOldDatabaseCountsTasks()
{
    if (onServer())
        QSKIP("SQLite files only");
    QTemporaryDir dir;
    const QString path = testDatabase(dir, QStringLiteral("old"));
    {
        auto store = openStore(path);
        QVERIFY(store);
        QVERIFY(store->enqueue({task(), task()}, 1000).ok());
        QSqlQuery q(store->database());
        QVERIFY(q.exec(QStringLiteral("DROP TABLE task_counts")));
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = %1").arg(taskCountsSchemaVersion - 1)));
    }
    auto store = openStore(path, true);
    QVERIFY(store);
    auto counts = store->countByQueueAndState();
    QVERIFY2(counts.ok(), qPrintable(counts.errorString()));
    QCOMPARE(describe(*counts), QStringList {QStringLiteral("default/queued=2")});
    TaskFilter queued;
    queued.states = {TaskState::Queued};
    QCOMPARE(keptAndCountedTasks(*store, queued), (std::pair<qint64, qint64> {2, 2}));
}

// The kept counts get a transaction's changes only at its commit: inside it, countTasks counts the tasks.
void TestTaskCounts::countTasksInsideATransactionSeesItsWrites()
{
    QTemporaryDir dir;
    auto store = openStore(testDatabase(dir, QStringLiteral("inside")));
    QVERIFY(store);
    QVERIFY(store->enqueue({task(), task()}, 1000).ok());
    QVERIFY(store->begin().ok());
    QVERIFY(store->enqueue({task(), task(), task()}, 1001).ok());
    QCOMPARE(keptAndCountedTasks(*store, {}), (std::pair<qint64, qint64> {5, 5}));
    store->rollback();
    QCOMPARE(keptAndCountedTasks(*store, {}), (std::pair<qint64, qint64> {2, 2}));
}

QTEST_GUILESS_MAIN(TestTaskCounts)
#include "tst_taskcounts.moc"
