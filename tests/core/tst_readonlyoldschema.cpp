// A read-only store of a database an older QueueDesk left (rollBackSchema): it cannot migrate, so every read the
// window and the CLI make must answer from what that schema has, and leave out only what it lacks. One row per
// schema version that added something the reads touch; SQLite files (the servers' read-only sessions share the code).
#include "core/crypto/tasksignature.h"
#include "core/store/sqldialect.h"
#include "storetestutil.h"

#include <QDateTime>

using namespace qd;
using namespace qd::test;

namespace {

constexpr qint64 t0 = 1'700'000'000'000;

ProcessRecord process()
{
    ProcessRecord p;
    p.id = QStringLiteral("host:1:abc");
    p.host = QStringLiteral("host");
    p.pid = 1;
    p.kind = QStringLiteral("cli");
    p.version = QStringLiteral("test");
    p.user = QStringLiteral("me");
    p.startedAt = t0;
    p.beatMs = 5000;
    p.queues = QStringLiteral("*");
    return p;
}

// Every kind of row the later schemas added, over a few tasks: done, failed, queued, one of them searchable.
void populate(TaskStore& store)
{
    NewTask needle = task(QStringLiteral("noop"), QStringLiteral("mail"), "{\"to\":\"needle@example.com\"}");
    auto enqueued = store.enqueue({needle, task(QStringLiteral("sleep"), QStringLiteral("mail")),
                                      task(QStringLiteral("noop"), QStringLiteral("billing"))},
        t0);
    QVERIFY2(enqueued, qPrintable(enqueued.errorString()));
    QVERIFY(store.indexSearchBatch(100).ok());
    auto claimed = store.claim(QStringLiteral("mail"), 2, QStringLiteral("host:1:abc"), 30000, t0 + 10);
    QVERIFY(claimed && claimed->size() == 2);
    for (const Task& t : *claimed)
        QVERIFY(store.recordStart(t, QStringLiteral("w1"), t0 + 10).ok());
    QVERIFY(
        store.complete(claimed->at(0).id, 1, QStringLiteral("host:1:abc"), QStringLiteral("w1"), "{}", t0 + 20).ok());
    QVERIFY(store
                .fail(claimed->at(1).id, 1, QStringLiteral("host:1:abc"), QStringLiteral("w1"),
                    QStringLiteral("disk full at /tmp/x"), true, std::nullopt, t0 + 30)
                .ok());
    QVERIFY(store.beatProcess(process(), t0 + 40, 0).ok());
    SourceRecord spool;
    spool.kind = QStringLiteral("spool");
    spool.name = QStringLiteral("inbox");
    spool.config = "{\"dir\":\"/tmp/qd-inbox\",\"queue\":\"mail\"}";
    QVERIFY(store.addSource(spool, t0).ok());
    QVERIFY(store.setSourceCursor(QStringLiteral("inbox"), 1, false).ok());
    SourceRunState running;
    running.source = spool.name;
    running.processId = process().id;
    running.state = QStringLiteral("running");
    running.since = running.updatedAt = t0 + 40;
    QVERIFY(store.setSourceRunState(running).ok());
    QVERIFY(store.setSetting(settingkeys::retentionMetricsDays, 10, t0 + 50).ok());
    const crypto::ProducerKeyPair pair = crypto::generateProducerKey();
    QVERIFY(
        store.addProducerKey(crypto::ProducerKey {pair.id, QStringLiteral("billing"), pair.publicKey, 0, 0}, t0).ok());
    QVERIFY(store.setRequireSigned(QStringLiteral("billing"), true, t0 + 60).ok());
}

} // namespace

class TestReadOnlyOldSchema : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsWhatTheSchemaHas_data();
    void readsWhatTheSchemaHas();
};

void TestReadOnlyOldSchema::readsWhatTheSchemaHas_data()
{
    QTest::addColumn<int>("version");
    for (int v = 6; v <= TaskStore::schemaVersion(); ++v)
        QTest::addRow("schema %d", v) << v;
}

