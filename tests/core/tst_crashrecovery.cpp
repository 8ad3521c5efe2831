// Real processes: a worker process killed with SIGKILL at random moments loses no task, and a task written by
// one process is picked up by another's workers.
#include "recordtypestub.h"
#include "storetestutil.h"

#include "core/handlerregistry.h"
#include "core/oneshotwriter.h"
#include "core/queueengine.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTest>

#include <csignal>

using namespace qd;
using namespace qd::test;

class TestCrashRecovery : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void killedWorkersLoseNothing();
    void otherProcessPicksUpWithinASecond();
    void otherProcessIsWokenByTheCommit();
    void oneShotWriterWakesOtherProcesses();
    void secondStoreInProcessKeepsOurLocks();

private:
    bool startWorker(QProcess& process, const QString& db, const QString& record, int leaseMs);
    static EngineOptions producerOptions(const QString& db);
    QTemporaryDir m_dir;
};

// An engine that enqueues "record" tasks and runs none.
EngineOptions TestCrashRecovery::producerOptions(const QString& db)
{
    EngineOptions options;
    options.store.path = db;
    options.handlers = registryWithRecord();
    options.sampleIntervalMs = 0;
    return options;
}

bool TestCrashRecovery::startWorker(QProcess& process, const QString& db, const QString& record, int leaseMs)
{
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(QStringLiteral(QD_TEST_WORKER), {db, QStringLiteral("2"), QString::number(leaseMs), record});
    return process.waitForStarted(5000) && process.waitForReadyRead(10000);
}

