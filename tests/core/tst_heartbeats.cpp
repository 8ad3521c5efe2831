// Heartbeat rows (`processes`, see core/processrecord.h): every engine that announces itself is seen by the others,
// with its workers and the tasks it runs; a clean stop removes its row, a killed process shows as lost after three
// beats, a read-only engine writes nothing, and old rows are pruned. Runs on PostgreSQL and MariaDB too.
#include "core/auditactor.h"
#include "core/queueengine.h"
#include "storetestutil.h"

#include <QDateTime>
#include <QProcess>

#include <signal.h>

#include <thread>

using namespace qd;

namespace {

constexpr qint64 beatMs = 200;

std::unique_ptr<QueueEngine> openEngine(const QString& path, const QString& kind, int workers, bool readOnly = false)
{
    EngineOptions options;
    options.store.path = path;
    options.store.readOnly = readOnly;
    options.workerCount = workers;
    options.processKind = kind;
    options.heartbeatIntervalMs = beatMs;
    options.pollIntervalMs = 50;
    options.shutdownGraceMs = 0;
    auto engine = QueueEngine::open(options);
    if (!engine) {
        qWarning() << engine.errorString();
        return nullptr;
    }
    return std::move(engine).value();
}

QList<ProcessRecord> processes(TaskStore& store)
{
    auto rows = store.processes();
    if (!rows) {
        qWarning() << rows.errorString();
        return {};
    }
    return *rows;
}

std::optional<ProcessRecord> processOf(TaskStore& store, qint64 pid, const QString& kind)
{
    for (const ProcessRecord& p : processes(store)) {
        if (p.pid == pid && p.kind == kind)
            return p;
    }
    return std::nullopt;
}

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

class TestHeartbeats : public QObject {
    Q_OBJECT

private slots:
    // First, before anything else of this process has looked up its account: engines announcing themselves and an
    // audit actor without $USER name the user on several threads at once (getpwuid's shared buffer raced there under
    // TSan). Each names the same account.
    void accountIsNamedOnSeveralThreadsAtOnce()
    {
        const QByteArray user = qgetenv("USER");
        qunsetenv("USER");
        qunsetenv("USERNAME");
        QTemporaryDir dir;
        const QString path = test::testDatabase(dir, QStringLiteral("threads"));
        QString actorName;
        std::unique_ptr<QueueEngine> engine;
        {
            std::jthread opener([&] { engine = openEngine(path, QStringLiteral("cli"), 0); });
            std::jthread auditor([&] { actorName = AuditActor {}.completed().user; });
        }
        if (!user.isNull())
            qputenv("USER", user);
        QVERIFY(engine);
        QVERIFY(!actorName.isEmpty());
        auto store = test::openStore(path);
        QVERIFY(store);
        const qint64 pid = QCoreApplication::applicationPid();
        QTRY_VERIFY_WITH_TIMEOUT(processOf(*store, pid, QStringLiteral("cli")).has_value(), 5000);
        QCOMPARE(processOf(*store, pid, QStringLiteral("cli"))->user, actorName);
    }

    void twoEnginesSeeEachOthersRowsAndTasks()
    {
        QTemporaryDir dir;
        const QString path = test::testDatabase(dir, QStringLiteral("beats"));
        auto gui = openEngine(path, QStringLiteral("gui"), 2);
        auto cli = openEngine(path, QStringLiteral("cli"), 3);
        QVERIFY(gui && cli);
        auto store = test::openStore(path);
        QVERIFY(store);
        const qint64 pid = QCoreApplication::applicationPid();
        QTRY_VERIFY_WITH_TIMEOUT(
            processOf(*store, pid, QStringLiteral("gui")) && processOf(*store, pid, QStringLiteral("cli")), 5000);
        const ProcessRecord g = *processOf(*store, pid, QStringLiteral("gui"));
        const ProcessRecord c = *processOf(*store, pid, QStringLiteral("cli"));
        QVERIFY(g.id != c.id);
        QCOMPARE(g.workers, 2);
        QCOMPARE(c.workers, 3);
        QCOMPARE(g.beatMs, beatMs);
        QCOMPARE(g.queues, QStringLiteral("*"));
        QVERIFY(!g.host.isEmpty());
        QVERIFY(!g.version.isEmpty());
        QCOMPARE(g.state(now()), ProcessRecord::State::Ok);

        // Rows keep beating: last_seen moves on.
        const qint64 firstSeen = g.lastSeen;
        QTRY_VERIFY_WITH_TIMEOUT(processOf(*store, pid, QStringLiteral("gui"))->lastSeen > firstSeen, 3000);

        // Five long tasks: each running one is listed under the process whose lease it holds, and together they are
        // the running count of the queue.
        QList<NewTask> tasks(5, test::task(QStringLiteral("sleep"), QStringLiteral("default"), "{\"ms\":3000}"));
        QVERIFY(gui->enqueueBatch(tasks).ok());
        QTRY_COMPARE_WITH_TIMEOUT(
            test::scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'running'")), qint64(5),
            5000);
        qsizetype listed = 0;
        for (const ProcessRecord& p : processes(*store)) {
            QVERIFY2(p.announced, qPrintable(p.id));
            QVERIFY(p.running.size() <= p.workers);
            for (const RunningTaskRef& t : p.running) {
                QCOMPARE(t.queue, QStringLiteral("default"));
                QCOMPARE(t.type, QStringLiteral("sleep"));
            }
            listed += p.running.size();
        }
        QCOMPARE(listed, 5);

        // A clean stop removes the row; the other stays.
        const QString cliId = c.id;
        cli.reset();
        const QList<ProcessRecord> left = processes(*store);
        QVERIFY(std::none_of(left.begin(), left.end(), [&](const ProcessRecord& p) { return p.id == cliId; }));
        QVERIFY(processOf(*store, pid, QStringLiteral("gui")));
    }

