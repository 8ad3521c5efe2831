// The audit log: every admin action leaves exactly one row, in its own transaction, with who, the filter and the
// count; a failed action leaves none; purges leave the log. On SQLite, and on PostgreSQL and MariaDB (*_postgres,
// *_mariadb).
#include "core/crypto/keyfile.h"
#include "core/crypto/keyring.h"
#include "core/crypto/tasksignature.h"
#include "core/queueengine.h"
#include "storetestutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace qd;
using namespace qd::test;

namespace {

constexpr qint64 t0 = 1'800'000'000'000;

StoreOptions options(const QString& path, const QString& keyFile = {})
{
    StoreOptions o;
    o.path = path;
    o.keyFile = keyFile;
    o.actor = {QStringLiteral("alice"), QStringLiteral("desk-7"), QStringLiteral("tester")};
    return o;
}

std::unique_ptr<TaskStore> open(const QString& path, const QString& keyFile = {})
{
    auto store = TaskStore::open(options(path, keyFile));
    if (!store) {
        qWarning() << store.errorString();
        return nullptr;
    }
    return std::move(store).value();
}

QList<AuditEntry> rows(TaskStore& store, const QString& action = {})
{
    auto read = store.auditEntries({0, 0, action, 0});
    if (!read) {
        qWarning() << read.errorString();
        return {};
    }
    return *read;
}

QJsonObject json(const QString& text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

// n failed tasks in `queue` (enqueued by a program: no audit row).
void addFailed(TaskStore& store, const QString& queue, int n)
{
    QList<NewTask> tasks;
    for (int i = 0; i < n; ++i)
        tasks.append(task(QStringLiteral("noop"), queue));
    auto stored = store.enqueue(tasks, t0);
    QVERIFY2(stored, qPrintable(stored.errorString()));
    QSqlQuery q(store.database());
    QVERIFY(q.exec(
        QStringLiteral("UPDATE tasks SET state = 'failed', finished_at = %1 WHERE queue = '%2'").arg(t0).arg(queue)));
}

} // namespace

class TestAuditLog : public QObject {
    Q_OBJECT

private slots:
    void eachActionLeavesOneRow();
    void keyActionsLeaveOneRowEach();
    void producerKeyActionsLeaveOneRowEach();
    void settingChangesLeaveOneRowEach();
    void sourceAndProcessActionsLeaveOneRowEach();
    void programEnqueuesLeaveNone();
    void failedActionLeavesNone();
    void actionFailsWithItsRecord();
    void purgeKeepsTheLog();
    void partsOfOneActionShareOneRow();
    void engineActions();
    void queriesFilterAndOrder();
    void recordAuditForOtherWriters();
};

// Each admin action of the store, one after another: one new row each, with its action, actor, count and filter.
void TestAuditLog::eachActionLeavesOneRow()
{
    QTemporaryDir dir;
    auto store = open(testDatabase(dir, QStringLiteral("each")));
    QVERIFY(store);
    addFailed(*store, QStringLiteral("mail"), 3);
    QVERIFY(rows(*store).isEmpty());

    qsizetype before = 0;
    const auto newRow = [&]() -> AuditEntry {
        const QList<AuditEntry> all = rows(*store);
        if (all.size() != before + 1) {
            qWarning() << "expected one new row, have" << all.size() << "after" << before;
            return {};
        }
        before = all.size();
        return all.constFirst();
    };

    auto enqueued = store->enqueue(
        {task(QStringLiteral("noop"), QStringLiteral("web")), task(QStringLiteral("noop"), QStringLiteral("mail"))},
        t0 + 1, EnqueueAudit::Record);
    QVERIFY(enqueued);
    AuditEntry e = newRow();
    QCOMPARE(e.action, auditaction::enqueue);
    QCOMPARE(e.count, 2);
    QCOMPARE(e.target, QStringLiteral("mail,web"));
    QCOMPARE(e.at, t0 + 1);
    QCOMPARE(e.actor, QStringLiteral("alice"));
    QCOMPARE(e.host, QStringLiteral("desk-7"));
    QCOMPARE(e.client, QStringLiteral("tester"));
    // The database role on a server, nothing on SQLite.
    QCOMPARE(e.dbRole.isEmpty(), !onServer());

    TaskFilter failedMail;
    failedMail.queues = {QStringLiteral("mail")};
    failedMail.states = {TaskState::Failed};
    auto retried = store->retry(failedMail, t0 + 2);
    QVERIFY(retried);
    QCOMPARE(*retried, 3);
    e = newRow();
    QCOMPARE(e.action, auditaction::retry);
    QCOMPARE(e.count, 3);
    QCOMPARE(json(e.filter).value(QStringLiteral("queues")).toArray().first().toString(), QStringLiteral("mail"));
    QCOMPARE(json(e.filter).value(QStringLiteral("states")).toArray().first().toString(), QStringLiteral("failed"));
    QVERIFY(e.target.isEmpty());

    NewTask later = task(QStringLiteral("noop"), QStringLiteral("web"));
    later.delayMs = 60'000;
    QVERIFY(store->enqueue({later}, t0 + 3));
    QCOMPARE(rows(*store).size(), before); // not an admin's
    auto ran = store->runNow(TaskFilter {}, t0 + 4);
    QVERIFY(ran);
    QCOMPARE(*ran, 1);
    e = newRow();
    QCOMPARE(e.action, auditaction::runNow);
    QCOMPARE(e.count, 1);
    QCOMPARE(e.filter, QStringLiteral("{}"));

    TaskFilter web;
    web.queues = {QStringLiteral("web")};
    auto cancelled = store->cancel(web, t0 + 5);
    QVERIFY(cancelled);
    QCOMPARE(*cancelled, 2);
    e = newRow();
    QCOMPARE(e.action, auditaction::cancel);
    QCOMPARE(e.count, 2);

    auto purged = store->purge(web);
    QVERIFY(purged);
    QCOMPARE(*purged, 2);
    e = newRow();
    QCOMPARE(e.action, auditaction::purge);
    QCOMPARE(e.count, 2);

    QVERIFY(store->setPaused(QStringLiteral("mail"), true, t0 + 6));
    e = newRow();
    QCOMPARE(e.action, auditaction::pause);
    QCOMPARE(e.target, QStringLiteral("mail"));
    QCOMPARE(e.count, -1);
    QVERIFY(store->setPaused(QString(), false, t0 + 7));
    e = newRow();
    QCOMPARE(e.action, auditaction::resume);
    QCOMPARE(e.target, QStringLiteral("*"));

    QVERIFY(store->setConcurrency(QStringLiteral("mail"), 4, t0 + 8));
    e = newRow();
    QCOMPARE(e.action, auditaction::concurrency);
    QCOMPARE(json(e.detail).value(QStringLiteral("concurrency")).toInt(), 4);

    QueueConfig config;
    config.name = QStringLiteral("mail");
    config.maxAttempts = 7;
    QVERIFY(store->setQueueConfig(config, t0 + 9));
    e = newRow();
    QCOMPARE(e.action, auditaction::queueSettings);
    QCOMPARE(e.target, QStringLiteral("mail"));
    QCOMPARE(json(e.detail).value(QStringLiteral("max_attempts")).toInt(), 7);

    const QByteArray rule = R"({"name":"backlog","queue":"mail"})";
    auto ruleId = store->addAlertRule(rule, t0 + 10);
    QVERIFY(ruleId);
    e = newRow();
    QCOMPARE(e.action, auditaction::alertRuleAdd);
    QCOMPARE(e.target, QString::number(*ruleId));
    QCOMPARE(json(e.detail).value(QStringLiteral("name")).toString(), QStringLiteral("backlog"));
    QVERIFY(store->updateAlertRule(*ruleId, R"({"name":"backlog2"})", t0 + 11));
    e = newRow();
    QCOMPARE(e.action, auditaction::alertRuleChange);
    QVERIFY(store->removeAlertRule(*ruleId));
    e = newRow();
    QCOMPARE(e.action, auditaction::alertRuleRemove);
    QCOMPARE(e.target, QString::number(*ruleId));
}

void TestAuditLog::keyActionsLeaveOneRowEach()
{
    QTemporaryDir dir;
    const QString keyFile = dir.filePath(QStringLiteral("keys"));
    crypto::KeyRing ring;
    const crypto::DataKey first = crypto::KeyRing::generate();
    ring.add(first);
    QVERIFY(crypto::writeKeyFile(keyFile, ring));
    auto store = open(testDatabase(dir, QStringLiteral("keys")), keyFile);
    QVERIFY(store);
    QVERIFY(store->addEncryptionKey(first, t0));
    QList<AuditEntry> all = rows(*store);
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first().action, auditaction::keyAdd);
    QCOMPARE(all.first().target, first.id);

