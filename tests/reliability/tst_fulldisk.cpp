// A full database while workers run. tst_queueengine fullDatabaseFailsCleanlyAndRecovers covers enqueue into a
// full file with no workers, recovered by raising the limit; here the file fills up while tasks are being run and
// completed (completions, lease renewals, metrics and claims all fail), for both durability modes, and room comes
// back either by raising the limit or by purging finished tasks. The limit is SQLite's max_page_count, set on the
// engine's own connection (it is per connection) through QueueEngine::runInWriter.
#include "torturehandler.h"

#include "core/diskreserve.h"
#include "core/handlerregistry.h"
#include "core/queueengine.h"
#include "core/taskstore.h"
#include "tests/core/storetestutil.h"
#include "tests/support/smalltmpfs.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QScopeGuard>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

using namespace qd;

Q_DECLARE_METATYPE(qd::Durability)

namespace {

// Caps the engine's file at its current size plus `extraPages` (0: no growth at all); a negative value lifts it.
Status limitPages(QueueEngine& engine, qint64 extraPages)
{
    return engine.runInWriter([&](TaskStore& store) -> Status {
        QSqlQuery q(store.database());
        if (!q.exec(QStringLiteral("PRAGMA page_count")) || !q.next())
            return Error {ErrorCode::Internal, q.lastError().text()};
        const qint64 pages = q.value(0).toLongLong();
        q.finish();
        const qint64 limit = extraPages < 0 ? 1'000'000'000 : pages + extraPages;
        if (!q.exec(QStringLiteral("PRAGMA max_page_count = %1").arg(limit)))
            return Error {ErrorCode::Internal, q.lastError().text()};
        return success();
    });
}

NewTask tortureTask(int ms, int resultBytes, int payloadBytes = 0)
{
    NewTask t;
    t.queue = QStringLiteral("full");
    t.type = QStringLiteral("torture");
    QJsonObject payload {{QStringLiteral("ms"), ms}, {QStringLiteral("bytes"), resultBytes}};
    if (payloadBytes > 0)
        payload.insert(QStringLiteral("blob"), QString(payloadBytes, u'p'));
    t.payload = QJsonDocument(payload).toJson(QJsonDocument::Compact);
    return t;
}

} // namespace

class TestFullDisk : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void fullWhileCompletingKeepsWorkAndRecovers_data();
    void fullWhileCompletingKeepsWorkAndRecovers();
    void fullBeforeClaimIsReportedWithoutSpinning();
    void purgingFinishedTasksMakesRoom();
    void shutdownOnAFullFileEnds();
    void purgeRescuesAFullFileSystem();

private:
    static void countFailedClaims(QtMsgType type, const QMessageLogContext& context, const QString& message);
    void checkFinishedOnce(TaskStore& reader, int withResults);
    std::unique_ptr<QueueEngine> openEngine(int workers, Durability durability);
    QHash<qint64, QList<int>> runs() const;

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_db;
    QString m_record;
    int m_recordFd = -1;
    std::atomic<int> m_fullErrors {0};
    std::atomic<int> m_otherErrors {0};
    static std::atomic<int> m_failedClaims;
};

std::atomic<int> TestFullDisk::m_failedClaims {0};

namespace {
QLoggingCategory::CategoryFilter s_previousFilter = nullptr;

void enableEngineWarnings(QLoggingCategory* category)
{
    if (s_previousFilter)
        s_previousFilter(category);
    if (qstrcmp(category->categoryName(), "qd.core.engine") == 0)
        category->setEnabled(QtWarningMsg, true);
}
} // namespace

// Counts the writer's "Cannot claim" warnings (logged on the writer thread) without printing thousands of them.
void TestFullDisk::countFailedClaims(QtMsgType, const QMessageLogContext&, const QString& message)
{
    if (message.contains(u"Cannot claim"))
        ++m_failedClaims;
}

