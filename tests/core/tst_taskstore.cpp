// The SQL layer on its own: every operation and state transition, with its history.
#include "storetestutil.h"

#include "core/taskstore.h"
#include "core/walcheckpointer.h"

#include <QDateTime>
#include <QFileInfo>
#include <QProcess>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace qd;
using namespace qd::test;

class TestTaskStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void mariaDbServerRestartIsReconnected();
    void enqueueStoresEveryFieldAndAnEvent();
    void batchEnqueueIsOneTransaction();
    void batchHistoryMatchesSingleEnqueues();
    void idempotencyKeyReturnsExistingTask();
    void serviceStatsMeasureAWindow();
    void claimFollowsPriorityThenFifo();
    void claimIsPerQueueAndCountsAttempts();
    void claimedTaskEqualsStoredTask();
    void aheadClaimIsFencedAndGivenBack();
    void delayedTaskIsScheduledUntilDue();
    void completeRecordsResultAndRunTime();
    void transientFailureRetriesWithBackoffUntilExhausted();
    void permanentFailureFailsAtOnce();
    void staleWorkerCannotOverwriteRedeliveredTask();
    void expiredLeaseReturnsTaskToQueue();
    void expiredLeaseWithoutAttemptsLeftFails();
    void expiredLeaseOfATaskNeverStartedIsRequeued();
    void renewLeasesReportsCancelRequests();
    void retryBringsFailedAndCancelledBack();
    void runNowMakesScheduledTasksReady();
    void cancelStopsQueuedAndFlagsRunning();
    void purgeDeletesTasksAndHistoryButNeverRunning();
    void pauseResumeAndConcurrencyArePersisted();
    void listFiltersSortsAndPages();
    void searchMatchesPayloadAndErrorLiterally();
    void countsPerQueueAndState();
    void distinctTypesListsEachTypeOnce();
    void forEachStreamsEverything();
    void forEachTaskReadsWhatAListingReads();
    void metricsAreStoredAndDownsampled();
    void claimUsesReadyIndex();
    void checkpointsRunOnTheCheckpointerThread();
    void checkpointPassesFollowEachLongCommitWithNormalDurability();
    void eventsCommittedOutOfIdOrderAreCountedOnce();
    void eventActivityTalliesEachQueue();
    void writeWithoutSavepointUndoesAllOrNothing();
    void transactionTheServerEndedIsNotContinued();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TaskStore> m_store;
    qint64 m_now = 1'700'000'000'000;
};

void TestTaskStore::init()
{
    m_store = openStore(testDatabase(m_dir, QLatin1String(QTest::currentTestFunction())));
    QVERIFY(m_store);
}

void TestTaskStore::cleanup()
{
    m_store.reset();
}

void TestTaskStore::enqueueStoresEveryFieldAndAnEvent()
{
    NewTask t = task(QStringLiteral("sleep"), QStringLiteral("images"), R"({"ms":5})");
    t.priority = 7;
    t.maxAttempts = 4;
    t.timeoutMs = 1500;
    auto ids = m_store->enqueue({t}, m_now);
    QVERIFY2(ids, qPrintable(ids.errorString()));
    QCOMPARE(ids->size(), 1);
    QVERIFY(!ids->at(0).existed);
    auto stored = m_store->taskWithEvents(ids->at(0).id);
    QVERIFY(stored);
    QCOMPARE(stored->task.queue, QStringLiteral("images"));
    QCOMPARE(stored->task.type, QStringLiteral("sleep"));
    QCOMPARE(stored->task.payload, QByteArray(R"({"ms":5})"));
    QCOMPARE(stored->task.priority, 7);
    QCOMPARE(stored->task.state, TaskState::Queued);
    QCOMPARE(stored->task.maxAttempts, 4);
    QCOMPARE(stored->task.timeoutMs, 1500);
    QCOMPARE(stored->task.createdAt, m_now);
    QCOMPARE(stored->task.runAt, m_now);
    QCOMPARE(stored->events.size(), 1);
    QCOMPARE(stored->events[0].kind, QStringLiteral("enqueued"));
    QCOMPARE(stored->events[0].toState, TaskState::Queued);
    QVERIFY(!stored->events[0].fromState.has_value());
    // The queue was created with defaults.
    auto queues = m_store->queues();
    QVERIFY(queues);
    QVERIFY(std::any_of(queues->begin(), queues->end(), [](const QueueConfig& c) { return c.name == u"images"; }));
}

void TestTaskStore::batchEnqueueIsOneTransaction()
{
    QList<NewTask> batch;
    for (int i = 0; i < 1000; ++i)
        batch.append(task());
    auto ids = m_store->enqueue(batch, m_now);
    QVERIFY(ids);
    QCOMPARE(ids->size(), 1000);
    QCOMPARE(*m_store->countTasks({}), 1000);

    // A batch that fails half-way (an insert violating NOT NULL through a forced error) leaves nothing behind.
    QVERIFY(m_store->begin());
    QVERIFY(m_store->enqueue({task(), task()}, m_now));
    m_store->rollback();
    QCOMPARE(*m_store->countTasks({}), 1000);
}

void TestTaskStore::batchHistoryMatchesSingleEnqueues()
{
    // SQLite writes a batch's "enqueued" rows in one statement, a single task's one by one: the history must not
    // tell them apart. A scheduled task, a queued one, and a key repeated within the batch (one task, one row).
    NewTask later = task();
    later.runAt = m_now + 90'061'007; // a day, an hour, a minute, a second and 7 ms on
    NewTask keyed = task();
    keyed.idempotencyKey = QStringLiteral("batch-key");
    auto single = m_store->enqueue({later}, m_now);
    auto batch = m_store->enqueue({later, task(), keyed, keyed}, m_now);
    QVERIFY(single && batch);
    QCOMPARE(batch->size(), 4);
    QCOMPARE(batch->at(3).id, batch->at(2).id);
    QVERIFY(batch->at(3).existed);

    const auto history = [&](qint64 id) {
        auto stored = m_store->taskWithEvents(id);
        return stored ? stored->events : QList<TaskEvent> {};
    };
    const QList<TaskEvent> expected = history(single->at(0).id);
    QCOMPARE(expected.size(), 1);
    QCOMPARE(expected[0].toState, TaskState::Scheduled);
    QVERIFY2(expected[0].detail.startsWith(u"runs at "), qPrintable(expected[0].detail));
    const QList<TaskEvent> scheduled = history(batch->at(0).id);
    QCOMPARE(scheduled.size(), 1);
    QCOMPARE(scheduled[0].kind, QStringLiteral("enqueued"));
    QCOMPARE(scheduled[0].toState, TaskState::Scheduled);
    QCOMPARE(scheduled[0].detail, expected[0].detail);
    QCOMPARE(scheduled[0].at, expected[0].at);
    for (int i : {1, 2}) {
        const QList<TaskEvent> queued = history(batch->at(i).id);
        QCOMPARE(queued.size(), 1);
        QCOMPARE(queued[0].toState, TaskState::Queued);
        QVERIFY(queued[0].detail.isEmpty());
        QCOMPARE(queued[0].attempt, 0);
    }
    // Every new task is counted once by the live counts, however its history row was written.
    const QList<StateTransition> transitions = m_store->takeTransitions();
    QCOMPARE(
        std::count_if(transitions.begin(), transitions.end(), [](const StateTransition& t) { return !t.from; }), 4);
}

void TestTaskStore::idempotencyKeyReturnsExistingTask()
{
    NewTask t = task();
    t.idempotencyKey = QStringLiteral("order-42");
    auto first = m_store->enqueue({t}, m_now);
    auto second = m_store->enqueue({t}, m_now + 10);
    QVERIFY(first && second);
    QCOMPARE(second->at(0).id, first->at(0).id);
    QVERIFY(second->at(0).existed);
    QCOMPARE(*m_store->countTasks({}), 1);
    // Within one batch too.
    NewTask other = task();
    other.idempotencyKey = QStringLiteral("order-43");
    auto batch = m_store->enqueue({other, other}, m_now);
    QVERIFY(batch);
    QCOMPARE(batch->at(0).id, batch->at(1).id);
    QCOMPARE(*m_store->countTasks({}), 2);
}

