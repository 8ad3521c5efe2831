// Claims ahead (EngineCore's prefetch): a worker whose queue runs short tasks gets its next task claimed while it is
// still busy, so that one commit records several results. What must hold: it really saves commits, a task claimed
// ahead starts (in the history too) when its handler starts, never beside another handler of a concurrency-1
// queue, and goes back to the queue, unrun and with its attempt refunded, when it would wait behind a long handler,
// is cancelled, its queue paused, or the workers stop.
#include "storetestutil.h"

#include "core/handlercontext.h"
#include "core/handlerregistry.h"
#include "core/queueengine.h"
#include "core/taskhandler.h"
#include "core/taskstore.h"

#include <QElapsedTimer>
#include <QSqlDriver>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <thread>

using namespace qd;
using namespace qd::test;

namespace {

// Counts the handlers of its type running at once; sleeps payload "us" microseconds.
class ProbeHandler : public TaskHandler {
public:
    explicit ProbeHandler(std::atomic<int>& inFlight, std::atomic<int>& maxInFlight)
        : m_inFlight(inFlight)
        , m_maxInFlight(maxInFlight)
    { }
    QString type() const override { return QStringLiteral("probe"); }
    QString description() const override { return QStringLiteral("test probe"); }
    QJsonObject payloadTemplate() const override { return {}; }
    std::optional<QString> validate(const QJsonObject&) const override { return std::nullopt; }
    HandlerResult run(const QJsonObject& payload, HandlerContext&) const override
    {
        const int now = ++m_inFlight;
        int seen = m_maxInFlight.load();
        while (now > seen && !m_maxInFlight.compare_exchange_weak(seen, now)) { }
        if (const int us = payload.value(QLatin1String("us")).toInt(); us > 0)
            std::this_thread::sleep_for(std::chrono::microseconds(us));
        --m_inFlight;
        return HandlerResult::success();
    }

private:
    std::atomic<int>& m_inFlight;
    std::atomic<int>& m_maxInFlight;
};

// Counts the writer's commits: SQLite's commit hook on the engine's own connection. (PostgreSQL: the change
// notifications every write transaction sends at its commit, counted by another connection's dataVersion().)
std::atomic<int> g_commits {0};

int countCommit(void*)
{
    ++g_commits;
    return 0; // 0: let the commit go ahead
}

Status setCommitHook(QueueEngine& engine, bool on)
{
    return engine.runInWriter([on](TaskStore& store) -> Status {
        const QVariant handle = store.database().driver()->handle();
        sqlite3* db = *static_cast<sqlite3* const*>(handle.constData());
        sqlite3_commit_hook(db, on ? countCommit : nullptr, nullptr);
        return success();
    });
}

} // namespace

class TestEnginePrefetch : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void oneWorkerRecordsSeveralNoopResultsPerCommit();
    void startIsRecordedWhenTheHandlerStarts();
    void concurrencyOneRunsOneHandlerWithATaskAhead();
    void longTaskGivesBackTheTaskClaimedAhead();
    void cancelEndsATaskClaimedAheadUnrun();
    void pauseGivesBackTheTaskClaimedAhead();
    void shutdownGivesBackTheTaskClaimedAhead();
    void fewerWorkersGiveBackTheTaskClaimedAhead();
    void noClaimAheadWhenTurnedOff();
    void oneWorkerRunsManyNoopsAheadInOrder();
    void everyTaskAheadOfALongOneGoesBack();

private:
    EngineOptions options(int workers);
    std::unique_ptr<QueueEngine> openWithTaskAhead(EngineOptions o, qint64 sleepMs, qint64& longId, qint64& aheadId);
    qint64 count(const QueueEngine& engine, TaskState state, const QString& queue = QStringLiteral("default")) const
    {
        return engine.counts().value(queue)[std::size_t(state)];
    }
    QStringList eventKinds(qint64 id) const;

    QTemporaryDir m_dir;
    QString m_path;
    std::atomic<int> m_inFlight {0};
    std::atomic<int> m_maxInFlight {0};
};