    const crypto::DataKey second = crypto::KeyRing::generate();
    ring.add(second);
    QVERIFY(crypto::writeKeyFile(keyFile, ring));
    QVERIFY(store->addEncryptionKey(second, t0 + 1));
    QVERIFY(store->retireOtherKeys(t0 + 2));
    all = rows(*store);
    QCOMPARE(all.size(), 3);
    QCOMPARE(all.first().action, auditaction::keysRetire);
    QCOMPARE(all.first().target, second.id);
    QCOMPARE(json(all.first().detail).value(QStringLiteral("retired")).toInt(), 1);
}

// Signed tasks' admin actions: a producer key added, revoked, a queue made to require signatures; a refused one
// (an unknown key) leaves none.
void TestAuditLog::producerKeyActionsLeaveOneRowEach()
{
    QTemporaryDir dir;
    auto store = open(testDatabase(dir, QStringLiteral("producers")));
    QVERIFY(store);
    const crypto::ProducerKeyPair pair = crypto::generateProducerKey();
    crypto::ProducerKey key;
    key.id = pair.id;
    key.name = QStringLiteral("billing");
    key.publicKey = pair.publicKey;
    QVERIFY(store->addProducerKey(key, t0));
    QVERIFY(store->setRequireSigned(QStringLiteral("payments"), true, t0 + 1));
    QVERIFY(store->revokeProducerKey(key.id, t0 + 2));
    QVERIFY(!store->revokeProducerKey(QStringLiteral("0000000000000000"), t0 + 3));
    const QList<AuditEntry> all = rows(*store);
    QCOMPARE(all.size(), 3);
    QCOMPARE(all.at(2).action, auditaction::producerKeyAdd);
    QCOMPARE(all.at(2).target, key.id);
    QCOMPARE(json(all.at(2).detail).value(QStringLiteral("name")).toString(), QStringLiteral("billing"));
    QCOMPARE(all.at(1).action, auditaction::requireSigned);
    QCOMPARE(all.at(1).target, QStringLiteral("payments"));
    QCOMPARE(json(all.at(1).detail).value(QStringLiteral("required")).toBool(), true);
    QCOMPARE(all.at(0).action, auditaction::producerKeyRevoke);
    QCOMPARE(all.at(0).target, key.id);
}