// What stats --capacity measures: per queue and for all, over a window of the events.
void TestTaskStore::serviceStatsMeasureAWindow()
{
    QList<NewTask> tasks {task(), task(), task()};
    for (NewTask& t : tasks)
        t.queue = QStringLiteral("svc");
    QVERIFY(m_store->enqueue(tasks, m_now));
    auto claimed = m_store->claim(QStringLiteral("svc"), 3, QStringLiteral("w"), 30'000, m_now + 100);
    QVERIFY(claimed);
    QCOMPARE(claimed->size(), 3);
    const QStringList workers {QStringLiteral("w/0"), QStringLiteral("w/1"), QStringLiteral("w/1")};
    for (int i = 0; i < 3; ++i) {
        QVERIFY(m_store->recordStart(claimed->at(i), workers[i], m_now + 100));
        QVERIFY(m_store->complete(
            claimed->at(i).id, 1, QStringLiteral("w"), workers[i], R"({"ok":true})", m_now + 100 + 200 * (i + 1)));
    }
    auto stats = m_store->serviceStats(m_now, m_now + 10'000);
    QVERIFY2(stats, qPrintable(stats.errorString()));
    for (const QString& key : {QStringLiteral("svc"), QString()}) {
        const ServiceStats s = stats->value(key);
        QCOMPARE(s.enqueued, qint64(3));
        QCOMPARE(s.runs, qint64(3));
        QCOMPARE(s.meanRunMs, 400.0); // 200, 400 and 600 ms from the start
        QCOMPARE(s.starts, qint64(3));
        QCOMPARE(s.meanWaitMs, 100.0);
        QCOMPARE(s.workers, 2);
    }
    // A window after it saw nothing.
    stats = m_store->serviceStats(m_now + 10'000, m_now + 20'000);
    QVERIFY(stats);
    QCOMPARE(stats->value(QStringLiteral("svc")).runs, qint64(0));
    QCOMPARE(stats->value(QString()).enqueued, qint64(0));
}

void TestTaskStore::claimFollowsPriorityThenFifo()
{
    QList<NewTask> batch;
    for (int priority : {0, 5, 0, 9, 5}) {
        NewTask t = task();
        t.priority = priority;
        batch.append(t);
    }
    auto ids = m_store->enqueue(batch, m_now);
    QVERIFY(ids);
    QList<qint64> order;
    for (int i = 0; i < 5; ++i) {
        auto claimed = m_store->claim(QStringLiteral("default"), 1, QStringLiteral("w"), 30'000, m_now + i);
        QVERIFY(claimed);
        QCOMPARE(claimed->size(), 1);
        order.append(claimed->at(0).id);
    }
    const QList<qint64> expected {ids->at(3).id, ids->at(1).id, ids->at(4).id, ids->at(0).id, ids->at(2).id};
    QCOMPARE(order, expected);
    QVERIFY(m_store->claim(QStringLiteral("default"), 1, QStringLiteral("w"), 30'000, m_now)->isEmpty());
}

void TestTaskStore::claimIsPerQueueAndCountsAttempts()
{
    QVERIFY(m_store->enqueue(
        {task(QStringLiteral("noop"), QStringLiteral("a")), task(QStringLiteral("noop"), QStringLiteral("b"))}, m_now));
    auto claimed = m_store->claim(QStringLiteral("a"), 10, QStringLiteral("host:1"), 30'000, m_now + 5);
    QVERIFY(claimed);
    QCOMPARE(claimed->size(), 1);
    const Task& t = claimed->at(0);
    QCOMPARE(t.queue, QStringLiteral("a"));
    QCOMPARE(t.state, TaskState::Running);
    QCOMPARE(t.attempts, 1);
    QCOMPARE(t.startedAt, m_now + 5);
    QCOMPARE(t.leaseOwner, QStringLiteral("host:1"));
    QCOMPARE(t.leaseExpiresAt, m_now + 5 + 30'000);
    QVERIFY(m_store->recordStart(t, QStringLiteral("host:1/w0"), m_now + 5));
    auto events = m_store->taskWithEvents(t.id)->events;
    QCOMPARE(events.last().kind, QStringLiteral("started"));
    QCOMPARE(events.last().worker, QStringLiteral("host:1/w0"));
    QCOMPARE(events.last().durationMs, 5); // waited 5 ms
}

namespace {

// Every field, so that a claim's read of a row (SQLite: the C API) and a listing's (QSqlQuery) cannot drift apart.
void compareTasks(const Task& a, const Task& b)
{
    QCOMPARE(a.id, b.id);
    QCOMPARE(a.queue, b.queue);
    QCOMPARE(a.type, b.type);
    QCOMPARE(a.payload, b.payload);
    QCOMPARE(a.priority, b.priority);
    QCOMPARE(a.state, b.state);
    QCOMPARE(a.attempts, b.attempts);
    QCOMPARE(a.maxAttempts, b.maxAttempts);
    QCOMPARE(a.runAt, b.runAt);
    QCOMPARE(a.createdAt, b.createdAt);
    QCOMPARE(a.startedAt, b.startedAt);
    QCOMPARE(a.finishedAt, b.finishedAt);
    QCOMPARE(a.leaseOwner, b.leaseOwner);
    QCOMPARE(a.leaseExpiresAt, b.leaseExpiresAt);
    QCOMPARE(a.lastError, b.lastError);
    QCOMPARE(a.lastError.isNull(), b.lastError.isNull());
    QCOMPARE(a.result, b.result);
    QCOMPARE(a.idempotencyKey, b.idempotencyKey);
    QCOMPARE(a.idempotencyKey.isNull(), b.idempotencyKey.isNull());
    QCOMPARE(a.timeoutMs, b.timeoutMs);
    QCOMPARE(a.cancelRequested, b.cancelRequested);
}

} // namespace

void TestTaskStore::claimedTaskEqualsStoredTask()
{
    static constexpr char withNul[] = "{\"a\":\"x\0y\"}"; // SQLite only: see below
    // Keys, text beyond ASCII, a retry policy, NULL columns, and a task that failed once (last error, a second
    // attempt) in one claim.
    QList<NewTask> tasks;
    NewTask keyed = task(QStringLiteral("sleep"), QStringLiteral("mixed"), R"({"ms":1,"note":"Grüße, 東京 🚀"})");
    keyed.idempotencyKey = QStringLiteral("clé-1");
    keyed.priority = 9;
    keyed.retryPolicy = RetryPolicy {10, 20, 0.0};
    tasks.append(keyed);
    tasks.append(task(QStringLiteral("noop"), QStringLiteral("mixed"), "[]"));
    if (!onServer()) {
        // SQLite stores any bytes it is given: an embedded NUL, and bytes that are not UTF-8 (as another program
        // might write them), which a claim must read as a listing does.
        static constexpr char notUtf8[] = "\xff\xfe{\x80}\xc3";
        tasks.append(task(QStringLiteral("noop"), QStringLiteral("mixed"), QByteArray(withNul, sizeof withNul - 1)));
        tasks.append(task(QStringLiteral("noop"), QStringLiteral("mixed"), QByteArray(notUtf8, sizeof notUtf8 - 1)));
    }
    NewTask retried = task(QStringLiteral("noop"), QStringLiteral("mixed"));
    retried.maxAttempts = 3;
    retried.timeoutMs = 777;
    retried.retryPolicy = RetryPolicy {5, 5, 0.0};
    auto first = m_store->enqueue({retried}, m_now);
    QVERIFY(first);
    const Task once = m_store->claim(QStringLiteral("mixed"), 1, QStringLiteral("w"), 1000, m_now)->at(0);
    QCOMPARE(once.id, first->at(0).id);
    QCOMPARE(*m_store->fail(once.id, 1, QStringLiteral("w"), QStringLiteral("w/0"), QStringLiteral("boom ü"), false,
                 std::nullopt, m_now + 1),
        TaskState::Scheduled);
    QCOMPARE(*m_store->stageDueTasks(m_now + 10), 1);
    QVERIFY(m_store->enqueue(tasks, m_now + 10));

    auto claimed = m_store->claim(QStringLiteral("mixed"), 10, QStringLiteral("host:1"), 30'000, m_now + 20);
    QVERIFY2(claimed, qPrintable(claimed.errorString()));
    QCOMPARE(claimed->size(), tasks.size() + 1);
    for (const Task& t : *claimed) {
        auto stored = m_store->task(t.id);
        QVERIFY(stored);
        compareTasks(t, *stored);
        if (QTest::currentTestFailed())
            return;
    }
    const auto byId = [&](qint64 id) {
        return *std::find_if(claimed->begin(), claimed->end(), [id](const Task& t) { return t.id == id; });
    };
    const Task again = byId(once.id);
    QCOMPARE(again.attempts, 2);
    QCOMPARE(again.lastError, QStringLiteral("boom ü"));
    QCOMPARE(again.timeoutMs, 777);
    QCOMPARE(claimed->at(0).idempotencyKey, QStringLiteral("clé-1")); // priority 9 comes first
    QVERIFY(claimed->at(1).idempotencyKey.isEmpty());
    if (!onServer())
        QCOMPARE(claimed->at(3).payload, QByteArray(withNul, sizeof withNul - 1));

    // A claim ahead reads the same columns through its own statement.
    QVERIFY(m_store->enqueue({task(QStringLiteral("noop"), QStringLiteral("ahead"), R"({"n":1})")}, m_now + 30));
    auto ahead = m_store->claim(QStringLiteral("ahead"), 1, QStringLiteral("host:1"), 30'000, m_now + 40, true);
    QVERIFY(ahead);
    QCOMPARE(ahead->size(), 1);
    compareTasks(ahead->at(0), *m_store->task(ahead->at(0).id));
    QCOMPARE(ahead->at(0).startedAt, 0);
}

void TestTaskStore::aheadClaimIsFencedAndGivenBack()
{
    const qint64 id = m_store->enqueue({task()}, m_now)->at(0).id;
    const Task t = m_store->claim(QStringLiteral("default"), 1, QStringLiteral("me"), 30'000, m_now, true)->at(0);
    QCOMPARE(t.attempts, 1);
    // Another owner's start, or a start of another attempt, changes nothing.
    auto stranger = m_store->recordAheadStart(t, QStringLiteral("other"), QStringLiteral("other/0"), m_now + 5);
    QVERIFY(!stranger);
    QCOMPARE(stranger.error().code, ErrorCode::NotFound);
    auto wrongAttempt = m_store->giveBack(id, 2, QStringLiteral("me"), m_now + 5);
    QVERIFY(!wrongAttempt);
    QCOMPARE(wrongAttempt.error().code, ErrorCode::NotFound);
    QCOMPARE(m_store->task(id)->startedAt, 0);
    QCOMPARE(m_store->taskWithEvents(id)->events.size(), 1); // "enqueued" only

    // Given back unrun: queued, its attempt refunded, no event.
    QCOMPARE(*m_store->giveBack(id, 1, QStringLiteral("me"), m_now + 6), TaskState::Queued);
    Task back = *m_store->task(id);
    QCOMPARE(back.state, TaskState::Queued);
    QCOMPARE(back.attempts, 0);
    QVERIFY(back.leaseOwner.isEmpty());
    QCOMPARE(m_store->taskWithEvents(id)->events.size(), 1);
    QVERIFY(!m_store->giveBack(id, 1, QStringLiteral("me"), m_now + 7)); // twice: the fence holds

    // Claimed ahead again and started: started_at and the "started" event come from the real start.
    Task next = m_store->claim(QStringLiteral("default"), 1, QStringLiteral("me"), 30'000, m_now + 10, true)->at(0);
    QVERIFY(m_store->recordAheadStart(next, QStringLiteral("me"), QStringLiteral("me/0"), m_now + 25));
    QCOMPARE(m_store->task(id)->startedAt, m_now + 25);
    auto events = m_store->taskWithEvents(id)->events;
    QCOMPARE(events.size(), 2);
    QCOMPARE(events[1].kind, QStringLiteral("started"));
    QCOMPARE(events[1].worker, QStringLiteral("me/0"));
    QCOMPARE(events[1].durationMs, 25); // waited from run_at (m_now) to the start
    QVERIFY(m_store->complete(id, 1, QStringLiteral("me"), QStringLiteral("me/0"), R"({"ok":true})", m_now + 30));
    QCOMPARE(m_store->task(id)->result, QByteArray(R"({"ok":true})"));

    // Cancelled while it waited ahead: given back as cancelled, attempt refunded, with its event.
    const qint64 other = m_store->enqueue({task()}, m_now + 40)->at(0).id;
    m_store->claim(QStringLiteral("default"), 1, QStringLiteral("me"), 30'000, m_now + 41, true);
    TaskFilter only;
    only.ids = {other};
    QCOMPARE(*m_store->cancel(only, m_now + 42), 1);
    QCOMPARE(*m_store->giveBack(other, 1, QStringLiteral("me"), m_now + 43), TaskState::Cancelled);
    const Task cancelled = *m_store->task(other);
    QCOMPARE(cancelled.state, TaskState::Cancelled);
    QCOMPARE(cancelled.attempts, 0);
    QCOMPARE(cancelled.finishedAt, m_now + 43);
    QCOMPARE(m_store->taskWithEvents(other)->events.last().detail, QStringLiteral("cancelled before it started"));
}

void TestTaskStore::delayedTaskIsScheduledUntilDue()
{
    NewTask t = task();
    t.delayMs = 60'000;
    auto id = m_store->enqueue({t}, m_now)->at(0).id;
    QCOMPARE(m_store->task(id)->state, TaskState::Scheduled);
    QCOMPARE(m_store->nextScheduledRunAt(), m_now + 60'000);
    QVERIFY(m_store->claim(QStringLiteral("default"), 1, QStringLiteral("w"), 1000, m_now)->isEmpty());
    QCOMPARE(*m_store->stageDueTasks(m_now + 59'999), 0);
    QCOMPARE(*m_store->stageDueTasks(m_now + 60'000), 1);
    QCOMPARE(m_store->task(id)->state, TaskState::Queued);
    QCOMPARE(m_store->claim(QStringLiteral("default"), 1, QStringLiteral("w"), 1000, m_now + 60'001)->size(), 1);
}

void TestTaskStore::completeRecordsResultAndRunTime()
{
    auto id = m_store->enqueue({task()}, m_now)->at(0).id;
    Task t = m_store->claim(QStringLiteral("default"), 1, QStringLiteral("w"), 1000, m_now)->at(0);
    QVERIFY(
        m_store->complete(id, t.attempts, QStringLiteral("w"), QStringLiteral("w/0"), R"({"ok":true})", m_now + 250));
    auto done = m_store->taskWithEvents(id);
    QCOMPARE(done->task.state, TaskState::Succeeded);
    QCOMPARE(done->task.result, QByteArray(R"({"ok":true})"));
    QCOMPARE(done->task.finishedAt, m_now + 250);
    QVERIFY(done->task.leaseOwner.isEmpty());
    QCOMPARE(done->events.last().kind, QStringLiteral("succeeded"));
    QCOMPARE(done->events.last().durationMs, 250);
}

void TestTaskStore::transientFailureRetriesWithBackoffUntilExhausted()
{
    NewTask t = task();
    t.maxAttempts = 3;
    t.retryPolicy = RetryPolicy {1000, 10'000, 0.0};
    auto id = m_store->enqueue({t}, m_now)->at(0).id;
    qint64 now = m_now;
    const QList<qint64> expectedDelays {1000, 2000};
    for (int attempt = 1; attempt <= 3; ++attempt) {
        QCOMPARE(*m_store->stageDueTasks(now), attempt == 1 ? 0 : 1);
        Task claimed = m_store->claim(QStringLiteral("default"), 1, QStringLiteral("w"), 1000, now)->at(0);
        QCOMPARE(claimed.attempts, attempt);
        QVERIFY(m_store->recordStart(claimed, QStringLiteral("w/0"), now));
        auto state = m_store->fail(id, attempt, QStringLiteral("w"), QStringLiteral("w/0"),
            QStringLiteral("boom %1").arg(attempt), false, std::nullopt, now + 10);
        QVERIFY2(state, qPrintable(state.errorString()));
        if (attempt < 3) {
            QCOMPARE(*state, TaskState::Scheduled);
            const Task after = *m_store->task(id);
            QCOMPARE(after.runAt, now + 10 + expectedDelays[attempt - 1]);
            QCOMPARE(after.lastError, QStringLiteral("boom %1").arg(attempt));
            now = after.runAt;
        } else {
            QCOMPARE(*state, TaskState::Failed);
        }
    }
    auto history = m_store->taskWithEvents(id)->events;
    QStringList kinds;
    for (const TaskEvent& e : history)
        kinds.append(e.kind);
    QCOMPARE(kinds,
        (QStringList {u"enqueued"_qs, u"started"_qs, u"retry_scheduled"_qs, u"ready"_qs, u"started"_qs,
            u"retry_scheduled"_qs, u"ready"_qs, u"started"_qs, u"failed"_qs}));
    QCOMPARE(history[2].durationMs, 1000); // the backoff
    QCOMPARE(history[5].durationMs, 2000);

    // A server's Retry-After longer than the backoff wins.
    auto id2 = m_store->enqueue({t}, m_now)->at(0).id;
    m_store->claim(QStringLiteral("default"), 1, QStringLiteral("w"), 1000, m_now);
    QCOMPARE(*m_store->fail(id2, 1, QStringLiteral("w"), {}, QStringLiteral("429"), false, 30'000, m_now),
        TaskState::Scheduled);
    QCOMPARE(m_store->task(id2)->runAt, m_now + 30'000);
}

void TestTaskStore::permanentFailureFailsAtOnce()
{
    auto id = m_store->enqueue({task()}, m_now)->at(0).id;
    m_store->claim(QStringLiteral("default"), 1, QStringLiteral("w"), 1000, m_now);
    QCOMPARE(*m_store->fail(id, 1, QStringLiteral("w"), {}, QStringLiteral("404"), true, std::nullopt, m_now),
        TaskState::Failed);
    QCOMPARE(m_store->task(id)->lastError, QStringLiteral("404"));
}

void TestTaskStore::staleWorkerCannotOverwriteRedeliveredTask()
{
    auto id = m_store->enqueue({task()}, m_now)->at(0).id;
    m_store->claim(QStringLiteral("default"), 1, QStringLiteral("old"), 1000, m_now);
    QCOMPARE(*m_store->recoverExpiredLeases(m_now + 2000), 1);
    Task again = m_store->claim(QStringLiteral("default"), 1, QStringLiteral("new"), 1000, m_now + 2000)->at(0);
    QCOMPARE(again.attempts, 2);
    // The first worker wakes up and reports: it must change nothing.
    auto stale = m_store->complete(id, 1, QStringLiteral("old"), {}, {}, m_now + 2100);
    QVERIFY(!stale);
    QCOMPARE(stale.error().code, ErrorCode::NotFound);
    QVERIFY(!m_store->fail(id, 1, QStringLiteral("old"), {}, QStringLiteral("x"), true, std::nullopt, m_now));
    QCOMPARE(m_store->task(id)->state, TaskState::Running);
    QVERIFY(m_store->complete(id, 2, QStringLiteral("new"), {}, {}, m_now + 2200));
    QCOMPARE(m_store->task(id)->state, TaskState::Succeeded);
}

void TestTaskStore::expiredLeaseReturnsTaskToQueue()
{
    auto id = m_store->enqueue({task()}, m_now)->at(0).id;
    m_store->claim(QStringLiteral("default"), 1, QStringLiteral("dead:1"), 1000, m_now);
    QCOMPARE(*m_store->recoverExpiredLeases(m_now + 999), 0);
    QCOMPARE(*m_store->recoverExpiredLeases(m_now + 1001), 1);
    const Task t = *m_store->task(id);
    QCOMPARE(t.state, TaskState::Queued);
    QCOMPARE(t.attempts, 1); // the lost attempt still counts
    QVERIFY(t.lastError.contains(u"dead:1"));
    QCOMPARE(m_store->taskWithEvents(id)->events.last().kind, QStringLiteral("lease_expired"));
}

void TestTaskStore::expiredLeaseWithoutAttemptsLeftFails()
{
    NewTask t = task();
    t.maxAttempts = 1;
    auto id = m_store->enqueue({t}, m_now)->at(0).id;
    m_store->claim(QStringLiteral("default"), 1, QStringLiteral("dead:1"), 1000, m_now);
    QCOMPARE(*m_store->recoverExpiredLeases(m_now + 5000), 1);
    QCOMPARE(m_store->task(id)->state, TaskState::Failed);
}

// Claimed ahead by a process that died before the handler started: queued again even on its last attempt (the
// attempt still counts); one whose start was recorded fails as usual.
void TestTaskStore::expiredLeaseOfATaskNeverStartedIsRequeued()
{
    NewTask t = task();
    t.maxAttempts = 1;
    const auto ids = *m_store->enqueue({t, t}, m_now);
    const QString owner = QStringLiteral("dead:1");
    auto claimed = m_store->claim(QStringLiteral("default"), 2, owner, 1000, m_now, true);
    QVERIFY(claimed);
    QCOMPARE(claimed->size(), 2);
    QCOMPARE(claimed->at(0).startedAt, 0);
    QVERIFY(m_store->recordAheadStart(claimed->at(1), owner, QStringLiteral("dead:1/w0"), m_now + 10));
    QCOMPARE(*m_store->recoverExpiredLeases(m_now + 5000), 2);
    const Task unstarted = *m_store->task(ids[0].id);
    QCOMPARE(unstarted.state, TaskState::Queued);
    QCOMPARE(unstarted.attempts, 1);
    QCOMPARE(m_store->taskWithEvents(ids[0].id)->events.last().kind, QStringLiteral("lease_expired"));
    const Task started = *m_store->task(ids[1].id);
    QCOMPARE(started.state, TaskState::Failed); // its one attempt ran
    QCOMPARE(started.attempts, 1);
    QCOMPARE(m_store->taskWithEvents(ids[1].id)->events.last().kind, QStringLiteral("lease_expired"));
}

void TestTaskStore::renewLeasesReportsCancelRequests()
{
    auto ids = m_store->enqueue({task(), task()}, m_now);
    m_store->claim(QStringLiteral("default"), 2, QStringLiteral("me"), 1000, m_now);
    TaskFilter one;
    one.ids = {ids->at(1).id};
    QList<qint64> flagged;
    QCOMPARE(*m_store->cancel(one, m_now, &flagged), 1);
    QCOMPARE(flagged, QList<qint64> {ids->at(1).id});
    auto cancelled = m_store->renewLeases(QStringLiteral("me"), 1000, m_now + 900);
    QVERIFY(cancelled);
    QCOMPARE(*cancelled, QList<qint64> {ids->at(1).id});
    QCOMPARE(m_store->task(ids->at(0).id)->leaseExpiresAt, m_now + 1900);
    QCOMPARE(*m_store->recoverExpiredLeases(m_now + 1500), 0); // renewed
}

void TestTaskStore::retryBringsFailedAndCancelledBack()
{
    NewTask t = task();
    t.maxAttempts = 1;
    auto ids = m_store->enqueue({t, t, t}, m_now);
    m_store->claim(QStringLiteral("default"), 1, QStringLiteral("w"), 1000, m_now);
    m_store->fail(ids->at(0).id, 1, QStringLiteral("w"), {}, QStringLiteral("x"), false, std::nullopt, m_now);
    TaskFilter second;
    second.ids = {ids->at(1).id};
    QCOMPARE(*m_store->cancel(second, m_now), 1);
    QCOMPARE(*m_store->retry({}, m_now + 1), 2);
    const Task retried = *m_store->task(ids->at(0).id);
    QCOMPARE(retried.state, TaskState::Queued);
    QCOMPARE(retried.attempts, 1); // attempts keep counting...
    QVERIFY(retried.maxAttempts > retried.attempts); // ...with a fresh budget
    QCOMPARE(m_store->task(ids->at(1).id)->state, TaskState::Queued);
    QCOMPARE(m_store->taskWithEvents(ids->at(0).id)->events.last().kind, QStringLiteral("retried"));
    // Queued tasks are not "retried".
    QCOMPARE(*m_store->retry({}, m_now + 2), 0);
}

void TestTaskStore::runNowMakesScheduledTasksReady()
{
    NewTask later = task();
    later.delayMs = 3'600'000;
    auto ids = m_store->enqueue({later, later, task()}, m_now);
    QVERIFY(ids);
    TaskFilter first;
    first.ids = {ids->at(0).id, ids->at(2).id}; // the third is queued already: not "run now"
    QCOMPARE(*m_store->runNow(first, m_now + 5), 1);
    const Task ready = *m_store->task(ids->at(0).id);
    QCOMPARE(ready.state, TaskState::Queued);
    QCOMPARE(ready.runAt, m_now + 5);
    QCOMPARE(ready.attempts, 0);
    QCOMPARE(m_store->taskWithEvents(ids->at(0).id)->events.last().detail, QStringLiteral("run now by an admin"));
    QCOMPARE(m_store->task(ids->at(1).id)->state, TaskState::Scheduled);
    // It is claimed before the later one would have been due.
    auto claimed = m_store->claim(QStringLiteral("default"), 5, QStringLiteral("w"), 1000, m_now + 6);
    QVERIFY(claimed);
    QCOMPARE(claimed->size(), 2);
}

void TestTaskStore::cancelStopsQueuedAndFlagsRunning()
{
    NewTask later = task();
    later.delayMs = 10'000;
    auto ids = m_store->enqueue({task(), later, task()}, m_now);
    m_store->claim(QStringLiteral("default"), 1, QStringLiteral("w"), 1000, m_now);
    QList<qint64> running;
    QCOMPARE(*m_store->cancel({}, m_now, &running), 3);
    QCOMPARE(running, QList<qint64> {ids->at(0).id});
    const Task runningTask = *m_store->task(ids->at(0).id);
    QCOMPARE(runningTask.state, TaskState::Running);
    QVERIFY(runningTask.cancelRequested);
    QCOMPARE(m_store->task(ids->at(1).id)->state, TaskState::Cancelled);
    QCOMPARE(m_store->task(ids->at(2).id)->state, TaskState::Cancelled);
    QVERIFY(m_store->finishCancelled(ids->at(0).id, 1, QStringLiteral("w"), {}, m_now + 5));
    QCOMPARE(m_store->task(ids->at(0).id)->state, TaskState::Cancelled);
}

void TestTaskStore::purgeDeletesTasksAndHistoryButNeverRunning()
{
    auto ids = m_store->enqueue({task(), task(), task()}, m_now);
    m_store->claim(QStringLiteral("default"), 1, QStringLiteral("w"), 1000, m_now);
    QCOMPARE(*m_store->purge({}), 2);
    QCOMPARE(*m_store->countTasks({}), 1);
    QCOMPARE(m_store->task(ids->at(0).id)->state, TaskState::Running);
    QVERIFY(!m_store->task(ids->at(1).id));
    QSqlQuery q(m_store->database());
    QVERIFY(
        q.exec(QStringLiteral("SELECT count(*) FROM task_events WHERE task_id <> %1").arg(ids->at(0).id)) && q.next());
    QCOMPARE(q.value(0).toInt(), 0);
    const auto transitions = m_store->takeTransitions();
    QVERIFY(std::count_if(transitions.begin(), transitions.end(), [](const StateTransition& t) { return !t.to; }) == 2);
}

void TestTaskStore::pauseResumeAndConcurrencyArePersisted()
{
    QVERIFY(m_store->setPaused(QStringLiteral("mail"), true, m_now));
    QVERIFY(m_store->setConcurrency(QStringLiteral("mail"), 3, m_now));
    auto queues = *m_store->queues();
    auto mail = std::find_if(queues.begin(), queues.end(), [](const QueueConfig& c) { return c.name == u"mail"; });
    QVERIFY(mail != queues.end());
    QVERIFY(mail->paused);
    QCOMPARE(mail->concurrency, 3);
    QVERIFY(m_store->setPaused({}, false, m_now)); // resume all
    const QList<QueueConfig> resumed = *m_store->queues();
    for (const QueueConfig& c : resumed)
        QVERIFY(!c.paused);
}

void TestTaskStore::listFiltersSortsAndPages()
{
    QList<NewTask> batch;
    for (int i = 0; i < 50; ++i) {
        NewTask t = task(i % 2 ? QStringLiteral("sleep") : QStringLiteral("noop"),
            i % 5 ? QStringLiteral("a") : QStringLiteral("b"), i % 2 ? QByteArray(R"({"ms":1})") : QByteArray("{}"));
        t.priority = i % 7;
        batch.append(t);
    }
    auto ids = m_store->enqueue(batch, m_now);
    TaskQuery query;
    query.filter.queues = {QStringLiteral("b")};
    QCOMPARE(*m_store->countTasks(query.filter), 10);
    query.filter.types = {QStringLiteral("sleep")};
    QCOMPARE(*m_store->countTasks(query.filter), 5);
    query.filter = {};
    query.sortKey = TaskSortKey::Priority;
    query.descending = true;
    query.limit = 10;
    auto page = m_store->listTasks(query);
    QCOMPARE(page->size(), 10);
    QCOMPARE(page->at(0).priority, 6);
    for (qsizetype i = 1; i < page->size(); ++i)
        QVERIFY(page->at(i - 1).priority > page->at(i).priority
            || (page->at(i - 1).priority == page->at(i).priority && page->at(i - 1).id > page->at(i).id));
    query.sortKey = TaskSortKey::Id;
    query.descending = false;
    query.offset = 45;
    page = m_store->listTasks(query);
    QCOMPARE(page->size(), 5);
    QCOMPARE(page->at(0).id, ids->at(45).id);
    query.filter.states = {TaskState::Succeeded};
    QCOMPARE(*m_store->countTasks(query.filter), 0);
}

void TestTaskStore::searchMatchesPayloadAndErrorLiterally()
{
    auto ids = m_store->enqueue(
        {task(QStringLiteral("noop"), QStringLiteral("default"), R"({"user":"Ada_Lovelace"})"),
            task(QStringLiteral("noop"), QStringLiteral("default"), R"({"user":"AdaXLovelace"})"), task()},
        m_now);
    TaskFilter filter;
    filter.search = QStringLiteral("ada_love"); // '_' is literal, case does not matter
    auto found = m_store->listTasks({filter, TaskSortKey::Id, false, 0, 10});
    QCOMPARE(found->size(), 1);
    QCOMPARE(found->at(0).id, ids->at(0).id);
    m_store->claim(QStringLiteral("default"), 3, QStringLiteral("w"), 1000, m_now);
    m_store->fail(ids->at(2).id, 1, QStringLiteral("w"), {}, QStringLiteral("connection refused by 10.0.0.1"), true,
        std::nullopt, m_now);
    filter.search = QStringLiteral("REFUSED");
    QCOMPARE(*m_store->countTasks(filter), 1);
}

void TestTaskStore::countsPerQueueAndState()
{
    m_store->enqueue(
        {task(QStringLiteral("noop"), QStringLiteral("a")), task(QStringLiteral("noop"), QStringLiteral("a")),
            task(QStringLiteral("noop"), QStringLiteral("b"))},
        m_now);
    m_store->claim(QStringLiteral("a"), 1, QStringLiteral("w"), 1000, m_now);
    m_store->ensureQueue(QStringLiteral("empty"), m_now);
    auto counts = *m_store->countByQueueAndState();
    QCOMPARE(counts[QStringLiteral("a")][std::size_t(TaskState::Queued)], 1);
    QCOMPARE(counts[QStringLiteral("a")][std::size_t(TaskState::Running)], 1);
    QCOMPARE(counts[QStringLiteral("b")][std::size_t(TaskState::Queued)], 1);
    QVERIFY(counts.contains(QStringLiteral("empty")));
}

void TestTaskStore::distinctTypesListsEachTypeOnce()
{
    auto none = m_store->distinctTypes();
    QVERIFY2(none.ok(), qPrintable(none.errorString()));
    QCOMPARE(*none, QStringList {});
    QList<NewTask> batch;
    for (const char* type : {"sleep", "noop", "sleep", "image", "noop", "sleep"})
        batch.append(task(QLatin1String(type)));
    QVERIFY(m_store->enqueue(batch, m_now).ok());
    auto types = m_store->distinctTypes();
    QVERIFY2(types.ok(), qPrintable(types.errorString()));
    QCOMPARE(*types, (QStringList {QStringLiteral("image"), QStringLiteral("noop"), QStringLiteral("sleep")}));
}

void TestTaskStore::forEachStreamsEverything()
{
    QList<NewTask> batch(2500, task());
    m_store->enqueue(batch, m_now);
    qint64 seen = 0, lastId = 0;
    bool ordered = true;
    QVERIFY(m_store->forEachTask({}, [&](const Task& t) {
        ordered &= t.id > lastId;
        lastId = t.id;
        ++seen;
        return true;
    }));
    QCOMPARE(seen, 2500);
    QVERIFY(ordered);
    seen = 0;
    QVERIFY(m_store->forEachEvent(0, 0, {}, [&](const TaskEvent&) { return ++seen < 1200; }));
    QCOMPARE(seen, 1200); // stopped early on request
}

void TestTaskStore::forEachTaskReadsWhatAListingReads()
{
    // Enough rows for several keyset batches, in two queues, two types and two creation times, some with a word to
    // search for, one claimed and failed: every kind of value a filter binds (ids, names, states, a pattern, times).
    QList<NewTask> batch;
    for (int i = 0; i < 2300; ++i) {
        NewTask t = task(i % 3 ? QStringLiteral("noop") : QStringLiteral("sleep"),
            i % 2 ? QStringLiteral("odd") : QStringLiteral("even"),
            i % 7 ? QByteArray(R"({"n":1})") : QByteArray(R"({"note":"Grüße needle"})"));
        batch.append(t);
    }
    QVERIFY(m_store->enqueue(batch.mid(0, 1200), m_now));
    auto later = m_store->enqueue(batch.mid(1200), m_now + 5000);
    QVERIFY(later);
    const Task claimed = m_store->claim(QStringLiteral("odd"), 1, QStringLiteral("w"), 1000, m_now + 6000)->at(0);
    QVERIFY(m_store->recordStart(claimed, QStringLiteral("w/0"), m_now + 6000));
    QVERIFY(m_store->fail(claimed.id, 1, QStringLiteral("w"), QStringLiteral("w/0"), QStringLiteral("needle ü"), true,
        std::nullopt, m_now + 6001));

    const auto filters = [&] {
        QList<TaskFilter> all {TaskFilter {}};
        TaskFilter f;
        f.queues = {QStringLiteral("odd")};
        all.append(f);
        f = {};
        f.states = {TaskState::Failed, TaskState::Queued};
        f.types = {QStringLiteral("sleep")};
        all.append(f);
        f = {};
        f.search = QStringLiteral("needle");
        all.append(f);
        f = {};
        f.createdFrom = m_now + 1;
        f.createdTo = m_now + 6000;
        f.queues = {QStringLiteral("even"), QStringLiteral("odd")};
        all.append(f);
        f = {};
        f.ids = {later->at(0).id, later->at(500).id, claimed.id};
        all.append(f);
        return all;
    }();
    for (const TaskFilter& filter : filters) {
        TaskQuery query;
        query.filter = filter;
        query.limit = 10'000;
        auto listed = m_store->listTasks(query);
        QVERIFY(listed);
        QVERIFY(!listed->isEmpty());
        qsizetype seen = 0;
        QVERIFY(m_store->forEachTask(filter, [&](const Task& t) {
            if (seen >= listed->size() || t.id != listed->at(seen).id)
                return false;
            compareTasks(t, listed->at(seen++));
            return !QTest::currentTestFailed();
        }));
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(seen, listed->size());
    }
    // Events stream the same way: the failed task's history (NULL and set columns alike) as its timeline reads it.
    QList<TaskEvent> streamed;
    QVERIFY(m_store->forEachEvent(0, 0, {QStringLiteral("odd")}, [&](const TaskEvent& e) {
        if (e.taskId == claimed.id)
            streamed.append(e);
        return true;
    }));
    const QList<TaskEvent> timeline = m_store->taskWithEvents(claimed.id)->events;
    QCOMPARE(streamed.size(), 3); // enqueued, started, failed
    QCOMPARE(streamed.size(), timeline.size());
    for (qsizetype i = 0; i < streamed.size(); ++i) {
        const TaskEvent &a = streamed[i], &b = timeline[i];
        QCOMPARE(a.id, b.id);
        QCOMPARE(a.queue, b.queue);
        QCOMPARE(a.at, b.at);
        QCOMPARE(a.kind, b.kind);
        QCOMPARE(a.fromState, b.fromState);
        QCOMPARE(a.toState, b.toState);
        QCOMPARE(a.attempt, b.attempt);
        QCOMPARE(a.worker, b.worker);
        QCOMPARE(a.worker.isNull(), b.worker.isNull());
        QCOMPARE(a.detail, b.detail);
        QCOMPARE(a.durationMs, b.durationMs);
    }
    QCOMPARE(streamed.last().detail, QStringLiteral("needle ü"));
    QVERIFY(!streamed.first().fromState);

    // A stream stopped in its first batch stops at once, and leaves nothing behind for the next one, which reads
    // every row from the first.
    int calls = 0;
    QVERIFY(m_store->forEachTask({}, [&](const Task&) { return ++calls < 2; }));
    QCOMPARE(calls, 2);
    qint64 firstId = 0, rows = 0;
    QVERIFY(m_store->forEachTask({}, [&](const Task& t) {
        if (rows++ == 0)
            firstId = t.id;
        return true;
    }));
    QCOMPARE(rows, 2300);
    QCOMPARE(firstId, m_store->listTasks({})->at(0).id);
}

void TestTaskStore::metricsAreStoredAndDownsampled()
{
    const qint64 minute = (m_now / 60'000) * 60'000;
    QList<QueueSample> samples;
    for (int s = 0; s < 60; ++s) {
        QueueSample q;
        q.queue = QStringLiteral("default");
        q.at = minute + s * 1000;
        q.counts[std::size_t(TaskState::Queued)] = s;
        q.enqueued = 2;
        q.completed = 1;
        q.waitP50Ms = 10;
        q.waitP95Ms = 20;
        samples.append(q);
    }
    QVERIFY(m_store->insertSamples(samples));
    QVERIFY(m_store->downsampleAndPrune(minute, minute + 61'000));
    auto perMinute = m_store->samples(QStringLiteral("default"), 60, 0, 0);
    QVERIFY(perMinute);
    QCOMPARE(perMinute->size(), 1);
    QCOMPARE(perMinute->at(0).at, minute);
    QCOMPARE(perMinute->at(0).enqueued, 120);
    QCOMPARE(perMinute->at(0).completed, 60);
    QCOMPARE(perMinute->at(0).counts[std::size_t(TaskState::Queued)], 59); // the count at the end of the minute
    QCOMPARE(m_store->samples(QStringLiteral("default"), 1, 0, 0)->size(), 60);
    // Per-second rows older than an hour are pruned.
    QVERIFY(m_store->downsampleAndPrune(minute + 3600'000, minute + 3600'000 + 61'000));
    QCOMPARE(m_store->samples(QStringLiteral("default"), 1, 0, 0)->size(), 0);
    QCOMPARE(m_store->samples(QStringLiteral("default"), 60, 0, 0)->size(), 1);
}

void TestTaskStore::claimUsesReadyIndex()
{
    if (onServer())
        QSKIP("SQLite query plan; PostgreSQL plans by statistics");
    // The claim must walk the partial index, not the table: its cost must not grow with finished rows.
    QSqlQuery q(m_store->database());
    QVERIFY(q.exec(QStringLiteral("EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE state = 'queued' AND queue = 'x' "
                                  "ORDER BY priority DESC, run_at, id LIMIT 4")));
    QString plan;
    while (q.next())
        plan += q.value(3).toString() + QLatin1Char('\n');
    QVERIFY2(plan.contains(u"tasks_ready"), qPrintable(plan));
    QVERIFY2(!plan.contains(u"TEMP B-TREE"), qPrintable(plan));
}

namespace {

// One commit of about eight frames (the task, its event and their index pages), then a wait for the checkpointer:
// its passes cannot merge, so each request shows as one pass.
bool enqueueAndLetCheckpoint(TaskStore& store, WalCheckpointer& checkpointer, qint64 now)
{
    if (!store.enqueue({task()}, now))
        return false;
    checkpointer.waitUntilIdle();
    return true;
}

// A read transaction on `reader`, open until the query is finished and committed: its snapshot keeps the WAL from
// being copied any further, or starting over.
QSqlQuery holdSnapshot(TaskStore& reader)
{
    QSqlQuery snapshot(reader.database());
    if (!snapshot.exec(QStringLiteral("BEGIN")) || !snapshot.exec(QStringLiteral("SELECT count(*) FROM tasks"))
        || !snapshot.next())
        qWarning() << "no snapshot:" << snapshot.lastError().text();
    return snapshot;
}

} // namespace

void TestTaskStore::checkpointsRunOnTheCheckpointerThread()
{
    if (onServer())
        QSKIP("SQLite WAL checkpoints; PostgreSQL has its own");
    // Power-loss-safe durability: passes are spaced out (see TaskStore::handOverCheckpoints).
    const QString path = m_store->path();
    m_store = openStore(path, false, Durability::Full);
    QVERIFY(m_store);
    WalCheckpointer checkpointer(path, 5000);
    const qint64 sizeBefore = QFileInfo(path).size();
    QVERIFY(m_store->handOverCheckpoints(50, checkpointer));
    int enqueued = 0;
    const auto enqueueOne = [&] {
        ++enqueued;
        return enqueueAndLetCheckpoint(*m_store, checkpointer, m_now);
    };
    while (checkpointer.finishedPasses() == 0 && enqueued < 50)
        QVERIFY(enqueueOne());
    QCOMPARE(checkpointer.finishedPasses(), quint64(1));
    QVERIFY(checkpointer.completedCheckpoints() > 0);
    // What the checkpointer copied is in the database file itself, which SQLite had not touched before.
    QVERIFY2(QFileInfo(path).size() > sizeBefore, qPrintable(QString::number(QFileInfo(path).size())));

    auto reader = openStore(path, true);
    QVERIFY(reader);
    QSqlQuery snapshot = holdSnapshot(*reader);
    QVERIFY(snapshot.isActive());
    // The next pass is asked for once the WAL has grown by another 50 frames; the three commits after it (about 25
    // frames) ask for none: a pass per commit would flush the WAL and the database file after every one.
    while (checkpointer.finishedPasses() == 1 && enqueued < 100)
        QVERIFY(enqueueOne());
    QCOMPARE(checkpointer.finishedPasses(), quint64(2));
    for (int i = 0; i < 3; ++i)
        QVERIFY(enqueueOne());
    QCOMPARE(checkpointer.finishedPasses(), quint64(2));

    // With the reader gone the writer finishes the checkpoint, and the WAL starts over from its beginning: the file
    // stops growing.
    snapshot.finish();
    QVERIFY(snapshot.exec(QStringLiteral("COMMIT")));
    QVERIFY(m_store->checkpointDue());
    m_store->finishCheckpoint();
    QVERIFY(!m_store->checkpointDue());
    const QFileInfo wal(path + QLatin1String("-wal"));
    const qint64 walSize = wal.size();
    for (int i = 0; i < 3; ++i)
        QVERIFY(enqueueOne());
    QCOMPARE(QFileInfo(wal.filePath()).size(), walSize);
    QCOMPARE(*reader->countTasks({}), qint64(enqueued));
}

// With Normal durability a commit does not flush, so the checkpointer's flushes cost the writer nothing: a pass after
// every commit that leaves the WAL long keeps the copying close behind, and the writer never stops to finish one
// before the WAL reaches four times the threshold.
void TestTaskStore::checkpointPassesFollowEachLongCommitWithNormalDurability()
{
    if (onServer())
        QSKIP("SQLite WAL checkpoints; PostgreSQL has its own");
    WalCheckpointer checkpointer(m_store->path(), 5000);
    QVERIFY(m_store->handOverCheckpoints(50, checkpointer));
    for (int i = 0; checkpointer.finishedPasses() == 0 && i < 50; ++i)
        QVERIFY(enqueueAndLetCheckpoint(*m_store, checkpointer, m_now));
    QCOMPARE(checkpointer.finishedPasses(), quint64(1));
    QVERIFY(!m_store->checkpointDue());
    // A pass caught up with the WAL between two commits: the next commit starts it over, below the threshold.
    QVERIFY(enqueueAndLetCheckpoint(*m_store, checkpointer, m_now));
    QCOMPARE(checkpointer.finishedPasses(), quint64(1));
    // A reader keeps it from starting over: from then on every commit asks for a pass.
    auto reader = openStore(m_store->path(), true);
    QVERIFY(reader);
    const QSqlQuery snapshot = holdSnapshot(*reader);
    QVERIFY(snapshot.isActive());
    for (int i = 0; checkpointer.finishedPasses() == 1 && i < 50; ++i)
        QVERIFY(enqueueAndLetCheckpoint(*m_store, checkpointer, m_now));
    for (int i = 0; i < 3; ++i)
        QVERIFY(enqueueAndLetCheckpoint(*m_store, checkpointer, m_now));
    QCOMPARE(checkpointer.finishedPasses(), quint64(5));
    QVERIFY(!m_store->checkpointDue());
}

// PostgreSQL: an event whose id was taken before another's but committed after it must still be counted by the
// metrics sampler, once.
void TestTaskStore::eventsCommittedOutOfIdOrderAreCountedOnce()
{
    if (!onServer())
        QSKIP("SQLite has one writer: its events become visible in id order");
    auto late = openStore(m_store->path());
    auto reader = openStore(m_store->path());
    QVERIFY(late && reader);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(late->begin());
    QVERIFY(late->enqueue({task()}, now)); // takes event id 1 and holds it uncommitted
    QVERIFY(m_store->enqueue({task()}, now)); // event id 2, committed
    auto first = reader->eventActivitySince(0);
    QVERIFY2(first, qPrintable(first.errorString()));
    QCOMPARE(first->enqueued.value(QStringLiteral("default")), 0); // stops at the hole
    QCOMPARE(first->lastEventId, 0);
    QVERIFY(late->commit());
    auto second = reader->eventActivitySince(first->lastEventId);
    QVERIFY(second);
    QCOMPARE(second->enqueued.value(QStringLiteral("default")), 2);
    QCOMPARE(second->lastEventId, 2);
    auto third = reader->eventActivitySince(second->lastEventId);
    QVERIFY(third);
    QCOMPARE(third->enqueued.value(QStringLiteral("default")), 0);
}

// The metrics sampler's read: every rate-bearing event since the last one read, tallied per queue while the queues
// alternate from one event to the next (the tally keeps the current queue's counters between events), with a queue
// name beyond ASCII.
void TestTaskStore::eventActivityTalliesEachQueue()
{
    const QString a = QStringLiteral("alpha");
    const QString b = QStringLiteral("bêta");
    auto enqueued = m_store->enqueue(
        {task(QStringLiteral("noop"), a), task(QStringLiteral("noop"), b), task(QStringLiteral("sleep"), a),
            task(QStringLiteral("noop"), b), task(QStringLiteral("noop"), a)},
        m_now);
    QVERIFY2(enqueued, qPrintable(enqueued.errorString()));
    auto before = m_store->eventActivitySince(0);
    QVERIFY2(before, qPrintable(before.errorString()));
    QCOMPARE(before->enqueued.value(a), 3);
    QCOMPARE(before->enqueued.value(b), 2);
    QVERIFY(before->completed.isEmpty() && before->failed.isEmpty() && before->waitTimesMs.isEmpty());
    QVERIFY(before->types.isEmpty());

    // Alternate: a start in a, a start in b, a success in a, a failure in b, a start and a final failure in a.
    auto inA = m_store->claim(a, 2, QStringLiteral("w"), 60'000, m_now + 10);
    auto inB = m_store->claim(b, 1, QStringLiteral("w"), 60'000, m_now + 10);
    QVERIFY(inA && inA->size() == 2 && inB && inB->size() == 1);
    QVERIFY(m_store->recordStart(inA->at(0), QStringLiteral("w/0"), m_now + 17));
    QVERIFY(m_store->recordStart(inB->at(0), QStringLiteral("w/1"), m_now + 30));
    QVERIFY(m_store->complete(inA->at(0).id, 1, QStringLiteral("w"), QStringLiteral("w/0"), "{}", m_now + 40));
    QVERIFY(m_store->fail(inB->at(0).id, 1, QStringLiteral("w"), QStringLiteral("w/1"), QStringLiteral("boom"), false,
        std::nullopt, m_now + 41)); // retry_scheduled
    QVERIFY(m_store->recordStart(inA->at(1), QStringLiteral("w/0"), m_now + 42));
    QVERIFY(m_store->fail(inA->at(1).id, 1, QStringLiteral("w"), QStringLiteral("w/0"), QStringLiteral("bad"), true,
        std::nullopt, m_now + 43)); // failed
    auto after = m_store->eventActivitySince(before->lastEventId);
    QVERIFY2(after, qPrintable(after.errorString()));
    QVERIFY(after->enqueued.isEmpty());
    QCOMPARE(after->completed.value(a), 1);
    QCOMPARE(after->completed.value(b), 0);
    QCOMPARE(after->failed.value(a), 1);
    QCOMPARE(after->failed.value(b), 1);
    QCOMPARE(after->waitTimesMs.value(a), (QList<qint64> {17, 42}));
    QCOMPARE(after->waitTimesMs.value(b), (QList<qint64> {30}));
    // Run times of attempts that ended, from their claim (a retry's duration is its delay, not a run); per type,
    // what ended.
    QCOMPARE(after->runTimesMs.value(a), (QList<qint64> {30, 33}));
    QVERIFY(!after->runTimesMs.contains(b));
    QCOMPARE(after->types.size(), 2);
    QCOMPARE(after->types.value(QStringLiteral("noop")).completed, 1);
    QCOMPARE(after->types.value(QStringLiteral("noop")).failed, 1); // b's retry
    QCOMPARE(after->types.value(QStringLiteral("noop")).runTimesMs, (QList<qint64> {30}));
    QCOMPARE(after->types.value(QStringLiteral("sleep")).completed, 0);
    QCOMPARE(after->types.value(QStringLiteral("sleep")).failed, 1);
    QCOMPARE(after->types.value(QStringLiteral("sleep")).runTimesMs, (QList<qint64> {33}));
    QCOMPARE(after->lastEventId, *m_store->lastEventId());
    auto none = m_store->eventActivitySince(after->lastEventId);
    QVERIFY(none);
    QVERIFY(
        none->enqueued.isEmpty() && none->completed.isEmpty() && none->failed.isEmpty() && none->waitTimesMs.isEmpty());
}

// TaskStore::Undo::Transaction: a failure before the first write leaves the open transaction as it was; one after
// it rolls the whole transaction back on every engine (no half-written change survives), and a caller that ignores
// the failure cannot commit what is left. A server then takes savepoints for a while, so a write that keeps failing
// fails alone when it is tried again.
void TestTaskStore::writeWithoutSavepointUndoesAllOrNothing()
{
    const auto failsBeforeWriting = [] { return Status(Error {ErrorCode::NotFound, QStringLiteral("lease lost")}); };
    const auto failsAfterWriting = [&]() -> Status {
        if (auto written = m_store->enqueue({task()}, m_now); !written)
            return written.error();
        return Error {ErrorCode::Io, QStringLiteral("the history row could not be written")};
    };

    QVERIFY(m_store->begin());
    QVERIFY(m_store->enqueue({task()}, m_now));
    Status refused = m_store->atomically(TaskStore::Undo::Transaction, failsBeforeWriting);
    QCOMPARE(refused.error().code, ErrorCode::NotFound);
    QVERIFY(m_store->inTransaction());
    QVERIFY(m_store->commit());
    QCOMPARE(*m_store->countTasks({}), 1);

    QVERIFY(m_store->begin());
    QVERIFY(m_store->enqueue({task()}, m_now));
    Status broken = m_store->atomically(TaskStore::Undo::Transaction, failsAfterWriting);
    QCOMPARE(broken.error().code, ErrorCode::Io);
    // On every engine: the write cannot be taken back alone, so the whole transaction is.
    QVERIFY(!m_store->inTransaction());
    QVERIFY(m_store->takeTransitions().isEmpty());
    QCOMPARE(*m_store->countTasks({}), 1);
    if (onServer()) {
        // That failure turns a server's savepoints back on for a while: the same failure now fails alone.
        QVERIFY(m_store->begin());
        QVERIFY(m_store->enqueue({task()}, m_now));
        Status alone = m_store->atomically(TaskStore::Undo::Transaction, failsAfterWriting);
        QCOMPARE(alone.error().code, ErrorCode::Io);
        QVERIFY(m_store->inTransaction());
        QVERIFY(m_store->commit());
        QCOMPARE(*m_store->countTasks({}), 2);
        return;
    }

    // Inside a savepoint that swallows the failure: the savepoint is gone with the transaction, and says so.
    QVERIFY(m_store->begin());
    QVERIFY(m_store->enqueue({task()}, m_now));
    Status swallowed = m_store->atomically([&]() -> Status {
        if (Status inner = m_store->atomically(TaskStore::Undo::Transaction, failsAfterWriting); inner)
            return Error {ErrorCode::Internal, QStringLiteral("the inner write should have failed")};
        return success();
    });
    QVERIFY(!swallowed);
    QCOMPARE(swallowed.errorString(), QStringLiteral("The transaction ended early"));
    QVERIFY(!m_store->inTransaction());
    QCOMPARE(*m_store->countTasks({}), 1);
    auto history = m_store->taskWithEvents(1);
    QVERIFY(history);
    QCOMPARE(history->events.size(), 1);
}

void TestTaskStore::transactionTheServerEndedIsNotContinued()
{
    // MariaDB answers a deadlock by rolling back the whole transaction, savepoints included (here a ROLLBACK on the
    // store's own connection plays the server). Nothing may run on after it as if the transaction were still open:
    // each later statement would commit by itself, and the caller would take the lost writes for committed.
    QVERIFY(m_store->begin());
    QVERIFY(m_store->enqueue({task()}, m_now));
    Status ended = m_store->atomically([&]() -> Status {
        QSqlQuery rollback(m_store->database());
        if (!rollback.exec(QStringLiteral("ROLLBACK")))
            return Error {ErrorCode::Internal, QStringLiteral("the test's ROLLBACK failed")};
        return Error {ErrorCode::DatabaseLocked, QStringLiteral("deadlock: the server rolled back")};
    });
    QCOMPARE(ended.error().code, ErrorCode::DatabaseLocked);
    QVERIFY(!m_store->inTransaction());
    QVERIFY(m_store->takeTransitions().isEmpty());
    QCOMPARE(*m_store->countTasks({}), 0);
}

// A MariaDB server that restarts under an open store: the next transaction notices the dead connection, connects
// again and goes on; nothing committed before is lost.
void TestTaskStore::mariaDbServerRestartIsReconnected()
{
    const QString dir = qEnvironmentVariable("QD_TEST_MARIADB_DIR");
    if (!onMariaDb() || dir.isEmpty())
        QSKIP("restarts the MariaDB server of the ctest fixture (runs as tst_taskstore_mariadb)");
    QVERIFY(m_store->enqueue({task()}, m_now));
    const qint64 versionBefore = *m_store->dataVersion();
    QCOMPARE(QProcess::execute(QStringLiteral(QD_MARIADB_SCRIPT), {QStringLiteral("restart"), dir}), 0);
    auto after = m_store->enqueue({task()}, m_now + 1);
    QVERIFY2(after, qPrintable(after.errorString()));
    QCOMPARE(*m_store->countTasks({}), 2);
    // What others committed while the connection was away is unknown: readers are told to look again.
    QVERIFY(*m_store->dataVersion() != versionBefore);
}

QTEST_GUILESS_MAIN(TestTaskStore)
#include "tst_taskstore.moc"