void TestFullDisk::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_db = m_dir->filePath(QStringLiteral("full.db"));
    m_record = m_dir->filePath(QStringLiteral("runs.txt"));
    m_recordFd = ::open(m_record.toLocal8Bit().constData(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    QVERIFY(m_recordFd >= 0);
    m_fullErrors = 0;
    m_otherErrors = 0;
}

void TestFullDisk::cleanup()
{
    ::close(m_recordFd);
    m_dir.reset();
}

std::unique_ptr<QueueEngine> TestFullDisk::openEngine(int workers, Durability durability)
{
    auto registry = std::make_shared<HandlerRegistry>();
    registerBuiltinHandlers(*registry);
    registry->add(std::make_unique<test::TortureHandler>(m_recordFd));
    EngineOptions options;
    options.store.path = m_db;
    options.store.durability = durability;
    options.workerCount = workers;
    options.leaseMs = 1000; // the file stays full for longer than this: leases cannot be renewed meanwhile
    options.pollIntervalMs = 50;
    options.maintenanceIntervalMs = 100;
    options.sampleIntervalMs = 200; // metrics are written (and fail) too
    options.handlers = registry;
    auto engine = QueueEngine::open(options);
    if (!engine) {
        qWarning() << engine.errorString();
        return nullptr;
    }
    // Counted on the writer thread as the errors happen; the atomics keep it free of races.
    connect(
        engine->get(), &QueueEngine::errorOccurred, this,
        [this](const Error& error) { ++(error.code == ErrorCode::DatabaseFull ? m_fullErrors : m_otherErrors); },
        Qt::DirectConnection);
    return std::move(engine).value();
}

QHash<qint64, QList<int>> TestFullDisk::runs() const
{
    QHash<qint64, QList<int>> result;
    QFile file(m_record);
    if (!file.open(QIODevice::ReadOnly))
        return result;
    while (!file.atEnd()) {
        const QList<QByteArray> parts = file.readLine().trimmed().split(' ');
        if (parts.size() == 2)
            result[parts.at(0).toLongLong()].append(parts.at(1).toInt());
    }
    return result;
}

void TestFullDisk::fullWhileCompletingKeepsWorkAndRecovers_data()
{
    QTest::addColumn<Durability>("durability");
    QTest::newRow("normal") << Durability::Normal;
    QTest::newRow("full") << Durability::Full;
}

void TestFullDisk::fullWhileCompletingKeepsWorkAndRecovers()
{
    QFETCH(Durability, durability);
    constexpr int taskCount = 300;
    auto engine = openEngine(2, durability);
    QVERIFY(engine);
    const auto lift = qScopeGuard([&] {
        if (engine)
            limitPages(*engine, -1); // a failed check must not leave the engine unable to shut down
    });
    auto reader = test::openStore(m_db, true);
    QVERIFY(reader);
    // Two slow tasks first, then many quick ones; each completion stores a result larger than a page.
    QVERIFY(engine->enqueueBatch(QList<NewTask>(2, tortureTask(400, 5000))));
    QVERIFY(engine->enqueueBatch(QList<NewTask>(taskCount - 2, tortureTask(2, 5000))));
    // The file fills up while the first two run: their completions are the first writes that need room.
    QTRY_COMPARE_WITH_TIMEOUT(
        test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'running'")), 2, 20'000);
    QVERIFY(limitPages(*engine, 0));
    QTRY_VERIFY_WITH_TIMEOUT(m_fullErrors.load() > 0, 20'000);
    // While full: a new task is refused with a clear error, and nothing of it is stored.
    auto refused = engine->enqueue(tortureTask(1, 0, 6000));
    QVERIFY(!refused);
    QVERIFY2(refused.error().code == ErrorCode::DatabaseFull, qPrintable(refused.errorString()));
    QVERIFY2(refused.errorString().contains(u"full"), qPrintable(refused.errorString()));
    // Longer than a lease: renewals fail too, and the work must survive that.
    QTest::qWait(2500);
    QCOMPARE(test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks")), qint64(taskCount));
    const qint64 doneWhileFull
        = test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'succeeded'"));
    QVERIFY2(doneWhileFull < taskCount, "the file never filled up: the test proves nothing");
    QVERIFY(reader->task(1)); // the stored work reads back while the file is full

    // Room again: everything finishes, each task once per attempt at most, with its result.
    QVERIFY(limitPages(*engine, -1));
    QVERIFY(engine->enqueue(tortureTask(1, 0, 6000)));
    QTRY_COMPARE_WITH_TIMEOUT(
        test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'succeeded'")),
        qint64(taskCount + 1), 60'000);
    engine.reset();
    checkFinishedOnce(*reader, taskCount);
    qInfo("full-disk errors reported: %d (other errors: %d); succeeded while full: %lld of %d", m_fullErrors.load(),
        m_otherErrors.load(), doneWhileFull, taskCount);
}

void TestFullDisk::fullBeforeClaimIsReportedWithoutSpinning()
{
    // Workers start on a file that is already full to the last byte: the first write they need is the claim.
    constexpr int taskCount = 50;
    auto engine = openEngine(0, Durability::Normal);
    QVERIFY(engine);
    const auto lift = qScopeGuard([&] { limitPages(*engine, -1); }); // an early return must not leave it full
    QVERIFY(engine->enqueueBatch(QList<NewTask>(taskCount, tortureTask(1, 5000))));
    NewTask filler = tortureTask(0, 0);
    filler.queue = QStringLiteral("filler");
    QVERIFY(engine->enqueue(filler));
    QVERIFY(engine->setPaused(QStringLiteral("filler"), true)); // fillers only take room
    QVERIFY(limitPages(*engine, 0));
    int fillers = 1;
    while (engine->enqueue(filler) && fillers < 100'000)
        ++fillers; // packs the free space left in the last pages of every table and index
    // The tasks' pages may be full before the history's (rows differ in size from schema to schema): history rows
    // of the paused filler pack those too, so that the claim's "started" row finds no room either.
    int notes = 0;
    while (notes < 100'000 && engine->runInWriter([](TaskStore& store) -> Status {
        QSqlQuery q(store.database());
        if (!q.exec(
                QStringLiteral("INSERT INTO task_events(task_id, queue, at, kind, to_state, attempt)"
                               " SELECT min(id), 'filler', 1, 'note', 'queued', 0 FROM tasks WHERE queue = 'filler'")))
            return Error {ErrorCode::DatabaseFull, q.lastError().text()};
        return success();
    }))
        ++notes; // packs the free space left in the last pages of every table and index
    m_failedClaims = 0;
    m_fullErrors = 0;
    // Counted whatever QT_LOGGING_RULES says: a filter applied after the rules turns the engine's warnings on.
    s_previousFilter = QLoggingCategory::installFilter(enableEngineWarnings);
    const QtMessageHandler previous = qInstallMessageHandler(countFailedClaims);
    engine->setWorkerCount(2);
    QTest::qWait(2000);
    const int failedClaims = m_failedClaims.load();
    const int fullErrors = m_fullErrors.load();
    qInstallMessageHandler(previous);
    QLoggingCategory::installFilter(s_previousFilter);
    auto reader = test::openStore(m_db, true);
    QVERIFY(reader);
    const qint64 queuedWhileFull
        = test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'queued' AND queue = 'full'"));
    QVERIFY(limitPages(*engine, -1));
    qInfo("%d filler tasks and %d history rows packed the file; in 2 s on the full file: %d failed claims logged, %d "
          "errors reported",
        fillers, notes, failedClaims, fullErrors);
    QCOMPARE(queuedWhileFull, qint64(taskCount)); // nothing was claimed, nothing lost
    // A refused claim is reported once and tried again after a pause, not thousands of times a second.
    QVERIFY2(fullErrors > 0, "a full file that stops all work must reach errorOccurred");
    QVERIFY2(failedClaims <= 100, qPrintable(QStringLiteral("%1 failed claims in 2 s").arg(failedClaims)));

    QTRY_COMPARE_WITH_TIMEOUT(
        test::scalar(
            *reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'succeeded' AND queue = 'full'")),
        qint64(taskCount), 30'000);
}

void TestFullDisk::checkFinishedOnce(TaskStore& reader, int withResults)
{
    const QHash<qint64, QList<int>> ran = runs();
    QStringList problems;
    QVERIFY(reader.forEachTask({}, [&](const Task& t) {
        const QList<int> attempts = ran.value(t.id);
        if (attempts.isEmpty() || attempts.size() > t.attempts)
            problems
                << QStringLiteral("task %1 ran %2 times in %3 attempts").arg(t.id).arg(attempts.size()).arg(t.attempts);
        if (t.state != TaskState::Succeeded && t.queue != u"filler")
            problems << QStringLiteral("task %1 is %2").arg(t.id).arg(taskStateName(t.state));
        if (t.id <= withResults && t.result.size() < 5000)
            problems << QStringLiteral("task %1 succeeded without its result").arg(t.id);
        return true;
    }));
    for (const QString& p : problems.mid(0, 20))
        qWarning().noquote() << p;
    QVERIFY(problems.isEmpty());
    QSqlQuery q(reader.database());
    // Every claim wrote its "started" event in the same transaction, full file or not.
    QVERIFY(
        q.exec(QStringLiteral("SELECT count(*) FROM tasks t WHERE t.attempts <> (SELECT count(*) FROM task_events e "
                              "WHERE e.task_id = t.id AND e.kind = 'started')"))
        && q.next());
    QCOMPARE(q.value(0).toInt(), 0);
    q.finish();
    QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
}

void TestFullDisk::purgingFinishedTasksMakesRoom()
{
    auto engine = openEngine(2, Durability::Normal);
    QVERIFY(engine);
    QVERIFY(engine->enqueueBatch(QList<NewTask>(100, tortureTask(0, 0, 3000))));
    auto reader = test::openStore(m_db, true);
    QVERIFY(reader);
    QTRY_COMPARE_WITH_TIMEOUT(
        test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'succeeded'")), 100, 30'000);
    engine->setWorkerCount(0);
    QVERIFY(limitPages(*engine, 2));
    Result<QList<EnqueueResult>> r = QList<EnqueueResult> {};
    qint64 queued = 0;
    for (int i = 0; i < 100 && r; ++i) {
        r = engine->enqueueBatch(QList<NewTask>(5, tortureTask(0, 0, 3000)));
        if (r)
            queued += 5;
    }
    QVERIFY(!r);
    QVERIFY2(r.error().code == ErrorCode::DatabaseFull, qPrintable(r.errorString()));
    QCOMPARE(test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'queued'")), queued);

    // The admin deletes finished tasks: their pages are reused under the same limit.
    TaskFilter finished;
    finished.states = {TaskState::Succeeded};
    auto purged = engine->purge(finished);
    QVERIFY2(purged, qPrintable(purged.errorString()));
    QCOMPARE(*purged, 100);
    QVERIFY2(engine->enqueueBatch(QList<NewTask>(20, tortureTask(0, 0, 3000))),
        "purged pages were not reused under the same page limit");
    engine->setWorkerCount(2);
    QTRY_COMPARE_WITH_TIMEOUT(
        test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'succeeded'")), queued + 20,
        30'000);
    QCOMPARE(test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks")), queued + 20);
}

void TestFullDisk::shutdownOnAFullFileEnds()
{
    // The GUI or `queuedesk-cli work` closing while the disk is full: results that cannot be written must not
    // keep the process from ending. Their tasks stay leased, and the lease brings them back (at-least-once).
    auto engine = openEngine(2, Durability::Normal);
    QVERIFY(engine);
    NewTask filler = tortureTask(0, 0, 3000);
    filler.queue = QStringLiteral("filler");
    QVERIFY(engine->enqueue(filler));
    QVERIFY(engine->setPaused(QStringLiteral("filler"), true));
    QVERIFY(engine->enqueueBatch(QList<NewTask>(50, filler))); // room another connection can free later
    QVERIFY(engine->enqueueBatch(QList<NewTask>(2, tortureTask(300, 5000))));
    auto reader = test::openStore(m_db, true);
    QVERIFY(reader);
    QTRY_COMPARE_WITH_TIMEOUT(
        test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'running'")), 2, 20'000);
    QVERIFY(limitPages(*engine, 0));
    QTRY_VERIFY_WITH_TIMEOUT(m_fullErrors.load() > 0, 20'000); // the two results are waiting for room

    constexpr qint64 graceMs = 10'000; // EngineOptions::shutdownGraceMs's default
    std::atomic<bool> closed {false};
    QElapsedTimer clock;
    clock.start();
    std::thread closer([&] {
        engine.reset();
        closed = true;
    });
    while (!closed && clock.elapsed() < graceMs + 5000)
        QThread::msleep(20);
    const bool endedInTime = closed;
    const qint64 waitedMs = clock.elapsed();
    if (!endedInTime) {
        // Free room from another connection (deleted pages are reused under the same limit), so that the hung
        // shutdown can write its results and the test can go on.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("freer"));
        db.setDatabaseName(m_db);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        QVERIFY(db.open());
        {
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral(
                "DELETE FROM task_events WHERE task_id IN (SELECT id FROM tasks WHERE queue = 'filler')")));
            QVERIFY(q.exec(QStringLiteral("DELETE FROM tasks WHERE queue = 'filler'")));
        }
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("freer"));
    }
    closer.join();
    qInfo("shutdown on a full file: %s after %lld ms", endedInTime ? "ended" : "hung, freed", waitedMs);
    // Shutdown waits for the handlers, not for results a full file cannot take (it once waited forever).
    QVERIFY2(endedInTime, "the engine did not shut down within its grace period plus 5 s");
    // Whatever happened, the two tasks are not lost: finished, or still leased (to come back when it expires).
    QCOMPARE(
        test::scalar(*reader,
            QStringLiteral("SELECT count(*) FROM tasks WHERE queue = 'full' AND state IN ('succeeded', 'running')")),
        2);
}

// A real file system that fills up (the tests above cap the file with max_page_count, which leaves the disk room for
// the WAL and the files SQLite opens with). Then `queuedesk-cli purge`, a new process on the full disk, must be
// able to open the database, purge finished tasks, and leave room for the queue to carry on.
void TestFullDisk::purgeRescuesAFullFileSystem()
{
    test::SmallTmpfs mountPoint(QStringLiteral("24m"), QStringLiteral("qd-full-test"));
    if (!mountPoint.mounted())
        QSKIP(qPrintable(mountPoint.skipReason()));
    m_db = mountPoint.filePath(QStringLiteral("full.db"));
    const QString reserve = diskreserve::pathFor(m_db);
    {
        auto engine = openEngine(2, Durability::Normal);
        QVERIFY(engine);
        QCOMPARE(QFileInfo(reserve).size(), diskreserve::reserveBytes);
        QVERIFY(engine->enqueueBatch(QList<NewTask>(300, tortureTask(0, 0, 3000))));
        QTRY_COMPARE_WITH_TIMEOUT(
            engine->counts().value(QStringLiteral("full"))[std::size_t(TaskState::Succeeded)], 300, 30'000);
        engine->setWorkerCount(0);
        QTRY_COMPARE(engine->workers().size(), 0);
        QVERIFY(engine->enqueueBatch(QList<NewTask>(100, tortureTask(0, 0, 3000)))); // still to run
    }
    QVERIFY(!QFileInfo::exists(m_db + QLatin1String("-shm"))); // closed cleanly: SQLite must create it to open
    // Then the disk fills up (logs, uploads...).
    {
        QFile filler(mountPoint.filePath(QStringLiteral("filler")));
        QVERIFY(filler.open(QIODevice::WriteOnly));
        const QByteArray chunk(4096, 'f');
        while (filler.write(chunk) == chunk.size() && filler.flush()) { }
    }
    QVERIFY2(diskreserve::freeBytes(m_db) < 64 * 1024, qPrintable(QString::number(diskreserve::freeBytes(m_db))));

    // The admin's purge, as a new process would: open, purge the finished tasks, and enqueue again.
    auto engine = openEngine(0, Durability::Normal);
    QVERIFY2(engine, "the database cannot be opened on the full disk");
    QVERIFY(!QFileInfo::exists(reserve)); // given back to open it
    TaskFilter finished;
    finished.states = {TaskState::Succeeded};
    auto purged = engine->purge(finished);
    QVERIFY2(purged, qPrintable(purged.errorString()));
    QCOMPARE(*purged, 300);
    QVERIFY2(
        engine->enqueueBatch(QList<NewTask>(20, tortureTask(0, 0, 3000))), "no room for new tasks after the purge");
    engine.reset();
    auto reader = test::openStore(m_db, true);
    QVERIFY(reader);
    QCOMPARE(test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'succeeded'")), 0);
    QCOMPARE(test::scalar(*reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'queued'")), 120);
    QCOMPARE(test::scalar(*reader, QStringLiteral("PRAGMA integrity_check")), 0); // "ok" reads as 0
}

QTEST_GUILESS_MAIN(TestFullDisk)
#include "tst_fulldisk.moc"
