// Several processes on one PostgreSQL database: four worker processes and a producer share the queue, one worker
// process is killed, the server restarts in the middle of a run. Runs only as tst_postgrescluster_postgres (the
// throwaway server of the ctest fixture).
#include "recordtypestub.h"
#include "storetestutil.h"

#include "core/handlerregistry.h"
#include "core/queueengine.h"
#include "core/taskhandler.h"

#include <QFile>
#include <QProcess>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <map>

using namespace qd;
using namespace qd::test;

namespace {

struct Run {
    int attempt;
    qint64 pid, started, finished;
};

} // namespace

class TestPostgresCluster : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void fourWorkerProcessesOneKilledEveryTaskOnceAtATime();
    void serverRestartWorkersCarryOn();

private:
    bool startWorker(QProcess& process, int leaseMs);
    std::unique_ptr<QueueEngine> openProducer();
    qint64 unfinished(TaskStore& store);
    // Reads the record file: successful runs per task.
    std::map<qint64, QList<Run>> runs() const;

    QTemporaryDir m_dir;
    QString m_url;
    QString m_record;
};

void TestPostgresCluster::init()
{
    if (!onPostgres())
        QSKIP("needs the PostgreSQL server of the ctest fixture (runs as tst_postgrescluster_postgres)");
    m_url = testDatabase(m_dir, QLatin1String(QTest::currentTestFunction()));
    m_record = m_dir.filePath(QLatin1String(QTest::currentTestFunction()) + QLatin1String(".runs"));
}

bool TestPostgresCluster::startWorker(QProcess& process, int leaseMs)
{
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(QStringLiteral(QD_TEST_WORKER), {m_url, QStringLiteral("2"), QString::number(leaseMs), m_record});
    return process.waitForStarted(5000) && process.waitForReadyRead(20000);
}

std::unique_ptr<QueueEngine> TestPostgresCluster::openProducer()
{
    EngineOptions options;
    options.store.path = m_url;
    options.handlers = registryWithRecord(); // the producer validates what it enqueues
    options.workerCount = 0;
    options.sampleIntervalMs = 0;
    auto engine = QueueEngine::open(options);
    if (!engine) {
        qWarning() << engine.errorString();
        return nullptr;
    }
    return std::move(engine).value();
}

qint64 TestPostgresCluster::unfinished(TaskStore& store)
{
    TaskFilter open;
    open.states = {TaskState::Queued, TaskState::Scheduled, TaskState::Running};
    auto n = store.countTasks(open);
    return n ? *n : -1;
}

std::map<qint64, QList<Run>> TestPostgresCluster::runs() const
{
    std::map<qint64, QList<Run>> result;
    QFile file(m_record);
    if (!file.open(QIODevice::ReadOnly))
        return result;
    while (!file.atEnd()) {
        const QList<QByteArray> parts = file.readLine().trimmed().split(' ');
        if (parts.size() == 6 && parts[0] == "E")
            result[parts[1].toLongLong()].append(
                {parts[2].toInt(), parts[3].toLongLong(), parts[4].toLongLong(), parts[5].toLongLong()});
    }
    return result;
}