void TestReadOnlyOldSchema::readsWhatTheSchemaHas()
{
    if (onServer())
        QSKIP("SQLite files: the servers' read-only sessions take the same branches");
    QFETCH(int, version);
    QTemporaryDir dir;
    const QString path = testDatabase(dir, QStringLiteral("old"));
    {
        auto store = openStore(path);
        QVERIFY(store);
        populate(*store);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(rollBackSchema(*store, version));
    }
    auto store = openStore(path, true);
    QVERIFY(store);
    QCOMPARE(store->databaseSchemaVersion(), version);

    // The queues, with the signed-tasks flag only where the schema keeps it (12).
    const auto queues = store->queues();
    QVERIFY2(queues, qPrintable(queues.errorString()));
    QStringList names;
    for (const QueueConfig& q : *queues) {
        names.append(q.name);
        QCOMPARE(q.requireSigned, q.name == u"billing" && version >= signedTasksSchemaVersion);
    }
    QCOMPARE(names, (QStringList {QStringLiteral("billing"), QStringLiteral("default"), QStringLiteral("mail")}));

    // Counts: kept (8) or counted.
    const auto counts = store->countByQueueAndState();
    QVERIFY2(counts, qPrintable(counts.errorString()));
    QCOMPARE(counts->value(QStringLiteral("mail"))[size_t(TaskState::Succeeded)], 1);
    TaskFilter queued;
    queued.states = {TaskState::Queued};
    QCOMPARE(store->countTasks(queued).value(), 1);

    // The task list and a search: through the index (9) or by LIKE.
    TaskQuery search;
    search.filter.search = QStringLiteral("needle");
    const auto found = store->listTasks(search);
    QVERIFY2(found, qPrintable(found.errorString()));
    QCOMPARE(found->size(), 1);
    QCOMPARE(store->countTasks(search.filter).value(), 1);
    const auto withEvents = store->taskWithEvents(found->first().id);
    QVERIFY2(withEvents, qPrintable(withEvents.errorString()));
    QCOMPARE(withEvents->events.size(), 3);
    const auto types = store->distinctTypes();
    QVERIFY2(types, qPrintable(types.errorString()));
    QCOMPARE(*types, (QStringList {QStringLiteral("noop"), QStringLiteral("sleep")}));

    // History: service stats, failures, the dashboard's oldest wait.
    const auto stats = store->serviceStats(t0, t0 + 100);
    QVERIFY2(stats, qPrintable(stats.errorString()));
    QCOMPARE(stats->value(QString()).attemptsEnded, 2);
    const auto clusters = store->failureClusters({});
    QVERIFY2(clusters, qPrintable(clusters.errorString()));
    QCOMPARE(clusters->size(), 1);
    const auto oldest = store->oldestQueuedRunAt();
    QVERIFY2(oldest, qPrintable(oldest.errorString()));
    QCOMPARE(oldest->value(QString()), t0);

    // Processes (6), sources, relay cursors (7), source states (10).
    const auto processes = store->processes();
    QVERIFY2(processes, qPrintable(processes.errorString()));
    QCOMPARE(processes->size(), 1);
    const auto sources = store->sources();
    QVERIFY2(sources, qPrintable(sources.errorString()));
    QCOMPARE(sources->size(), 1);
    const auto cursor = store->sourceCursor(QStringLiteral("inbox"));
    QVERIFY2(cursor, qPrintable(cursor.errorString()));
    QCOMPARE(cursor->has_value(), version >= sourceCursorsSchemaVersion);
    const auto runStates = store->sourceRunStates();
    QVERIFY2(runStates, qPrintable(runStates.errorString()));
    QCOMPARE(runStates->size(), version >= sourceStatesSchemaVersion ? 1 : 0);

    // Settings (11): stored values, or the defaults.
    const auto settings = store->databaseSettings();
    QVERIFY2(settings, qPrintable(settings.errorString()));
    QCOMPARE(settings->metricsDays(), version >= settingsSchemaVersion ? 10 : 30);

    // Signed tasks (12): the keys, and which key signed a task.
    const auto keys = store->producerKeys();
    QVERIFY2(keys, qPrintable(keys.errorString()));
    QCOMPARE(keys->size(), version >= signedTasksSchemaVersion ? 1 : 0);
    const auto signer = store->taskSigner(found->first().id);
    QVERIFY2(signer, qPrintable(signer.errorString()));
    QVERIFY(!signer->has_value());

    // The audit log (13).
    const auto audit = store->auditEntries({});
    QVERIFY2(audit, qPrintable(audit.errorString()));
    QCOMPARE(audit->isEmpty(), version < auditLogSchemaVersion);
    const auto auditCount = store->countAuditEntries({});
    QVERIFY2(auditCount, qPrintable(auditCount.errorString()));
    QCOMPARE(*auditCount, qint64(audit->size()));
}

QTEST_GUILESS_MAIN(TestReadOnlyOldSchema)
#include "tst_readonlyoldschema.moc"
