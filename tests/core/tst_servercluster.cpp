// Several processes on one database server: four worker processes and a producer share the queue, one worker
// process is killed, the server restarts in the middle of a run. Runs only as tst_servercluster_postgres and
// tst_servercluster_mariadb (the throwaway servers of the ctest fixtures).
#include "recordtypestub.h"
#include "storetestutil.h"

#include "core/handlerregistry.h"
#include "core/queueengine.h"
#include "core/taskhandler.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <array>
#include <csignal>
#include <map>
#include <set>

#include <unistd.h>

using namespace qd;
using namespace qd::test;

namespace {

struct Run {
    int attempt;
    qint64 pid, started, finished;
};

} // namespace

class TestServerCluster : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void fourWorkerProcessesOneKilledEveryTaskOnceAtATime();
    void serverRestartWorkersCarryOn();
    void workersWaitQuietlyWhileTheServerIsDown();

private:
    bool startWorker(QProcess& process, int leaseMs);
    std::unique_ptr<QueueEngine> openProducer();
    qint64 unfinished(TaskStore& store);
    // Reads the record file: successful runs per task.
    std::map<qint64, QList<Run>> runs() const;
    // Checks the record file against the tasks: every task succeeded once, no two runs of a task overlapped, no
    // attempt number started twice and no task ran more often than its attempt count says. Returns the re-runs.
    int checkRuns(TaskStore& store, int taskCount);

    QTemporaryDir m_dir;
    QString m_url;
    QString m_record;
};

void TestServerCluster::init()
{
    if (!onServer())
        QSKIP("needs a server of the ctest fixtures (runs as tst_servercluster_postgres and _mariadb)");
    m_url = testDatabase(m_dir, QLatin1String(QTest::currentTestFunction()));
    m_record = m_dir.filePath(QLatin1String(QTest::currentTestFunction()) + QLatin1String(".runs"));
}

bool TestServerCluster::startWorker(QProcess& process, int leaseMs)
{
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(QStringLiteral(QD_TEST_WORKER), {m_url, QStringLiteral("2"), QString::number(leaseMs), m_record});
    return process.waitForStarted(5000) && process.waitForReadyRead(20000);
}

std::unique_ptr<QueueEngine> TestServerCluster::openProducer()
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

qint64 TestServerCluster::unfinished(TaskStore& store)
{
    TaskFilter open;
    open.states = {TaskState::Queued, TaskState::Scheduled, TaskState::Running};
    auto n = store.countTasks(open);
    return n ? *n : -1;
}

std::map<qint64, QList<Run>> TestServerCluster::runs() const
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

int TestServerCluster::checkRuns(TaskStore& store, int taskCount)
{
    const auto allRuns = runs();
    int reruns = 0;
    for (const auto& [id, list] : allRuns) {
        QList<Run> sorted = list;
        std::sort(sorted.begin(), sorted.end(), [](const Run& a, const Run& b) { return a.started < b.started; });
        for (qsizetype i = 1; i < sorted.size(); ++i) {
            if (sorted[i].started < sorted[i - 1].finished) {
                qWarning("task %lld ran twice at once", id);
                return -1;
            }
        }
        reruns += int(sorted.size()) - 1;
    }
    if (qsizetype(allRuns.size()) != qsizetype(taskCount)) {
        qWarning("%d tasks ran to success, expected %d", int(allRuns.size()), taskCount);
        return -1;
    }
    // Every handler start ("id attempt" lines): a second start under one attempt number is a run that no attempt
    // count shows.
    std::set<std::pair<qint64, int>> started;
    std::map<qint64, int> highestAttempt;
    QFile file(m_record);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    while (!file.atEnd()) {
        const QList<QByteArray> parts = file.readLine().trimmed().split(' ');
        if (parts.size() != 2)
            continue;
        const qint64 id = parts[0].toLongLong();
        const int attempt = parts[1].toInt();
        if (!started.emplace(id, attempt).second) {
            qWarning("task %lld started twice as attempt %d", id, attempt);
            return -1;
        }
        highestAttempt[id] = std::max(highestAttempt[id], attempt);
    }
    const Status counted = store.forEachTask({}, [&](const Task& task) {
        const auto it = allRuns.find(task.id);
        const bool ok
            = it != allRuns.end() && it->second.size() <= task.attempts && highestAttempt[task.id] <= task.attempts;
        if (!ok)
            qWarning(
                "task %lld: %d attempts counted, but more runs or a higher attempt recorded", task.id, task.attempts);
        return ok;
    });
    return counted ? reruns : -1;
}

void TestServerCluster::fourWorkerProcessesOneKilledEveryTaskOnceAtATime()
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
    const int reruns = checkRuns(*store, taskCount);
    QVERIFY(reruns >= 0);

    // The killed process's tasks came back by lease expiry, and the history says which process ran what.
    QSqlQuery q(store->database());
    for (qint64 id : std::as_const(held)) {
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM task_events WHERE task_id = %1 AND kind = 'lease_expired'")
                           .arg(id))
            && q.next());
        QVERIFY2(q.value(0).toInt() >= 1, qPrintable(QStringLiteral("task %1 of the killed worker").arg(id)));
    }
    // Workers are named "<owner>/w<n>": the owners that started tasks are the processes that ran them.
    QVERIFY(q.exec(QStringLiteral("SELECT DISTINCT worker FROM task_events WHERE kind = 'started'")));
    QSet<QString> owners;
    while (q.next())
        owners.insert(q.value(0).toString().section(QLatin1Char('/'), 0, 0));
    QCOMPARE(owners.size(), 4);
    qInfo("tasks: %d, worker processes: 4, killed: 1 holding %d tasks, re-runs: %d, lost: 0", taskCount,
        int(held.size()), reruns);
    for (QProcess& worker : workers) {
        worker.kill();
        worker.waitForFinished(5000);
    }
}