// The database's settings: a change and an unset leave a row each with the key and value; a refused value none.
void TestAuditLog::settingChangesLeaveOneRowEach()
{
    QTemporaryDir dir;
    auto store = open(testDatabase(dir, QStringLiteral("settings")));
    QVERIFY(store);
    QVERIFY(store->setSetting(QStringLiteral("retention.endedTasksDays"), QJsonValue(7), t0));
    QVERIFY(!store->setSetting(QStringLiteral("retention.endedTasksDays"), QJsonValue(QStringLiteral("soon")), t0));
    QVERIFY(store->setSetting(QStringLiteral("retention.endedTasksDays"), std::nullopt, t0 + 1));
    const QList<AuditEntry> all = rows(*store, auditaction::settings);
    QCOMPARE(all.size(), 2);
    QCOMPARE(all.at(1).target, QStringLiteral("retention.endedTasksDays"));
    QCOMPARE(json(all.at(1).detail).value(QStringLiteral("value")).toInt(), 7);
    QVERIFY(json(all.at(0).detail).value(QStringLiteral("value")).isNull());
}

// Tasks that programs enqueue (the default) leave no row, however many.
// Sources added, paused, resumed and removed, and a lost process forgotten: one row each, a bridge's password left
// out; a forget that finds the process alive again did nothing and leaves none.
void TestAuditLog::sourceAndProcessActionsLeaveOneRowEach()
{
    QTemporaryDir dir;
    auto store = open(testDatabase(dir, QStringLiteral("sources")));
    QVERIFY(store);
    SourceRecord spool {0, QStringLiteral("spool"), QStringLiteral("inbox"), R"({"directory":"/srv/in"})", false, 0};
    QVERIFY(store->addSource(spool, t0 + 1));
    SourceRecord bridge {0, QStringLiteral("amqp"), QStringLiteral("orders"),
        R"({"url":"amqp://feeder:s3cret@mq.example:5672/prod","from":"orders"})", false, 0};
    QVERIFY(store->addSource(bridge, t0 + 2));
    QCOMPARE(store->addSource(spool, t0 + 3).error().code, ErrorCode::InvalidArgument); // taken: no row
    QVERIFY(store->setSourcePaused(QStringLiteral("inbox"), true));
    QVERIFY(store->setSourcePaused(QStringLiteral("inbox"), false));
    QVERIFY(store->removeSource(QStringLiteral("orders")));
    QCOMPARE(store->removeSource(QStringLiteral("orders")).error().code, ErrorCode::NotFound); // gone: no row

    QList<AuditEntry> all = rows(*store);
    QCOMPARE(all.size(), 5);
    QCOMPARE(all.at(4).action, auditaction::sourceAdd);
    QCOMPARE(all.at(4).target, QStringLiteral("inbox"));
    QCOMPARE(all.at(4).at, t0 + 1);
    QCOMPARE(json(all.at(4).detail).value(QStringLiteral("kind")).toString(), QStringLiteral("spool"));
    QCOMPARE(
        json(all.at(4).detail).value(QStringLiteral("config")).toObject().value(QStringLiteral("directory")).toString(),
        QStringLiteral("/srv/in"));
    QCOMPARE(all.at(3).action, auditaction::sourceAdd);
    QCOMPARE(all.at(3).target, QStringLiteral("orders"));
    QVERIFY2(!all.at(3).detail.contains(QLatin1String("s3cret")), qPrintable(all.at(3).detail));
    QCOMPARE(json(all.at(3).detail).value(QStringLiteral("config")).toObject().value(QStringLiteral("url")).toString(),
        QStringLiteral("amqp://feeder@mq.example:5672/prod"));
    QCOMPARE(all.at(2).action, auditaction::sourcePause);
    QCOMPARE(all.at(2).target, QStringLiteral("inbox"));
    QCOMPARE(all.at(1).action, auditaction::sourceResume);
    QCOMPARE(all.at(0).action, auditaction::sourceRemove);
    QCOMPARE(all.at(0).target, QStringLiteral("orders"));
    QVERIFY(!all.at(0).detail.contains(QLatin1String("s3cret")));
    QCOMPARE(all.at(0).actor, QStringLiteral("alice"));
    QCOMPARE(all.at(0).count, -1);

    ProcessRecord lost;
    lost.id = QStringLiteral("worker-3:4242:engine");
    lost.host = QStringLiteral("worker-3");
    lost.pid = 4242;
    lost.kind = QStringLiteral("cli");
    lost.version = lost.user = QStringLiteral("x");
    lost.beatMs = 5000;
    lost.workers = 2;
    lost.queues = QStringLiteral("*");
    const Status beat = store->beatProcess(lost, t0, t0 - 86'400'000);
    QVERIFY2(beat, qPrintable(beat.errorString()));
    QVERIFY(store->beatProcess(lost, t0 + 60'000, t0 - 86'400'000)); // it beat again after the admin looked
    QCOMPARE(*store->forgetProcess(lost.id, t0), false);
    QCOMPARE(rows(*store).size(), 5);
    QCOMPARE(*store->forgetProcess(lost.id, t0 + 60'000), true);
    all = rows(*store);
    QCOMPARE(all.size(), 6);
    QCOMPARE(all.at(0).action, auditaction::processForget);
    QCOMPARE(all.at(0).target, lost.id);
    QCOMPARE(json(all.at(0).detail).value(QStringLiteral("last_seen")).toInteger(), t0 + 60'000);
    QCOMPARE(*store->forgetProcess(lost.id, t0 + 60'000), false); // already gone
    QCOMPARE(rows(*store).size(), 6);

    // The Audit tab's and the CLI's action filter know them.
    for (const QString& action : {auditaction::sourceAdd, auditaction::sourcePause, auditaction::sourceResume,
             auditaction::sourceRemove, auditaction::processForget}) {
        QVERIFY2(auditActionNames().contains(action), qPrintable(action));
        QVERIFY(!rows(*store, action).isEmpty());
    }
}

void TestAuditLog::programEnqueuesLeaveNone()
{
    QTemporaryDir dir;
    auto store = open(testDatabase(dir, QStringLiteral("programs")));
    QVERIFY(store);
    QVERIFY(store->enqueue({task(), task(), task()}, t0));
    QVERIFY(store->enqueue({task()}, t0));
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM audit_log")), 0);
    // An admin's enqueue whose key is taken creates nothing: its row says 0.
    NewTask keyed = task();
    keyed.idempotencyKey = QStringLiteral("k1");
    QVERIFY(store->enqueue({keyed}, t0));
    QVERIFY(store->enqueue({keyed}, t0, EnqueueAudit::Record));
    const QList<AuditEntry> all = rows(*store);
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first().count, 0);
}

// An action that fails leaves no row: refused before it wrote, or rolled back with the transaction around it.
void TestAuditLog::failedActionLeavesNone()
{
    QTemporaryDir dir;
    auto store = open(testDatabase(dir, QStringLiteral("failed")));
    QVERIFY(store);
    QCOMPARE(store->removeAlertRule(4242).error().code, ErrorCode::NotFound);
    QCOMPARE(store->updateAlertRule(4242, "{}", t0).error().code, ErrorCode::NotFound);
    QVERIFY(!store->retireOtherKeys(t0)); // not encrypted
    QCOMPARE(rows(*store).size(), 0);

    QVERIFY(store->begin());
    QVERIFY(store->enqueue({task()}, t0, EnqueueAudit::Record));
    QVERIFY(store->setPaused(QString(), true, t0));
    QCOMPARE(rows(*store).size(), 2); // seen inside the transaction
    store->rollback();
    QCOMPARE(rows(*store).size(), 0);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks")), 0);
}

// When the record cannot be written, the action is not done either.
void TestAuditLog::actionFailsWithItsRecord()
{
    QTemporaryDir dir;
    auto store = open(testDatabase(dir, QStringLiteral("together")));
    QVERIFY(store);
    addFailed(*store, QStringLiteral("mail"), 2);
    QSqlQuery q(store->database());
    QVERIFY(q.exec(QStringLiteral("DROP TABLE audit_log")));
    q.finish();
    auto retried = store->retry(TaskFilter {}, t0);
    QVERIFY(!retried);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'failed'")), 2);
    QVERIFY(!store->enqueue({task()}, t0, EnqueueAudit::Record));
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks")), 2);
    QVERIFY(!store->setConcurrency(QStringLiteral("mail"), 9, t0));
    QCOMPARE(scalar(*store, QStringLiteral("SELECT concurrency FROM queues WHERE name = 'mail'")), 0);
    QVERIFY(!store->addSource({0, QStringLiteral("spool"), QStringLiteral("inbox"), "{}", false, 0}, t0));
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM sources")), 0);
}

void TestAuditLog::purgeKeepsTheLog()
{
    QTemporaryDir dir;
    auto store = open(testDatabase(dir, QStringLiteral("purge")));
    QVERIFY(store);
    QVERIFY(store->enqueue({task(), task()}, t0, EnqueueAudit::Record));
    QVERIFY(store->cancel(TaskFilter {}, t0 + 1));
    QVERIFY(store->purge(TaskFilter {}));
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM tasks")), 0);
    const QList<AuditEntry> all = rows(*store);
    QCOMPARE(all.size(), 3);
    QCOMPARE(all.at(0).action, auditaction::purge);
    QCOMPARE(all.at(1).action, auditaction::cancel);
    QCOMPARE(all.at(2).action, auditaction::enqueue);
}

// A purge in batches (or a window's bulk action in chunks) is one row whose count is the sum of its parts, with the
// filter the admin chose.
void TestAuditLog::partsOfOneActionShareOneRow()
{
    QTemporaryDir dir;
    auto store = open(testDatabase(dir, QStringLiteral("parts")));
    QVERIFY(store);
    QVERIFY(store->enqueue({task(), task(), task(), task(), task()}, t0));
    TaskFilter chosen;
    chosen.queues = {QStringLiteral("default")};
    AuditSpan span;
    span.filter = chosen;
    qint64 total = 0;
    for (;;) {
        auto n = store->purge(chosen, 2, &span);
        QVERIFY(n);
        total += *n;
        if (*n < 2)
            break;
    }
    QCOMPARE(total, 5);
    const QList<AuditEntry> all = rows(*store);
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first().count, 5);
    QCOMPARE(all.first().id, span.rowId);
    QVERIFY(json(all.first().filter).contains(QStringLiteral("queues")));

    // Chunks of ids: the recorded filter is the span's, not a chunk's ids.
    QVERIFY(store->enqueue({task(), task(), task()}, t0));
    const auto listed = store->listTasks({});
    QVERIFY(listed);
    QList<qint64> ids;
    for (const Task& t : *listed)
        ids.append(t.id);
    AuditSpan chunks;
    chunks.filter = TaskFilter::ofIds(ids);
    QCOMPARE(*store->cancel(TaskFilter::ofIds(ids.mid(0, 2)), t0, nullptr, &chunks), 2);
    QCOMPARE(*store->cancel(TaskFilter::ofIds(ids.mid(2)), t0, nullptr, &chunks), 1);
    const AuditEntry cancelled = rows(*store).first();
    QCOMPARE(rows(*store).size(), 2);
    QCOMPARE(cancelled.count, 3);
    QCOMPARE(json(cancelled.filter).value(QStringLiteral("ids")).toArray().size(), 3);
}

// Through the engine (the window's path): its purge's batches are one row; its enqueues are recorded only when
// asked.
void TestAuditLog::engineActions()
{
    QTemporaryDir dir;
    EngineOptions o;
    o.store = options(testDatabase(dir, QStringLiteral("engine")));
    o.sampleIntervalMs = 0;
    auto engine = QueueEngine::open(o);
    QVERIFY2(engine, qPrintable(engine.errorString()));
    QVERIFY((*engine)->enqueueBatch({task(), task()}));
    QVERIFY((*engine)->enqueueBatch({task()}, EnqueueAudit::Record));
    QVERIFY((*engine)->setPaused(QStringLiteral("default"), true));
    auto purged = (*engine)->purge(TaskFilter {});
    QVERIFY(purged);
    QCOMPARE(*purged, 3);
    engine->reset();
    auto store = open(o.store.path);
    QVERIFY(store);
    const QList<AuditEntry> all = rows(*store);
    QCOMPARE(all.size(), 3);
    QCOMPARE(all.at(0).action, auditaction::purge);
    QCOMPARE(all.at(0).count, 3);
    QCOMPARE(all.at(1).action, auditaction::pause);
    QCOMPARE(all.at(2).action, auditaction::enqueue);
    QCOMPARE(all.at(2).count, 1);
    QCOMPARE(all.at(2).client, QStringLiteral("tester"));
}

void TestAuditLog::queriesFilterAndOrder()
{
    QTemporaryDir dir;
    auto store = open(testDatabase(dir, QStringLiteral("queries")));
    QVERIFY(store);
    for (int i = 0; i < 5; ++i)
        QVERIFY(store->setPaused(QStringLiteral("q%1").arg(i), i % 2 == 0, t0 + i * 1000));
    QCOMPARE(rows(*store).size(), 5);
    QCOMPARE(rows(*store).first().target, QStringLiteral("q4")); // newest first
    QCOMPARE(rows(*store, auditaction::resume).size(), 2);
    auto recent = store->auditEntries({t0 + 2000, 0, {}, 2});
    QVERIFY(recent);
    QCOMPARE(recent->size(), 2);
    QCOMPARE(recent->at(0).target, QStringLiteral("q4"));
    QCOMPARE(recent->at(1).target, QStringLiteral("q3"));
    QCOMPARE(*store->countAuditEntries({t0 + 1000, t0 + 4000, {}, 0}), 3);
    QStringList streamed;
    QVERIFY(store->forEachAuditEntry({0, 0, auditaction::pause, 0}, [&](const AuditEntry& e) {
        streamed.append(e.target);
        return true;
    }));
    QCOMPARE(streamed, (QStringList {QStringLiteral("q0"), QStringLiteral("q2"), QStringLiteral("q4")}));
}

// The public entry for writes made elsewhere (the database settings): inside the caller's transaction.
void TestAuditLog::recordAuditForOtherWriters()
{
    QTemporaryDir dir;
    auto store = open(testDatabase(dir, QStringLiteral("other")));
    QVERIFY(store);
    AuditEntry entry;
    entry.action = auditaction::settings;
    entry.target = QStringLiteral("retention_days");
    entry.detail = QStringLiteral(R"({"value":30})");
    QVERIFY(store->begin());
    QVERIFY(store->recordAudit(entry));
    QVERIFY(store->commit());
    QVERIFY(entry.id > 0);
    const QList<AuditEntry> all = rows(*store);
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.first().id, entry.id);
    QCOMPARE(all.first().actor, QStringLiteral("alice"));
    QVERIFY(all.first().at > 0);
}

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_auditlog.moc"