void TestCrashRecovery::killedWorkersLoseNothing()
{
    const QString db = m_dir.filePath(QStringLiteral("crash.db"));
    const QString record = m_dir.filePath(QStringLiteral("runs.txt"));
    constexpr int taskCount = 400;
    constexpr int kills = 8;
    constexpr int leaseMs = 400;

    EngineOptions producerOptions;
    producerOptions.store.path = db;
    producerOptions.handlers = registryWithRecord();
    producerOptions.sampleIntervalMs = 0;
    auto producer = QueueEngine::open(producerOptions);
    QVERIFY2(producer, qPrintable(producer.errorString()));
    QList<NewTask> batch;
    for (int i = 0; i < taskCount; ++i) {
        NewTask t = task(QStringLiteral("record"), QStringLiteral("default"),
            i % 10 == 0 ? R"({"ms":5,"fail":true})" : R"({"ms":5})");
        t.maxAttempts = 20; // enough for every kill to hit the same task
        t.retryPolicy = RetryPolicy {10, 50, 0.0};
        batch.append(t);
    }
    QVERIFY((*producer)->enqueueBatch(batch));

    auto* rng = QRandomGenerator::global();
    for (int k = 0; k < kills; ++k) {
        QProcess worker;
        QVERIFY(startWorker(worker, db, record, leaseMs));
        QTest::qWait(int(rng->bounded(50, 250)));
        ::kill(pid_t(worker.processId()), SIGKILL);
        QVERIFY(worker.waitForFinished(5000));
        QCOMPARE(worker.exitStatus(), QProcess::CrashExit);
    }
    // A last worker that is allowed to finish (after the dead ones' leases run out).
    QProcess last;
    QVERIFY(startWorker(last, db, record, leaseMs));
    auto store = openStore(db, true);
    QVERIFY(store);
    auto unfinished = [&] {
        TaskFilter open;
        open.states = {TaskState::Queued, TaskState::Scheduled, TaskState::Running};
        return *store->countTasks(open);
    };
    QTRY_COMPARE_WITH_TIMEOUT(unfinished(), 0, 120'000);
    last.kill();
    last.waitForFinished(5000);

    // Every task enqueued reached a final state, and succeeded (attempts were plenty).
    TaskFilter succeeded;
    succeeded.states = {TaskState::Succeeded};
    QCOMPARE(*store->countTasks({}), taskCount);
    QCOMPARE(*store->countTasks(succeeded), taskCount);
    // No handler ran more often than the attempts its task counted (at-least-once, never unaccounted).
    QFile runs(record);
    QVERIFY(runs.open(QIODevice::ReadOnly));
    QHash<qint64, int> runsPerTask;
    int duplicates = 0;
    while (!runs.atEnd()) {
        const QList<QByteArray> parts = runs.readLine().trimmed().split(' ');
        if (parts.size() == 2)
            ++runsPerTask[parts[0].toLongLong()];
    }
    QVERIFY(store->forEachTask({}, [&](const Task& t) {
        const int ran = runsPerTask.value(t.id);
        if (ran > t.attempts)
            qWarning() << "task" << t.id << "ran" << ran << "times in" << t.attempts << "attempts";
        duplicates += ran > 1 ? ran - 1 : 0;
        return ran >= 1 && ran <= t.attempts;
    }));
    QSqlQuery q(store->database());
    QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM tasks WHERE state <> 'succeeded'")) && q.next());
    QCOMPARE(q.value(0).toInt(), 0);
    q.finish();
    QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
    q.finish();
    qInfo("kills: %d, tasks: %d, re-runs (at-least-once): %d, lost: 0", kills, taskCount, duplicates);
}

void TestCrashRecovery::otherProcessPicksUpWithinASecond()
{
    const QString db = m_dir.filePath(QStringLiteral("cross.db"));
    auto producer = QueueEngine::open(producerOptions(db));
    QVERIFY(producer);
    QProcess worker;
    QVERIFY(startWorker(worker, db, m_dir.filePath(QStringLiteral("cross-runs.txt")), 30'000));
    auto store = openStore(db, true);
    for (int i = 0; i < 3; ++i) {
        auto id = (*producer)->enqueue(task(QStringLiteral("record"), QStringLiteral("default"), R"({"ms":0})"));
        QVERIFY(id);
        QElapsedTimer timer;
        timer.start();
        QTRY_COMPARE_WITH_TIMEOUT(store->task(id->id)->state, TaskState::Succeeded, 5000);
        const Task t = *store->task(id->id);
        QVERIFY2(t.startedAt - t.createdAt < 1000,
            qPrintable(QStringLiteral("picked up after %1 ms").arg(t.startedAt - t.createdAt)));
    }
    worker.terminate();
    worker.waitForFinished(5000);
}

// The worker process polls only once a minute here: only the wake on our commit (the CommitBell) can make it start
// the task within the timeout.
void TestCrashRecovery::otherProcessIsWokenByTheCommit()
{
    const QString db = m_dir.filePath(QStringLiteral("wake.db"));
    auto producer = QueueEngine::open(producerOptions(db));
    QVERIFY(producer);
    QProcess worker;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QD_TEST_POLL_MS"), QStringLiteral("60000"));
    worker.setProcessEnvironment(env);
    QVERIFY(startWorker(worker, db, m_dir.filePath(QStringLiteral("wake-runs.txt")), 30'000));
    auto store = openStore(db, true);
    for (int i = 0; i < 5; ++i) {
        auto id = (*producer)->enqueue(task(QStringLiteral("record"), QStringLiteral("default"), R"({"ms":0})"));
        QVERIFY(id);
        QTRY_COMPARE_WITH_TIMEOUT(store->task(id->id)->state, TaskState::Succeeded, 10'000);
    }
    worker.terminate();
    worker.waitForFinished(5000);
}

// The same with a writer that has no engine (queuedesk-cli's enqueue and retry): its one-shot ring wakes the worker.
void TestCrashRecovery::oneShotWriterWakesOtherProcesses()
{
    const QString db = m_dir.filePath(QStringLiteral("oneshot.db"));
    auto store = openStore(db);
    QVERIFY(store);
    const std::shared_ptr<HandlerRegistry> handlers = registryWithRecord();
    OneShotWriter writer(*store, *handlers);
    QProcess worker;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QD_TEST_POLL_MS"), QStringLiteral("60000"));
    worker.setProcessEnvironment(env);
    QVERIFY(startWorker(worker, db, m_dir.filePath(QStringLiteral("oneshot-runs.txt")), 30'000));
    for (int i = 0; i < 3; ++i) {
        auto stored = writer.enqueue({task(QStringLiteral("record"), QStringLiteral("default"), R"({"ms":0})")});
        QVERIFY2(stored, qPrintable(stored.errorString()));
        QTRY_COMPARE_WITH_TIMEOUT(store->task(stored->constFirst().id)->state, TaskState::Succeeded, 10'000);
    }
    worker.terminate();
    worker.waitForFinished(5000);
}

void TestCrashRecovery::secondStoreInProcessKeepsOurLocks()
{
    // Regression: opening a second TaskStore (as the GUI's reader threads do) used to read the file header with an
    // open/close of the database file, which drops every POSIX lock of the process. Another process then believed
    // it was alone, checkpointed and deleted the WAL on exit, and our later commits were lost.
    const QString db = m_dir.filePath(QStringLiteral("locks.db"));
    EngineOptions options;
    options.store.path = db;
    options.sampleIntervalMs = 0;
    auto engine = QueueEngine::open(options);
    QVERIFY(engine);
    QVERIFY((*engine)->enqueue(task()));
    auto reader = openStore(db); // a second connection in this process, opened after the writer holds its locks
    QVERIFY(reader);
    const QString sqlite = QStandardPaths::findExecutable(QStringLiteral("sqlite3"));
    QVERIFY2(!sqlite.isEmpty(), "the sqlite3 shell plays the other process");
    // Another process writes and exits: it must see that we still hold the database open.
    QCOMPARE(QProcess::execute(sqlite, {db, QStringLiteral("UPDATE queues SET concurrency = 0")}), 0);
    QVERIFY(QFile::exists(db + QStringLiteral("-wal")));
    QVERIFY((*engine)->enqueue(task()));
    QProcess count;
    count.start(sqlite, {db, QStringLiteral("SELECT count(*) FROM tasks")});
    QVERIFY(count.waitForFinished(10000));
    QCOMPARE(count.readAllStandardOutput().trimmed(), QByteArray("2"));
}

QTEST_GUILESS_MAIN(TestCrashRecovery)
#include "tst_crashrecovery.moc"