void TestEnginePrefetch::init()
{
    m_path = testDatabase(m_dir, QLatin1String(QTest::currentTestFunction()));
    m_inFlight = 0;
    m_maxInFlight = 0;
    g_commits = 0;
}

EngineOptions TestEnginePrefetch::options(int workers)
{
    EngineOptions o;
    o.store.path = m_path;
    o.workerCount = workers;
    o.sampleIntervalMs = 0;
    auto handlers = HandlerRegistry::createDefault();
    handlers->add(std::make_unique<ProbeHandler>(m_inFlight, m_maxInFlight));
    o.handlers = handlers;
    return o;
}

QStringList TestEnginePrefetch::eventKinds(qint64 id) const
{
    auto store = openStore(m_path, true);
    QStringList kinds;
    if (!store)
        return kinds;
    auto history = store->taskWithEvents(id);
    if (!history)
        return kinds;
    for (const TaskEvent& e : history->events)
        kinds.append(e.kind);
    return kinds;
}

// One worker, an idle queue: four short runs (so that the queue qualifies), then a long task and a noop enqueued
// together. The noop is claimed ahead for the worker that runs the long one: the counts show two running.
std::unique_ptr<QueueEngine> TestEnginePrefetch::openWithTaskAhead(
    EngineOptions o, qint64 sleepMs, qint64& longId, qint64& aheadId)
{
    auto opened = QueueEngine::open(std::move(o));
    if (!opened) {
        qWarning() << opened.errorString();
        return nullptr;
    }
    std::unique_ptr<QueueEngine> engine = std::move(opened).value();
    if (!engine->enqueueBatch(QList<NewTask>(4, task())))
        return nullptr;
    if (!QTest::qWaitFor([&] { return count(*engine, TaskState::Succeeded) == 4; }, 10'000))
        return nullptr;
    auto ids = engine->enqueueBatch(
        {task(QStringLiteral("sleep"), QStringLiteral("default"), QStringLiteral("{\"ms\":%1}").arg(sleepMs).toUtf8()),
            task()});
    if (!ids)
        return nullptr;
    longId = ids->at(0).id;
    aheadId = ids->at(1).id;
    if (!QTest::qWaitFor([&] { return count(*engine, TaskState::Running) == 2; }, 5000)) {
        qWarning() << "the noop was not claimed ahead";
        return nullptr;
    }
    return engine;
}

void TestEnginePrefetch::oneWorkerRecordsSeveralNoopResultsPerCommit()
{
    constexpr int tasks = 600;
    auto engine = QueueEngine::open(options(0));
    QVERIFY(engine);
    QVERIFY((*engine)->enqueueBatch(QList<NewTask>(tasks, task())));
    auto watcher = openStore(m_path, true);
    QVERIFY(watcher);
    if (!onServer())
        QVERIFY(setCommitHook(**engine, true));
    const qint64 commitsBefore = onServer() ? *watcher->dataVersion() : g_commits.load();
    (*engine)->setWorkerCount(1);
    QTRY_COMPARE_WITH_TIMEOUT(count(**engine, TaskState::Succeeded), qint64(tasks), 60'000);
    qint64 commits = 0;
    if (onServer()) {
        QTest::qWait(200); // the last commits' notifications in flight
        commits = *watcher->dataVersion() - commitsBefore;
    } else {
        commits = g_commits - commitsBefore;
        QVERIFY(setCommitHook(**engine, false));
    }
    engine->reset();
    // One task per commit without claims ahead (the result of one and the claim of the next share it); the
    // worker is far quicker than the writer here, so each commit records the task ahead as well.
    qInfo() << tasks << "noop tasks," << commits << "commits";
#if defined(__SANITIZE_THREAD__)
    // Under ThreadSanitizer the writer is no longer the slower side: each task claimed ahead reaches a worker that
    // has already finished, so nothing is left to share a commit (seen: 596-601 commits for 600). The history checks
    // below still apply.
#else
    QVERIFY2(commits * 4 <= tasks * 3, qPrintable(QStringLiteral("%1 commits for %2 tasks").arg(commits).arg(tasks)));
#endif
    // The history is whole: one start and one success per task, the start event at the task's started_at.
    auto store = openStore(m_path, true);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'succeeded' AND attempts = 1")),
        qint64(tasks));
    QCOMPARE(scalar(*store,
                 QStringLiteral("SELECT count(*) FROM task_events e JOIN tasks t ON t.id = e.task_id"
                                " WHERE e.kind = 'started' AND e.at = t.started_at AND e.attempt = 1")),
        qint64(tasks));
    QCOMPARE(
        scalar(*store, QStringLiteral("SELECT count(*) FROM task_events WHERE kind = 'succeeded'")), qint64(tasks));
}

void TestEnginePrefetch::startIsRecordedWhenTheHandlerStarts()
{
    // 1 ms handlers (under the 5 ms limit, so claimed ahead): a start recorded at the claim would lie before the
    // end of the previous run on the same (only) worker.
    constexpr int tasks = 80;
    auto engine = QueueEngine::open(options(1));
    QVERIFY(engine);
    QVERIFY((*engine)->enqueueBatch(
        QList<NewTask>(tasks, task(QStringLiteral("probe"), QStringLiteral("default"), R"({"us":1000})"))));
    QTRY_COMPARE_WITH_TIMEOUT(count(**engine, TaskState::Succeeded), qint64(tasks), 30'000);
    engine->reset();
    auto store = openStore(m_path, true);
    QList<std::pair<qint64, qint64>> runs;
    QVERIFY(store->forEachTask({}, [&](const Task& t) {
        runs.append({t.startedAt, t.finishedAt});
        return true;
    }));
    std::sort(runs.begin(), runs.end());
    for (qsizetype i = 1; i < runs.size(); ++i) {
        QVERIFY2(runs[i].first >= runs[i - 1].second,
            qPrintable(QStringLiteral("run %1 started at %2, before run %3 ended at %4")
                           .arg(i)
                           .arg(runs[i].first)
                           .arg(i - 1)
                           .arg(runs[i - 1].second)));
    }
    QCOMPARE(scalar(*store,
                 QStringLiteral("SELECT count(*) FROM task_events e JOIN tasks t ON t.id = e.task_id"
                                " WHERE e.kind = 'started' AND e.at = t.started_at")),
        qint64(tasks));
}

void TestEnginePrefetch::concurrencyOneRunsOneHandlerWithATaskAhead()
{
    auto engine = QueueEngine::open(options(4));
    QVERIFY(engine);
    const QString serial = QStringLiteral("serial");
    QVERIFY((*engine)->setConcurrency(serial, 1));
    QVERIFY((*engine)->enqueueBatch(QList<NewTask>(4, task(QStringLiteral("probe"), serial))));
    QTRY_COMPARE(count(**engine, TaskState::Succeeded, serial), 4);
    // A 400 ms run with the next task claimed ahead on its worker: three idle workers, and still one handler.
    auto ids = (*engine)->enqueueBatch(
        {task(QStringLiteral("probe"), serial, R"({"us":400000})"), task(QStringLiteral("probe"), serial)});
    QVERIFY(ids);
    QTRY_COMPARE_WITH_TIMEOUT(count(**engine, TaskState::Running, serial), 2, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(count(**engine, TaskState::Succeeded, serial), 6, 5000);
    // Many short ones, each claimed ahead by whichever worker holds the queue.
    QVERIFY((*engine)->enqueueBatch(QList<NewTask>(400, task(QStringLiteral("probe"), serial, R"({"us":100})"))));
    QTRY_COMPARE_WITH_TIMEOUT(count(**engine, TaskState::Succeeded, serial), 406, 60'000);
    engine->reset();
    QCOMPARE(m_maxInFlight.load(), 1);
    auto store = openStore(m_path, true);
    const Task first = *store->task(ids->at(0).id);
    const Task second = *store->task(ids->at(1).id);
    QVERIFY2(second.startedAt >= first.finishedAt, "the task claimed ahead started before the long run ended");
    QCOMPARE(second.attempts, 1);
}

void TestEnginePrefetch::longTaskGivesBackTheTaskClaimedAhead()
{
    qint64 longId = 0, aheadId = 0;
    auto engine = openWithTaskAhead(options(1), 4000, longId, aheadId); // default bound: 200 ms
    QVERIFY(engine);
    auto store = openStore(m_path, true);
    // Given back well within a second, unrun, its attempt refunded, while the long task still runs.
    QTRY_VERIFY_WITH_TIMEOUT(store->task(aheadId)->state == TaskState::Queued, 1500);
    QCOMPARE(store->task(aheadId)->attempts, 0);
    QCOMPARE(store->task(longId)->state, TaskState::Running);
    QCOMPARE(count(*engine, TaskState::Running), 1);
    // The worker still busy with the long task does not take it again; a second worker does, at once.
    QTest::qWait(300);
    QCOMPARE(store->task(aheadId)->state, TaskState::Queued);
    engine->setWorkerCount(2);
    QTRY_COMPARE_WITH_TIMEOUT(store->task(aheadId)->state, TaskState::Succeeded, 2000);
    QCOMPARE(store->task(longId)->state, TaskState::Running);
    const Task t = *store->task(aheadId);
    QCOMPARE(t.attempts, 1);
    QCOMPARE(eventKinds(aheadId),
        (QStringList {QStringLiteral("enqueued"), QStringLiteral("started"), QStringLiteral("succeeded")}));
    TaskFilter filter;
    filter.ids = {longId};
    QVERIFY(engine->cancel(filter));
}

void TestEnginePrefetch::cancelEndsATaskClaimedAheadUnrun()
{
    EngineOptions o = options(1);
    o.aheadGiveBackMs = 60'000; // only the cancellation can end it
    qint64 longId = 0, aheadId = 0;
    auto engine = openWithTaskAhead(o, 60'000, longId, aheadId);
    QVERIFY(engine);
    TaskFilter filter;
    filter.ids = {aheadId};
    QCOMPARE(*engine->cancel(filter), 1);
    auto store = openStore(m_path, true);
    QTRY_COMPARE_WITH_TIMEOUT(store->task(aheadId)->state, TaskState::Cancelled, 3000);
    QCOMPARE(store->task(aheadId)->attempts, 0);
    QCOMPARE(store->task(longId)->state, TaskState::Running);
    const QStringList kinds = eventKinds(aheadId);
    QVERIFY2(!kinds.contains(QStringLiteral("started")), qPrintable(kinds.join(u',')));
    QCOMPARE(kinds.last(), QStringLiteral("cancelled"));
    QCOMPARE(count(*engine, TaskState::Cancelled), 1);
    filter.ids = {longId};
    QVERIFY(engine->cancel(filter));
    QTRY_COMPARE_WITH_TIMEOUT(count(*engine, TaskState::Cancelled), 2, 5000);
    QCOMPARE(count(*engine, TaskState::Running), 0);
}

void TestEnginePrefetch::pauseGivesBackTheTaskClaimedAhead()
{
    EngineOptions o = options(1);
    o.aheadGiveBackMs = 60'000;
    qint64 longId = 0, aheadId = 0;
    auto engine = openWithTaskAhead(o, 60'000, longId, aheadId);
    QVERIFY(engine);
    QVERIFY(engine->setPaused(QStringLiteral("default"), true));
    auto store = openStore(m_path, true);
    QTRY_COMPARE_WITH_TIMEOUT(store->task(aheadId)->state, TaskState::Queued, 3000);
    QCOMPARE(store->task(aheadId)->attempts, 0);
    QCOMPARE(eventKinds(aheadId), QStringList {QStringLiteral("enqueued")});
    QCOMPARE(count(*engine, TaskState::Running), 1);
    QCOMPARE(count(*engine, TaskState::Queued), 1);
    TaskFilter filter;
    filter.ids = {longId};
    QVERIFY(engine->cancel(filter));
    QVERIFY(engine->setPaused(QStringLiteral("default"), false));
    QTRY_COMPARE_WITH_TIMEOUT(count(*engine, TaskState::Succeeded), 5, 5000);
}

void TestEnginePrefetch::shutdownGivesBackTheTaskClaimedAhead()
{
    EngineOptions o = options(1);
    o.aheadGiveBackMs = 60'000;
    o.shutdownGraceMs = 100;
    qint64 longId = 0, aheadId = 0;
    auto engine = openWithTaskAhead(o, 60'000, longId, aheadId);
    QVERIFY(engine);
    QElapsedTimer timer;
    timer.start();
    engine.reset();
    QVERIFY(timer.elapsed() < 10'000);
    auto store = openStore(m_path, true);
    for (qint64 id : {longId, aheadId}) {
        const Task t = *store->task(id);
        QCOMPARE(t.state, TaskState::Queued);
        QCOMPARE(t.attempts, 0);
        QVERIFY(t.leaseOwner.isEmpty());
    }
    // The long task ran and was released; the one ahead never started and left no trace.
    QCOMPARE(eventKinds(aheadId), QStringList {QStringLiteral("enqueued")});
    QCOMPARE(eventKinds(longId).last(), QStringLiteral("released"));
}

void TestEnginePrefetch::fewerWorkersGiveBackTheTaskClaimedAhead()
{
    EngineOptions o = options(1);
    o.aheadGiveBackMs = 60'000;
    qint64 longId = 0, aheadId = 0;
    auto engine = openWithTaskAhead(o, 1000, longId, aheadId);
    QVERIFY(engine);
    engine->setWorkerCount(0); // the worker retires after its running task; the one ahead goes back now
    auto store = openStore(m_path, true);
    QTRY_COMPARE_WITH_TIMEOUT(store->task(aheadId)->state, TaskState::Queued, 900);
    QCOMPARE(store->task(aheadId)->attempts, 0);
    QCOMPARE(store->task(longId)->state, TaskState::Running);
    QTRY_COMPARE_WITH_TIMEOUT(store->task(longId)->state, TaskState::Succeeded, 5000); // not cut short
    QTRY_COMPARE(engine->workers().size(), 0);
    QCOMPARE(store->task(aheadId)->state, TaskState::Queued);
    QCOMPARE(eventKinds(aheadId), QStringList {QStringLiteral("enqueued")});
}

void TestEnginePrefetch::noClaimAheadWhenTurnedOff()
{
    EngineOptions o = options(1);
    o.aheadGiveBackMs = 0;
    auto engine = QueueEngine::open(o);
    QVERIFY(engine);
    QVERIFY((*engine)->enqueueBatch(QList<NewTask>(4, task())));
    QTRY_COMPARE(count(**engine, TaskState::Succeeded), 4);
    QVERIFY(
        (*engine)->enqueueBatch({task(QStringLiteral("sleep"), QStringLiteral("default"), R"({"ms":500})"), task()}));
    QTRY_COMPARE(count(**engine, TaskState::Running), 1);
    QTest::qWait(200);
    QCOMPARE(count(**engine, TaskState::Running), 1);
    QCOMPARE(count(**engine, TaskState::Queued), 1);
    QTRY_COMPARE_WITH_TIMEOUT(count(**engine, TaskState::Succeeded), 6, 5000);
}

QTEST_GUILESS_MAIN(TestEnginePrefetch)
// Noop runs take well under a millisecond: the worker holds dozens ahead and a commit records dozens of results.
// The history stays whole and in order: each task started after the one before it ended, in queue order, and its
// "succeeded" event's duration is its row's run time.
void TestEnginePrefetch::oneWorkerRunsManyNoopsAheadInOrder()
{
    constexpr int tasks = 2000;
    auto engine = QueueEngine::open(options(0));
    QVERIFY(engine);
    QVERIFY((*engine)->enqueueBatch(QList<NewTask>(tasks, task())));
    if (!onServer())
        QVERIFY(setCommitHook(**engine, true));
    const qint64 commitsBefore = g_commits.load();
    (*engine)->setWorkerCount(1);
    QTRY_COMPARE_WITH_TIMEOUT(count(**engine, TaskState::Succeeded), qint64(tasks), 120'000);
    const qint64 commits = g_commits - commitsBefore;
    if (!onServer())
        QVERIFY(setCommitHook(**engine, false));
    engine->reset();
    qInfo() << tasks << "noop tasks," << commits << "commits";
#if !defined(__SANITIZE_THREAD__) // see oneWorkerRecordsSeveralNoopResultsPerCommit
    if (!onServer())
        QVERIFY2(commits * 8 <= tasks, qPrintable(QStringLiteral("%1 commits for %2 tasks").arg(commits).arg(tasks)));
#endif
    auto store = openStore(m_path, true);
    QList<Task> done;
    QVERIFY(store->forEachTask({}, [&](const Task& t) {
        done.append(t);
        return true;
    }));
    QCOMPARE(done.size(), qsizetype(tasks));
    std::sort(done.begin(), done.end(), [](const Task& a, const Task& b) { return a.id < b.id; });
    for (qsizetype i = 0; i < done.size(); ++i) {
        QCOMPARE(done[i].state, TaskState::Succeeded);
        QCOMPARE(done[i].attempts, 1);
        if (i > 0) {
            QVERIFY2(done[i].startedAt >= done[i - 1].finishedAt,
                qPrintable(QStringLiteral("task %1 started at %2, before task %3 ended at %4")
                               .arg(done[i].id)
                               .arg(done[i].startedAt)
                               .arg(done[i - 1].id)
                               .arg(done[i - 1].finishedAt)));
        }
    }
    QCOMPARE(scalar(*store,
                 QStringLiteral("SELECT count(*) FROM task_events e JOIN tasks t ON t.id = e.task_id"
                                " WHERE e.kind = 'started' AND e.at = t.started_at AND e.attempt = 1")),
        qint64(tasks));
    QCOMPARE(scalar(*store,
                 QStringLiteral("SELECT count(*) FROM task_events e JOIN tasks t ON t.id = e.task_id"
                                " WHERE e.kind = 'succeeded' AND e.at = t.finished_at"
                                " AND e.duration_ms = t.finished_at - t.started_at")),
        qint64(tasks));
}

// Noops claimed ahead of a long task on the only worker: all go back unrun after the bound, their attempts
// refunded, and run once each when the long one ends. How many go ahead depends on how fast the warm-up noops ran
// (a loaded machine claims fewer), so the test asks for at least one and follows whichever went.
void TestEnginePrefetch::everyTaskAheadOfALongOneGoesBack()
{
    constexpr int behind = 10;
    auto opened = QueueEngine::open(options(1));
    QVERIFY(opened);
    std::unique_ptr<QueueEngine> engine = std::move(opened).value();
    QVERIFY(engine->enqueueBatch(QList<NewTask>(4, task())));
    QTRY_COMPARE_WITH_TIMEOUT(count(*engine, TaskState::Succeeded), qint64(4), 10'000);
    QList<NewTask> batch {task(QStringLiteral("sleep"), QStringLiteral("default"), R"({"ms":1500})")};
    batch.append(QList<NewTask>(behind, task()));
    auto ids = engine->enqueueBatch(batch);
    QVERIFY(ids);
    // Given back within the bound (200 ms), while the long task runs.
    qint64 mostRunning = 0;
    const bool givenBack = QTest::qWaitFor(
        [&] {
            mostRunning = std::max(mostRunning, count(*engine, TaskState::Running));
            return mostRunning >= 2 && count(*engine, TaskState::Queued) == behind;
        },
        1000);
    QVERIFY2(mostRunning >= 2, "no task was claimed ahead of the long one");
    QVERIFY(givenBack);
    auto store = openStore(m_path, true);
    QCOMPARE(store->task(ids->at(0).id)->state, TaskState::Running);
    for (int k = 1; k <= behind; ++k)
        QCOMPARE(store->task(ids->at(k).id)->attempts, 0);
    QTRY_COMPARE_WITH_TIMEOUT(count(*engine, TaskState::Succeeded), qint64(4 + 1 + behind), 10'000);
    for (int k = 1; k <= behind; ++k) {
        const qint64 id = ids->at(k).id;
        QCOMPARE(store->task(id)->attempts, 1);
        QCOMPARE(eventKinds(id),
            (QStringList {QStringLiteral("enqueued"), QStringLiteral("started"), QStringLiteral("succeeded")}));
    }
}

#include "tst_engineprefetch.moc"
