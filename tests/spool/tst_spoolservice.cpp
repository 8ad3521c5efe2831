// SpoolService: the spools of the sources table, run on their thread; and the crash test: a process ingesting while
// files are dropped is SIGKILLed again and again, and each file still becomes exactly one task and ends in done/ or
// failed/.
#include "spooltestutil.h"

#include "tests/core/storetestutil.h"

#include "core/queueengine.h"
#include "core/spool/spoolservice.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QTest>

#include <csignal>
#include <sys/time.h>

using namespace qd;
using namespace qd::test;

namespace {

// The crash test's file count: the issue's 10,000 with 10 kills (fewer under the sanitizers).
#ifdef QD_SANITIZER_BUILD
constexpr int crashFiles = 400;
#else
constexpr int crashFiles = 10'000;
#endif
constexpr int crashKills = 10;

Status addSpool(QueueEngine& engine, const QString& name, const SpoolConfig& config)
{
    return engine.runInWriter([&](TaskStore& store) {
        return store.addSource(SourceRecord {0, QStringLiteral("spool"), name, config.toJson(), false, 0}, 1);
    });
}

} // namespace

class TestSpoolService : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void watchesTheTableAndTheFolders();
    void removesStaleFilesOfTmp();
    void killedWhileIngestingEachFileBecomesOneTask();

private:
    QTemporaryDir m_dir;
};

void TestSpoolService::watchesTheTableAndTheFolders()
{
    EngineOptions options;
    std::unique_ptr<QueueEngine> engine;
    std::unique_ptr<TaskStore> reader;
    QVERIFY(openTestEngine(m_dir, QStringLiteral("service"), 2, options, engine, reader));
    const QString dir = m_dir.filePath(QStringLiteral("watched"));
    QVERIFY(addSpool(*engine, QStringLiteral("watched"), SpoolConfig {dir, {}, {}, {}, QStringLiteral("default")}));

    SpoolServiceOptions spoolOptions;
    spoolOptions.store = options.store;
    spoolOptions.rescanMs = 60'000; // so the watcher and tasksChanged are what moves the files
    spoolOptions.sweepMs = 60'000;
    spoolOptions.sourcesMs = 100;
    SpoolService service(*engine, spoolOptions);
    QList<QString> reported;
    connect(&service, &SpoolService::problemFound, this,
        [&](const QString&, const QString& file, const QString&) { reported.append(file); });
    service.start();
    QTRY_VERIFY(QFileInfo::exists(dir + QStringLiteral("/new"))); // created by the service
    QVERIFY(dropFile(dir, QStringLiteral("a.json"), R"({"type":"noop"})"));
    QVERIFY(dropFile(dir, QStringLiteral("b.json"), R"({"type":"nope"})"));
    QVERIFY(QFile::link(dir + QStringLiteral("/tmp"), dir + QStringLiteral("/new/dirlink")));
    QTRY_COMPARE(filesIn(dir, QStringLiteral("done")),
        QStringList({QStringLiteral("a.json"), QStringLiteral("a.json.result.json")}));
    QTRY_COMPARE(filesIn(dir, QStringLiteral("failed")),
        QStringList({QStringLiteral("b.json"), QStringLiteral("b.json.result.json")}));
    QTRY_COMPARE(reported, QList<QString>({QStringLiteral("new/dirlink")}));

    // Paused in the table: files wait in new/; resumed: they are taken.
    QVERIFY(engine->runInWriter([](TaskStore& s) { return s.setSourcePaused(QStringLiteral("watched"), true); }));
    QTest::qWait(400);
    QVERIFY(dropFile(dir, QStringLiteral("c.json"), R"({"type":"noop"})"));
    QTest::qWait(400);
    QVERIFY(filesIn(dir, QStringLiteral("new")).contains(QStringLiteral("c.json")));
    QVERIFY(engine->runInWriter([](TaskStore& s) { return s.setSourcePaused(QStringLiteral("watched"), false); }));
    QTRY_VERIFY(filesIn(dir, QStringLiteral("done")).contains(QStringLiteral("c.json")));
    QCOMPARE(service.problems().size(), 1);
}

