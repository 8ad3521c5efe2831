// The kill test: a producer process enqueues batches while a worker process runs them (with transient failures,
// permanent failures and an admin's cancels interleaved), and both are killed with SIGKILL at random moments and
// restarted. Afterwards nothing is lost, nothing is stuck, no handler ran more often than its attempts, every
// batch is all-or-nothing, and the file is intact.
//
// QD_TORTURE_KILLS (default 50) sets the number of worker kills; the sanitizer builds set fewer (see CMakeLists).
#include "torturehandler.h"

#include "core/handlerregistry.h"
#include "core/queueengine.h"
#include "core/taskstore.h"
#include "tests/core/storetestutil.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace qd;

namespace {

constexpr int batchSize = 100; // large enough that a kill often lands while one is being written
constexpr int workerThreads = 3;
constexpr qint64 leaseMs = 500;
constexpr int maxAttempts = 25; // far more than the kills can use up on one task

int envInt(const char* name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value > 0 ? value : fallback;
}

} // namespace

class TestKillTorture : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void killedWorkersAndProducersLoseNothing();

private:
    bool start(QProcess& process, const QStringList& args);
    void sigkill(QProcess& process);
    QTemporaryDir m_dir;
};

bool TestKillTorture::start(QProcess& process, const QStringList& args)
{
    process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process.start(QStringLiteral(QD_TORTURE_NODE), args);
    // Generous: a sanitizer build on a loaded machine starts slowly, and being slow is not what this test judges.
    return process.waitForStarted(30'000) && process.waitForReadyRead(60'000);
}