void TestServerCluster::serverRestartWorkersCarryOn()
{
    const QString dir = qEnvironmentVariable(onPostgres() ? "QD_TEST_POSTGRES_DIR" : "QD_TEST_MARIADB_DIR");
    if (dir.isEmpty())
        QSKIP("QD_TEST_POSTGRES_DIR or QD_TEST_MARIADB_DIR not set: the server's directory is needed to restart it");
    // The fixture's script stops the server through its pid file and starts it again on the same data directory.
    const QString script = onPostgres() ? QStringLiteral(QD_PG_SCRIPT) : QStringLiteral(QD_MARIADB_SCRIPT);
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

    QCOMPARE(QProcess::execute(script, {QStringLiteral("restart"), dir}), 0);

    // The producer's next enqueue and every worker go on over new connections.
    QVERIFY2(producer->enqueueBatch(QList<NewTask>(1000, t)), "enqueue after the restart");
    QTRY_COMPARE_WITH_TIMEOUT(unfinished(*store), 0, 120'000);
    QCOMPARE(*store->countTasks(succeeded), 4000);
    // Work cut short by the restart ran again only under a new attempt.
    const int reruns = checkRuns(*store, 4000);
    QVERIFY(reruns >= 0);
    qInfo("tasks: 4000, worker processes: 2, server restarted once, re-runs: %d, lost: 0", reruns);
    for (QProcess& worker : workers) {
        QCOMPARE(worker.state(), QProcess::Running); // reconnected, not crashed
        worker.kill();
        worker.waitForFinished(5000);
    }
}

QTEST_GUILESS_MAIN(TestServerCluster)
namespace {
// CPU time (user + system) a process has used, in clock ticks; -1 when it cannot be read.
qint64 cpuTicks(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray line = stat.readAll();
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14.
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 12 ? fields[11].toLongLong() + fields[12].toLongLong() : -1;
}
} // namespace

void TestServerCluster::workersWaitQuietlyWhileTheServerIsDown()
{
    const QString dir = qEnvironmentVariable(onPostgres() ? "QD_TEST_POSTGRES_DIR" : "QD_TEST_MARIADB_DIR");
    if (dir.isEmpty())
        QSKIP("QD_TEST_POSTGRES_DIR or QD_TEST_MARIADB_DIR not set: the server's directory is needed to stop it");
    const QString script = onPostgres() ? QStringLiteral(QD_PG_SCRIPT) : QStringLiteral(QD_MARIADB_SCRIPT);
    auto producer = openProducer();
    QVERIFY(producer);
    std::array<QProcess, 2> workers;
    for (QProcess& worker : workers)
        QVERIFY(startWorker(worker, 30'000));
    // Work waits to be claimed the whole time the server is down.
    NewTask t = task(QStringLiteral("record"), QStringLiteral("default"), R"({"ms":20})");
    QVERIFY(producer->enqueueBatch(QList<NewTask>(2000, t)));
    auto store = openStore(m_url);
    QVERIFY(store);
    TaskFilter succeeded;
    succeeded.states = {TaskState::Succeeded};
    QTRY_VERIFY_WITH_TIMEOUT(*store->countTasks(succeeded) >= 50, 60'000);

    constexpr int downSeconds = 4;
    QProcess restart;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QD_SERVER_DOWN_SECONDS"), QString::number(downSeconds));
    restart.setProcessEnvironment(env);
    restart.start(script, {QStringLiteral("restart"), dir});
    QVERIFY(restart.waitForStarted(5000));
    QByteArray said; // QTRY_VERIFY evaluates its expression once more after it held: keep what was read
    QTRY_VERIFY_WITH_TIMEOUT((said += restart.readAllStandardOutput()).contains("down"), 60'000);
    // Measured over most of the outage, after the workers have met the closed socket.
    QTest::qWait(500);
    std::array<qint64, 2> before {};
    for (std::size_t i = 0; i < workers.size(); ++i)
        before[i] = cpuTicks(workers[i].processId());
    QElapsedTimer clock;
    clock.start();
    QTest::qWait((downSeconds - 1) * 1000);
    const double seconds = double(clock.elapsed()) / 1000.0;
    const double ticksPerSecond = double(sysconf(_SC_CLK_TCK));
    for (std::size_t i = 0; i < workers.size(); ++i) {
        const qint64 after = cpuTicks(workers[i].processId());
        QVERIFY(before[i] >= 0 && after >= 0);
        const double cpuSeconds = double(after - before[i]) / ticksPerSecond;
        qInfo("worker %d: %.2f s of CPU in %.1f s with the server down", int(i), cpuSeconds, seconds);
        // A writer retrying in a loop burns a core; one that backs off sleeps (the limit leaves room for a slow,
        // instrumented build and a loaded machine).
        QVERIFY2(cpuSeconds < 0.2 * seconds, qPrintable(QStringLiteral("%1 s of CPU").arg(cpuSeconds)));
    }
    QVERIFY(restart.waitForFinished(60'000));
    QCOMPARE(restart.exitCode(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(unfinished(*store), 0, 120'000);
    QCOMPARE(checkRuns(*store, 2000) >= 0, true);
    for (QProcess& worker : workers) {
        QCOMPARE(worker.state(), QProcess::Running);
        worker.kill();
        worker.waitForFinished(5000);
    }
}

#include "tst_servercluster.moc"