// Maildir's rule: a file of tmp/ neither read nor written for 36 hours was left by a producer that died before its
// rename. The service removes it when the spool starts and at each tmp sweep; recent files and folders stay.
void TestSpoolService::removesStaleFilesOfTmp()
{
    EngineOptions options;
    std::unique_ptr<QueueEngine> engine;
    std::unique_ptr<TaskStore> reader;
    QVERIFY(openTestEngine(m_dir, QStringLiteral("tmpsweep"), 0, options, engine, reader));
    const QString dir = m_dir.filePath(QStringLiteral("tmpsweep"));
    QVERIFY(QDir().mkpath(dir + QStringLiteral("/tmp/sub")));
    const auto writeTmp = [&](const QString& name, qint64 ageSeconds) {
        const QString path = dir + QStringLiteral("/tmp/") + name;
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write("{") != 1)
            return false;
        file.close();
        const qint64 when = QDateTime::currentSecsSinceEpoch() - ageSeconds;
        const struct timeval times[2] = {{time_t(when), 0}, {time_t(when), 0}}; // atime, mtime
        return ::utimes(QFile::encodeName(path).constData(), times) == 0;
    };
    const qint64 hours = 3600;
    QVERIFY(writeTmp(QStringLiteral("died-before-rename"), 37 * hours));
    QVERIFY(writeTmp(QStringLiteral("still-writing"), 35 * hours));
    QVERIFY(addSpool(*engine, QStringLiteral("tmpsweep"), SpoolConfig {dir, {}, {}, {}, QStringLiteral("default")}));

    SpoolServiceOptions spoolOptions;
    spoolOptions.store = options.store;
    spoolOptions.tmpSweepMs = 100;
    SpoolService service(*engine, spoolOptions);
    service.start();
    QTRY_COMPARE(filesIn(dir, QStringLiteral("tmp")), QStringList({QStringLiteral("still-writing")}));
    QVERIFY(QFileInfo(dir + QStringLiteral("/tmp/sub")).isDir());

    // Left behind while the service runs: the next sweep takes it.
    QVERIFY(writeTmp(QStringLiteral("died-later"), 40 * hours));
    QTRY_COMPARE(filesIn(dir, QStringLiteral("tmp")), QStringList({QStringLiteral("still-writing")}));
}

void TestSpoolService::killedWhileIngestingEachFileBecomesOneTask()
{
    QElapsedTimer elapsed;
    elapsed.start();
    const QString db = testDatabase(m_dir, QStringLiteral("crash"));
    const QString dir = m_dir.filePath(QStringLiteral("crash"));
    {
        EngineOptions options;
        options.store.path = db;
        options.sampleIntervalMs = 0;
        auto engine = QueueEngine::open(options);
        QVERIFY2(engine, qPrintable(engine.errorString()));
        QVERIFY(addSpool(**engine, QStringLiteral("crash"), SpoolConfig {dir, {}, {}, {}, QStringLiteral("default")}));
    }
    for (const char* sub : {"", "/tmp", "/new", "/cur", "/done", "/failed"})
        QVERIFY(QDir().mkpath(dir + QLatin1String(sub)));

    auto start = [&](QProcess& node) {
        node.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        node.start(QStringLiteral(QD_TEST_SPOOLNODE), {db, QStringLiteral("300")});
        return node.waitForStarted(5000) && node.waitForReadyRead(20000);
    };
    auto* rng = QRandomGenerator::global();
    auto fileName = [](int i) { return QStringLiteral("f%1.json").arg(i, 5, 10, QLatin1Char('0')); };
    // Every 25th file is malformed; a few are task lines.
    auto content = [](int i) -> QByteArray {
        if (i % 25 == 0)
            return "{broken " + QByteArray::number(i);
        return R"({"type":"noop","payload":{"n":)" + QByteArray::number(i) + "}}";
    };
    int dropped = 0;
    for (int k = 0; k < crashKills; ++k) {
        QProcess node;
        QVERIFY(start(node));
        // Drop a share of the files while it ingests, then kill it at a random moment.
        const int until = (k + 1) * crashFiles / crashKills;
        for (; dropped < until; ++dropped)
            QVERIFY(dropFile(dir, fileName(dropped), content(dropped)));
        QTest::qWait(int(rng->bounded(5, 80))); // mostly while it ingests what was just dropped
        ::kill(pid_t(node.processId()), SIGKILL);
        QVERIFY(node.waitForFinished(5000));
        QCOMPARE(node.exitStatus(), QProcess::CrashExit);
    }
    QCOMPARE(dropped, crashFiles);
    // A last process runs until every file has left new/ and cur/.
    QProcess last;
    QVERIFY(start(last));
    QTRY_VERIFY_WITH_TIMEOUT(
        filesIn(dir, QStringLiteral("new")).isEmpty() && filesIn(dir, QStringLiteral("cur")).isEmpty(), 60'000);
    last.kill();
    last.waitForFinished(5000);

    const QStringList done = filesIn(dir, QStringLiteral("done"));
    const QStringList failed = filesIn(dir, QStringLiteral("failed"));
    QStringList extra = done + failed;
    for (int i = 0; i < crashFiles; ++i) {
        extra.removeOne(fileName(i));
        extra.removeOne(fileName(i) + QStringLiteral(".result.json"));
    }
    QVERIFY2(extra.isEmpty(), qPrintable(extra.join(u' '))); // nothing twice, no leftovers
    for (int i = 0; i < crashFiles; ++i) {
        const QStringList& where = i % 25 == 0 ? failed : done;
        QVERIFY2(where.contains(fileName(i)) && where.contains(fileName(i) + QStringLiteral(".result.json")),
            qPrintable(fileName(i)));
    }
    auto store = openStore(db, true);
    QVERIFY(store);
    const int valid = crashFiles - (crashFiles + 24) / 25;
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks")), valid);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(DISTINCT payload) FROM tasks")), valid);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE state <> 'succeeded'")), 0);
    qInfo("%d files, %d kills: %lld ms", crashFiles, crashKills, elapsed.elapsed());
}

QTEST_GUILESS_MAIN(TestSpoolService)
#include "tst_spoolservice.moc"