void TestKillTorture::sigkill(QProcess& process)
{
    ::kill(pid_t(process.processId()), SIGKILL);
    QVERIFY(process.waitForFinished(30'000));
    QCOMPARE(process.exitStatus(), QProcess::CrashExit);
}

void TestKillTorture::killedWorkersAndProducersLoseNothing()
{
    const int kills = envInt("QD_TORTURE_KILLS", 50);
    const QString db = m_dir.filePath(QStringLiteral("torture.db"));
    const QString record = m_dir.filePath(QStringLiteral("runs.txt"));
    const QString produced = m_dir.filePath(QStringLiteral("produced.txt"));
    QElapsedTimer clock;
    clock.start();

    // The admin: no workers, cancels now and then, and the queue's retry settings (short backoff, many attempts).
    auto registry = std::make_shared<HandlerRegistry>();
    registerBuiltinHandlers(*registry);
    registry->add(std::make_unique<test::TortureHandler>());
    EngineOptions adminOptions;
    adminOptions.store.path = db;
    adminOptions.handlers = registry;
    adminOptions.sampleIntervalMs = 0;
    auto admin = QueueEngine::open(adminOptions);
    QVERIFY2(admin, qPrintable(admin.errorString()));
    QueueConfig config;
    config.name = QStringLiteral("torture");
    config.maxAttempts = maxAttempts;
    config.retryPolicy = RetryPolicy {20, 100, 0.0};
    QVERIFY((*admin)->setQueueConfig(config));
    auto reader = test::openStore(db, true);
    QVERIFY(reader);

    auto* rng = QRandomGenerator::global();
    int run = 1;
    int producerKills = 0;
    QSet<qint64> cancelTargets;
    QList<std::pair<int, int>> killedDuring; // (run, batch) the producer had announced when it was killed
    QProcess producer;
    auto startProducer = [&] {
        return start(producer,
            {QStringLiteral("produce"), db, produced, QString::number(run), QString::number(batchSize),
                QStringLiteral("400")});
    };
    QVERIFY(startProducer());

    for (int k = 0; k < kills; ++k) {
        QProcess worker;
        QVERIFY(start(
            worker, {QStringLiteral("work"), db, QString::number(workerThreads), QString::number(leaseMs), record}));
        // Some kills land while the worker is still claiming its first tasks, most while tasks run.
        QTest::qWait(k % 7 == 0 ? int(rng->bounded(0, 30)) : int(rng->bounded(50, 500)));
        if (k % 3 == 1) {
            const qint64 maxId = test::scalar(*reader, QStringLiteral("SELECT max(id) FROM tasks"));
            if (maxId > 0) {
                TaskFilter targets;
                for (int i = 0; i < 3; ++i)
                    targets.ids.append(qint64(rng->bounded(quint64(maxId))) + 1);
                auto cancelled = (*admin)->cancel(targets);
                QVERIFY2(cancelled, qPrintable(cancelled.errorString()));
                for (qint64 id : std::as_const(targets.ids))
                    cancelTargets.insert(id);
            }
        }
        sigkill(worker);
        if (QTest::currentTestFailed())
            return;
        if (k % 10 == 4) { // the producer dies, most likely while a batch is being written; a new run takes over
            producer.readAllStandardOutput();
            QVERIFY(producer.waitForReadyRead(30'000)); // "batch N": it is about to write one
            sigkill(producer);
            const QList<QByteArray> said = producer.readAllStandardOutput().trimmed().split('\n');
            killedDuring.append({run, said.last().split(' ').value(1).toInt()});
            if (QTest::currentTestFailed())
                return;
            ++producerKills;
            ++run;
            QVERIFY(startProducer());
        }
        // A dead worker's tasks stay "running" only under its lease, which the recovery then takes back.
        QCOMPARE(test::scalar(*reader,
                     QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'running' "
                                    "AND (lease_owner IS NULL OR lease_owner = '' OR lease_expires_at <= 0)")),
            0);
    }
    sigkill(producer);
    ++producerKills;
    const qint64 killPhaseMs = clock.elapsed();

    // A last worker that may finish: it drains the queue, then stops gracefully on SIGTERM.
    QProcess last;
    QVERIFY(
        start(last, {QStringLiteral("work"), db, QString::number(workerThreads), QString::number(leaseMs), record}));
    const QString unfinished
        = QStringLiteral("SELECT count(*) FROM tasks WHERE state IN ('queued', 'scheduled', 'running')");
    QTRY_COMPARE_WITH_TIMEOUT(test::scalar(*reader, unfinished), 0, 240'000);
    last.terminate();
    QVERIFY(last.waitForFinished(30'000));
    QCOMPARE(last.exitStatus(), QProcess::NormalExit);
    QCOMPARE(last.exitCode(), 0);
    admin->reset();

    // What the producers were told is stored.
    QHash<qint64, std::pair<int, int>> promised; // id -> (run, batch)
    QFile log(produced);
    QVERIFY(log.open(QIODevice::ReadOnly));
    while (!log.atEnd()) {
        const QList<QByteArray> parts = log.readLine().trimmed().split(' ');
        QCOMPARE(parts.size(), 3);
        for (const QByteArray& id : parts.at(2).split(','))
            promised.insert(id.toLongLong(), {parts.at(0).toInt(), parts.at(1).toInt()});
    }
    // How often each task's handler really started, and with which attempt number.
    QHash<qint64, QList<int>> runs;
    qint64 totalRuns = 0;
    QFile runFile(record);
    QVERIFY(runFile.open(QIODevice::ReadOnly));
    while (!runFile.atEnd()) {
        const QList<QByteArray> parts = runFile.readLine().trimmed().split(' ');
        QCOMPARE(parts.size(), 2);
        runs[parts.at(0).toLongLong()].append(parts.at(1).toInt());
        ++totalRuns;
    }

    auto store = test::openStore(db, false);
    QVERIFY(store);
    QStringList problems;
    QHash<std::pair<int, int>, int> batchSizes;
    QSet<qint64> present;
    std::array<qint64, taskStateCount> finalStates {};
    qint64 ranMoreThanOnce = 0;
    qint64 extraRuns = 0;
    QVERIFY(store->forEachTask({}, [&](const Task& t) {
        present.insert(t.id);
        ++finalStates[std::size_t(t.state)];
        const QJsonObject payload = QJsonDocument::fromJson(t.payload).object();
        const std::pair<int, int> batch {
            payload.value(QLatin1String("run")).toInt(), payload.value(QLatin1String("batch")).toInt()};
        ++batchSizes[batch];
        if (promised.contains(t.id) && promised.value(t.id) != batch)
            problems << QStringLiteral("task %1: stored with another batch than its producer logged").arg(t.id);
        if (!isFinal(t.state))
            problems << QStringLiteral("task %1: left %2").arg(t.id).arg(taskStateName(t.state));
        const bool permanent = payload.value(QLatin1String("permanent")).toBool();
        if (!cancelTargets.contains(t.id)) {
            const TaskState expected = permanent ? TaskState::Failed : TaskState::Succeeded;
            if (t.state != expected) {
                problems << QStringLiteral("task %1: %2 after %3 attempts (%4), expected %5")
                                .arg(t.id)
                                .arg(taskStateName(t.state))
                                .arg(t.attempts)
                                .arg(t.lastError, taskStateName(expected));
            }
        }
        const QList<int> attempts = runs.value(t.id);
        const QSet<int> distinct(attempts.begin(), attempts.end());
        if (attempts.size() > t.attempts || distinct.size() != attempts.size()) {
            problems << QStringLiteral("task %1: handler ran %2 times (attempts %3) with %4 counted attempts")
                            .arg(t.id)
                            .arg(attempts.size())
                            .arg(t.attempts)
                            .arg(distinct.size());
        }
        if (t.state == TaskState::Succeeded || (t.state == TaskState::Failed && permanent)) {
            // The run that decided the outcome is the last claim: its attempt number is the task's count.
            const int lastRun = attempts.isEmpty() ? 0 : *std::max_element(attempts.begin(), attempts.end());
            if (lastRun != t.attempts)
                problems << QStringLiteral("task %1: %2 with %3 attempts, but its last recorded run was attempt %4")
                                .arg(t.id)
                                .arg(taskStateName(t.state))
                                .arg(t.attempts)
                                .arg(lastRun);
        }
        if (attempts.size() > 1) {
            ++ranMoreThanOnce;
            extraRuns += attempts.size() - 1;
        }
        return true;
    }));
    qint64 lost = 0;
    for (auto it = promised.cbegin(); it != promised.cend(); ++it) {
        if (!present.contains(it.key())) {
            ++lost;
            problems << QStringLiteral("task %1 (run %2 batch %3): enqueue returned, but it is not in the database")
                            .arg(it.key())
                            .arg(it->first)
                            .arg(it->second);
        }
    }
    int partialBatches = 0;
    for (auto it = batchSizes.cbegin(); it != batchSizes.cend(); ++it) {
        if (it.value() != batchSize) {
            ++partialBatches;
            problems << QStringLiteral("run %1 batch %2: %3 of %4 tasks stored (a batch is all or nothing)")
                            .arg(it.key().first)
                            .arg(it.key().second)
                            .arg(it.value())
                            .arg(batchSize);
        }
    }
    for (auto it = runs.cbegin(); it != runs.cend(); ++it) {
        if (!present.contains(it.key()))
            problems << QStringLiteral("task %1 ran but is not in the database").arg(it.key());
    }
    // A batch the producer was killed during is stored whole (the commit came first) or not at all.
    int cutStoredWhole = 0;
    for (const auto& batch : std::as_const(killedDuring))
        cutStoredWhole += batchSizes.value(batch) == batchSize;
    // The counts every commit kept (task_counts) agree with the tasks: no SIGKILL left a transaction half counted.
    const auto kept = store->countByQueueAndState();
    const auto recounted = store->recountByQueueAndState();
    QVERIFY(kept.ok() && recounted.ok());
    for (auto it = recounted->cbegin(); it != recounted->cend(); ++it) {
        if (kept->value(it.key()) != it.value())
            problems << QStringLiteral("queue %1: kept counts differ from the tasks").arg(it.key());
    }
    if (kept->size() != recounted->size())
        problems
            << QStringLiteral("kept counts for %1 queues, the tasks have %2").arg(kept->size()).arg(recounted->size());
    const qint64 redelivered
        = test::scalar(*store, QStringLiteral("SELECT count(*) FROM task_events WHERE kind = 'lease_expired'"));
    QSqlQuery q(store->database());
    QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
    const QString integrity = q.value(0).toString();
    q.finish();

    qInfo("kills: %d worker + %d producer in %lld ms; tasks: %lld in %lld batches (%lld acknowledged to the "
          "producer); final: %lld succeeded, %lld failed, %lld cancelled (%lld cancel targets)",
        kills, producerKills, killPhaseMs, qint64(present.size()), qint64(batchSizes.size()), qint64(promised.size()),
        finalStates[std::size_t(TaskState::Succeeded)], finalStates[std::size_t(TaskState::Failed)],
        finalStates[std::size_t(TaskState::Cancelled)], qint64(cancelTargets.size()));
    qInfo(
        "handler runs: %lld; tasks run more than once: %lld (%lld extra runs: transient failures by design plus "
        "%lld lease expiries after kills, the at-least-once duplicates); lost: %lld; producer killed during "
        "%lld batches: %d stored whole, %lld not at all, 0 partial (partial batches overall: %d); integrity_check: %s",
        totalRuns, ranMoreThanOnce, extraRuns, redelivered, lost, qint64(killedDuring.size()), cutStoredWhole,
        qint64(killedDuring.size()) - cutStoredWhole, partialBatches, qPrintable(integrity));
    for (const QString& p : problems.mid(0, 30))
        qWarning().noquote() << p;
    QVERIFY2(problems.isEmpty(), qPrintable(QStringLiteral("%1 problems, see above").arg(problems.size())));
    QVERIFY(!promised.isEmpty());
    QVERIFY(redelivered > 0); // the kills did hit running tasks, or the test proved nothing
    QCOMPARE(integrity, QStringLiteral("ok"));
}

QTEST_GUILESS_MAIN(TestKillTorture)
#include "tst_killtorture.moc"