void TestPostgresCluster::fourWorkerProcessesOneKilledEveryTaskOnceAtATime()
{
#ifdef QD_SANITIZER_BUILD
    constexpr int taskCount = 4'000; // the sanitizers slow every process several times over
#else
    constexpr int taskCount = 20'000;
#endif
    constexpr int leaseMs = 1500;
    auto producer = openProducer();
    QVERIFY(producer);
    std::array<QProcess, 4> workers;
    for (QProcess& worker : workers)
        QVERIFY(startWorker(worker, leaseMs));
    auto store = openStore(m_url);
    QVERIFY(store);

    // The producer keeps enqueueing while the workers drain.
    NewTask t = task(QStringLiteral("record"), QStringLiteral("default"), R"({"ms":1})");
    t.maxAttempts = 5;
    for (int sent = 0; sent < taskCount; sent += 500)
        QVERIFY(producer->enqueueBatch(QList<NewTask>(500, t)));

    // Kill one worker process while it holds tasks: they must come back after their lease.
    TaskFilter succeeded;
    succeeded.states = {TaskState::Succeeded};
    QTRY_VERIFY_WITH_TIMEOUT(*store->countTasks(succeeded) >= taskCount / 4, 120'000);
    const qint64 victim = workers[1].processId();
    ::kill(pid_t(victim), SIGKILL);
    QVERIFY(workers[1].waitForFinished(5000));
    QList<qint64> held;
    {
        QSqlQuery q(store->database());
        QVERIFY(q.exec(
            QStringLiteral("SELECT id FROM tasks WHERE state = 'running' AND lease_owner LIKE '%:%1:%'").arg(victim)));
        while (q.next())
            held.append(q.value(0).toLongLong());
    }

    QTRY_COMPARE_WITH_TIMEOUT(unfinished(*store), 0, 240'000);
    QCOMPARE(*store->countTasks(succeeded), taskCount);

    // Never two runs of one task at once, and never more runs than attempts.
    const auto allRuns = runs();
    int reruns = 0;
    for (const auto& [id, list] : allRuns) {
        QList<Run> sorted = list;
        std::sort(sorted.begin(), sorted.end(), [](const Run& a, const Run& b) { return a.started < b.started; });
        for (qsizetype i = 1; i < sorted.size(); ++i)
            QVERIFY2(sorted[i].started >= sorted[i - 1].finished,
                qPrintable(QStringLiteral("task %1 ran twice at once").arg(id)));
        reruns += int(sorted.size()) - 1;
    }
    QCOMPARE(qsizetype(allRuns.size()), qsizetype(taskCount));
    QVERIFY(store->forEachTask({}, [&](const Task& task) {
        const auto it = allRuns.find(task.id);
        return it != allRuns.end() && it->second.size() <= task.attempts;
    }));

    // The killed process's tasks came back by lease expiry, and the history says which process ran what.
    QSqlQuery q(store->database());
    for (qint64 id : std::as_const(held)) {
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM task_events WHERE task_id = %1 AND kind = 'lease_expired'")
                           .arg(id))
            && q.next());
        QVERIFY2(q.value(0).toInt() >= 1, qPrintable(QStringLiteral("task %1 of the killed worker").arg(id)));
    }
    QVERIFY(q.exec(QStringLiteral("SELECT count(DISTINCT split_part(worker, '/', 1)) FROM task_events"
                                  " WHERE kind = 'started'"))
        && q.next());
    QCOMPARE(q.value(0).toInt(), 4);
    qInfo("tasks: %d, worker processes: 4, killed: 1 holding %d tasks, re-runs: %d, lost: 0", taskCount,
        int(held.size()), reruns);
    for (QProcess& worker : workers) {
        worker.kill();
        worker.waitForFinished(5000);
    }
}

void TestPostgresCluster::serverRestartWorkersCarryOn()
{
    const QString dir = qEnvironmentVariable("QD_TEST_POSTGRES_DIR");
    if (dir.isEmpty())
        QSKIP("QD_TEST_POSTGRES_DIR not set: the server's directory is needed to restart it");
    auto producer = openProducer();
    QVERIFY(producer);
    std::array<QProcess, 2> workers;
    for (QProcess& worker : workers)
        QVERIFY(startWorker(worker, 2000));
    NewTask t = task(QStringLiteral("record"), QStringLiteral("default"), R"({"ms":2})");
    t.maxAttempts = 10;
    QVERIFY(producer->enqueueBatch(QList<NewTask>(3000, t)));
    auto store = openStore(m_url);
    QVERIFY(store);
    TaskFilter succeeded;
    succeeded.states = {TaskState::Succeeded};
    QTRY_VERIFY_WITH_TIMEOUT(*store->countTasks(succeeded) >= 300, 60'000);

    QCOMPARE(QProcess::execute(QStringLiteral(QD_PG_SCRIPT), {QStringLiteral("restart"), dir}), 0);

    // The producer's next enqueue and every worker go on over new connections.
    QVERIFY2(producer->enqueueBatch(QList<NewTask>(1000, t)), "enqueue after the restart");
    QTRY_COMPARE_WITH_TIMEOUT(unfinished(*store), 0, 120'000);
    QCOMPARE(*store->countTasks(succeeded), 4000);
    for (QProcess& worker : workers) {
        QCOMPARE(worker.state(), QProcess::Running); // reconnected, not crashed
        worker.kill();
        worker.waitForFinished(5000);
    }
}

QTEST_GUILESS_MAIN(TestPostgresCluster)
#include "tst_postgrescluster.moc"