    void killedProcessShowsAsLost()
    {
        QTemporaryDir dir;
        const QString path = test::testDatabase(dir, QStringLiteral("killed"));
        auto store = test::openStore(path);
        QVERIFY(store);
        QProcess worker;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QD_TEST_PROCESS_KIND"), QStringLiteral("cli"));
        env.insert(QStringLiteral("QD_TEST_BEAT_MS"), QString::number(beatMs));
        worker.setProcessEnvironment(env);
        worker.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        worker.start(QStringLiteral(QD_TEST_WORKER), {path, QStringLiteral("2"), QStringLiteral("30000")});
        QVERIFY(worker.waitForStarted(5000) && worker.waitForReadyRead(10000));
        const qint64 pid = worker.processId();
        QVERIFY(
            store->enqueue({test::task(QStringLiteral("sleep"), QStringLiteral("default"), "{\"ms\":60000}")}, now())
                .ok());
        QTRY_VERIFY_WITH_TIMEOUT(processOf(*store, pid, QStringLiteral("cli"))
                && processOf(*store, pid, QStringLiteral("cli"))->running.size() == 1,
            10'000);
        QCOMPARE(processOf(*store, pid, QStringLiteral("cli"))->state(now()), ProcessRecord::State::Ok);

        ::kill(pid_t(pid), SIGKILL);
        QVERIFY(worker.waitForFinished(5000));
        const qint64 killedAt = now();
        // Lost once three beats were missed, not before; its task is still under it (the lease has not expired).
        QTRY_COMPARE_WITH_TIMEOUT(
            processOf(*store, pid, QStringLiteral("cli"))->state(now()), ProcessRecord::State::Lost, 5000);
        const ProcessRecord lost = *processOf(*store, pid, QStringLiteral("cli"));
        QVERIFY2(now() - killedAt >= 2 * beatMs, "lost too early");
        QVERIFY(now() - lost.lastSeen > lost.lostAfterMs());
        QCOMPARE(lost.running.size(), 1);
    }

    void readOnlyEngineWritesNothing()
    {
        if (test::onServer())
            QSKIP("a read-only open is a SQLite file's mode");
        QTemporaryDir dir;
        const QString path = test::testDatabase(dir, QStringLiteral("readonly"));
        auto store = test::openStore(path);
        QVERIFY(store);
        const QFileInfo before(path);
        const qint64 version = test::scalar(*store, QStringLiteral("PRAGMA data_version"));
        {
            auto watcher = openEngine(path, QStringLiteral("gui"), 2, true);
            QVERIFY(watcher);
            QTest::qWait(int(4 * beatMs));
        }
        QVERIFY(processes(*store).isEmpty());
        QCOMPARE(test::scalar(*store, QStringLiteral("PRAGMA data_version")), version);
        QCOMPARE(QFileInfo(path).lastModified(), before.lastModified());
    }

    void engineWithoutKindDoesNotAnnounce()
    {
        QTemporaryDir dir;
        const QString path = test::testDatabase(dir, QStringLiteral("silent"));
        auto engine = openEngine(path, QString(), 2);
        QVERIFY(engine);
        QTest::qWait(int(3 * beatMs));
        auto store = test::openStore(path);
        QVERIFY(store);
        QVERIFY(processes(*store).isEmpty());
    }

    void rowsArePrunedADayAfterTheyWereLastSeen()
    {
        QTemporaryDir dir;
        const QString path = test::testDatabase(dir, QStringLiteral("prune"));
        auto store = test::openStore(path);
        QVERIFY(store);
        const qint64 t = now();
        const qint64 day = 24 * 3600 * 1000;
        ProcessRecord old;
        old.id = QStringLiteral("old:1:0000");
        old.host = QStringLiteral("old");
        old.pid = 1;
        old.kind = QStringLiteral("cli");
        old.version = old.user = QStringLiteral("x");
        old.beatMs = 5000;
        old.queues = QStringLiteral("*");
        QVERIFY(store->beatProcess(old, t - day - 1000, t - 2 * day).ok());
        ProcessRecord fresh = old;
        fresh.id = QStringLiteral("fresh:2:0000");
        QVERIFY(store->beatProcess(fresh, t, t - day).ok()); // prunes what was last seen before a day ago
        const QList<ProcessRecord> rows = processes(*store);
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].id, fresh.id);
        // A second beat of the same process updates its row.
        fresh.workers = 7;
        QVERIFY(store->beatProcess(fresh, t + 5000, t - day).ok());
        QCOMPARE(processes(*store).at(0).workers, 7);
        QCOMPARE(processes(*store).at(0).lastSeen, t + 5000);
        QVERIFY(store->removeProcess(fresh.id).ok());
        QVERIFY(processes(*store).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestHeartbeats)
#include "tst_heartbeats.moc"
