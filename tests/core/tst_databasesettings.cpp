// The database's own settings (schema 11): the rules of each key, defaults, the round trip through the table, a
// change made by one process seen by another's engine, and retention of ended tasks and chart history.
#include "core/databasesettings.h"
#include "core/engine/retentionsweeper.h"
#include "core/queueengine.h"
#include "core/store/sqldialect.h"
#include "storetestutil.h"

#include <QJsonArray>
#include <QJsonDocument>

using namespace qd;
using namespace qd::test;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 day = 24 * 3600'000LL;
constexpr qint64 t0 = 1'800'000'000'000; // the injected clock's start

// Runs `count` tasks of `queue` to the end `state` at time `at`; returns their ids.
QList<qint64> endTasks(TaskStore& store, int count, TaskState state, qint64 at, const QString& queue = u"default"_s)
{
    QList<NewTask> tasks;
    for (int i = 0; i < count; ++i)
        tasks.append(task(QStringLiteral("noop"), queue));
    auto enqueued = store.enqueue(tasks, at);
    if (!enqueued)
        return {};
    QList<qint64> ids;
    for (const EnqueueResult& r : *enqueued)
        ids.append(r.id);
    if (state == TaskState::Cancelled) {
        if (!store.cancel(TaskFilter::ofIds(ids), at))
            return {};
        return ids;
    }
    auto claimed = store.claim(queue, count, QStringLiteral("owner"), 30'000, at);
    if (!claimed || claimed->size() != count)
        return {};
    for (const Task& t : *claimed) {
        const bool ok = state == TaskState::Succeeded
            ? bool(store.complete(t.id, t.attempts, QStringLiteral("owner"), QStringLiteral("w"), "{}", at))
            : bool(store.fail(t.id, t.attempts, QStringLiteral("owner"), QStringLiteral("w"), QStringLiteral("no"),
                true, std::nullopt, at));
        if (!ok)
            return {};
    }
    return ids;
}

qint64 eventsOf(TaskStore& store, const QList<qint64>& ids)
{
    QStringList list;
    for (qint64 id : ids)
        list.append(QString::number(id));
    return scalar(store, QStringLiteral("SELECT count(*) FROM task_events WHERE task_id IN (%1)").arg(list.join(u',')));
}

std::unique_ptr<QueueEngine> openEngine(const QString& path, int workers = 0, bool readOnly = false)
{
    EngineOptions options;
    options.store.path = path;
    options.store.readOnly = readOnly;
    options.workerCount = workers;
    options.sampleIntervalMs = 0;
    options.pollIntervalMs = 50;
    options.maintenanceIntervalMs = 50;
    auto engine = QueueEngine::open(std::move(options));
    if (!engine) {
        qWarning() << engine.errorString();
        return nullptr;
    }
    return std::move(engine).value();
}

} // namespace

class TestDatabaseSettings : public QObject {
    Q_OBJECT

private slots:
    void valuesAreCheckedByTheirKeysRules();
    void textIsParsedAsPeopleTypeIt();
    void defaultsThenRoundTrip();
    void badWritesChangeNothing();
    void unknownOrBadRowsReadAsDefaults();
    void readOnlyStoreRefusesSet();
    void olderDatabaseReadsDefaultsThenMigrates();
    void secondEngineSeesTheChange();
    void retentionPurgesOldEndedTasksInBatches();
    void retentionOffKeepsEverything();
    void engineAppliesRetention();
    void metricsRetentionFollowsTheSetting();
};

void TestDatabaseSettings::valuesAreCheckedByTheirKeysRules()
{
    QVERIFY(checkedSettingValue(settingkeys::networkRefuseLoopback, true));
    QVERIFY(!checkedSettingValue(settingkeys::networkRefuseLoopback, 1));
    QVERIFY(checkedSettingValue(settingkeys::retentionEndedTasksDays, 0));
    QVERIFY(checkedSettingValue(settingkeys::retentionEndedTasksDays, 36500));
    QVERIFY(!checkedSettingValue(settingkeys::retentionEndedTasksDays, 36501));
    QVERIFY(!checkedSettingValue(settingkeys::retentionEndedTasksDays, -1));
    QVERIFY(!checkedSettingValue(settingkeys::retentionEndedTasksDays, 1.5));
    QVERIFY(!checkedSettingValue(settingkeys::retentionEndedTasksDays, QStringLiteral("7")));
    QVERIFY(checkedSettingValue(settingkeys::commandAllowedPrograms, QJsonArray {u"/bin/echo"_s, u"/usr/bin/env"_s}));
    for (const QJsonValue& bad : {QJsonValue(QJsonArray {u"echo"_s}), QJsonValue(QJsonArray {u"/bin/../bin/echo"_s}),
             QJsonValue(QJsonArray {u"/bin/echo"_s, u"/bin/echo"_s}), QJsonValue(QJsonArray {u""_s}),
             QJsonValue(QJsonArray {1}), QJsonValue(QStringLiteral("/bin/echo"))}) {
        const auto checked = checkedSettingValue(settingkeys::commandAllowedPrograms, bad);
        QVERIFY2(!checked, qPrintable(QString::fromUtf8(QJsonDocument(QJsonArray {bad}).toJson())));
        QCOMPARE(checked.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(
            checked.errorString().startsWith(settingkeys::commandAllowedPrograms), qPrintable(checked.errorString()));
    }
    const auto hosts = checkedSettingValue(
        settingkeys::networkAllowHosts, QJsonArray {u"Hooks.Example.COM"_s, u"10.0.0.1"_s, u"::1"_s});
    QVERIFY2(hosts, qPrintable(hosts.errorString()));
    QCOMPARE(hosts->toArray().at(0).toString(), QStringLiteral("hooks.example.com"));
    QVERIFY(!checkedSettingValue(settingkeys::networkAllowHosts, QJsonArray {u"bad host"_s}));
    QVERIFY(!checkedSettingValue(settingkeys::networkAllowHosts, QJsonArray {u"http://x"_s}));
    const auto unknown = checkedSettingValue(QStringLiteral("command.allowed"), true);
    QVERIFY(!unknown);
    QVERIFY2(unknown.errorString().contains(QLatin1String("Unknown setting"))
            && unknown.errorString().contains(settingkeys::commandAllowedPrograms),
        qPrintable(unknown.errorString()));
}

void TestDatabaseSettings::textIsParsedAsPeopleTypeIt()
{
    QCOMPARE(*parseSettingValue(settingkeys::networkRefusePrivate, QStringLiteral("on")), QJsonValue(true));
    QCOMPARE(*parseSettingValue(settingkeys::networkRefusePrivate, QStringLiteral("False")), QJsonValue(false));
    QVERIFY(!parseSettingValue(settingkeys::networkRefusePrivate, QStringLiteral("maybe")));
    QCOMPARE(*parseSettingValue(settingkeys::retentionEndedTasksDays, QStringLiteral(" 14 ")), QJsonValue(14));
    QVERIFY(!parseSettingValue(settingkeys::retentionEndedTasksDays, QStringLiteral("two weeks")));
    QCOMPARE(*parseSettingValue(settingkeys::commandAllowedPrograms, QStringLiteral("/bin/echo, /bin/true")),
        QJsonValue(QJsonArray {u"/bin/echo"_s, u"/bin/true"_s}));
    QCOMPARE(*parseSettingValue(settingkeys::commandAllowedPrograms, QStringLiteral(R"(["/opt/a,b"])")),
        QJsonValue(QJsonArray {u"/opt/a,b"_s}));
    QCOMPARE(*parseSettingValue(settingkeys::commandAllowedPrograms, QString()), QJsonValue(QJsonArray {}));
    QVERIFY(!parseSettingValue(settingkeys::commandAllowedPrograms, QStringLiteral("[\"/bin/echo\"")));
    QCOMPARE(settingValueText(QJsonArray {u"/bin/echo"_s, u"/bin/true"_s}), QStringLiteral("/bin/echo, /bin/true"));
    QCOMPARE(settingValueText(QJsonArray {}), QStringLiteral("(none)"));
    QCOMPARE(settingValueText(30), QStringLiteral("30"));
}

void TestDatabaseSettings::defaultsThenRoundTrip()
{
    QTemporaryDir dir;
    auto store = openStore(testDatabase(dir, QStringLiteral("roundtrip")));
    QVERIFY(store);
    auto fresh = store->databaseSettings();
    QVERIFY2(fresh, qPrintable(fresh.errorString()));
    QVERIFY(fresh->stored.isEmpty());
    for (const SettingSpec& spec : knownSettings())
        QCOMPARE(fresh->value(spec.key), spec.defaultValue);
    QVERIFY(!fresh->commandSettings().enabled);
    QCOMPARE(fresh->endedTasksDays(), 0);
    QCOMPARE(fresh->metricsDays(), 30);

    const QHash<QString, QJsonValue> values {
        {settingkeys::commandAllowedPrograms, QJsonArray {u"/bin/echo"_s, u"/opt/tools/a b"_s}},
        {settingkeys::networkRefuseLoopback, true},
        {settingkeys::networkRefusePrivate, true},
        {settingkeys::networkAllowHosts, QJsonArray {u"hooks.example.com"_s}},
        {settingkeys::retentionEndedTasksDays, 14},
        {settingkeys::retentionMetricsDays, 90},
    };
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        QVERIFY2(store->setSetting(it.key(), it.value(), t0), qPrintable(it.key()));
    // Read back through a second connection: what another process sees.
    auto other = openStore(store->path());
    QVERIFY(other);
    auto read = other->databaseSettings();
    QVERIFY(read);
    QCOMPARE(read->stored.size(), values.size());
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        QCOMPARE(read->value(it.key()), it.value());
    QCOMPARE(read->commandSettings().allowedPrograms, QStringList({u"/bin/echo"_s, u"/opt/tools/a b"_s}));
    QVERIFY(read->commandSettings().enabled);
    const NetworkPolicy policy = read->networkPolicy();
    QVERIFY(policy.refuseLoopback && policy.refusePrivate && policy.refuseLinkLocal);
    QCOMPARE(policy.allowedHosts, QStringList {u"hooks.example.com"_s});

    // Set again (an update), then unset: the default again, and the row gone.
    QVERIFY(store->setSetting(settingkeys::retentionEndedTasksDays, 3, t0 + 1));
    QCOMPARE(other->databaseSettings()->endedTasksDays(), 3);
    QVERIFY(store->setSetting(settingkeys::retentionEndedTasksDays, std::nullopt, t0 + 2));
    QCOMPARE(other->databaseSettings()->endedTasksDays(), 0);
    QVERIFY(!other->databaseSettings()->isStored(settingkeys::retentionEndedTasksDays));
    QCOMPARE(scalar(*other, QStringLiteral("SELECT count(*) FROM settings")), qint64(values.size() - 1));
}

void TestDatabaseSettings::badWritesChangeNothing()
{
    QTemporaryDir dir;
    auto store = openStore(testDatabase(dir, QStringLiteral("bad")));
    QVERIFY(store);
    QVERIFY(store->setSetting(settingkeys::retentionEndedTasksDays, 7, t0));
    const Status unknown = store->setSetting(QStringLiteral("retention.days"), 7, t0);
    QVERIFY(!unknown);
    QCOMPARE(unknown.error().code, ErrorCode::InvalidArgument);
    const Status bad = store->setSetting(settingkeys::retentionEndedTasksDays, -5, t0);
    QVERIFY(!bad);
    QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
    QVERIFY(!store->setSetting(QStringLiteral("retention.days"), std::nullopt, t0));
    QCOMPARE(store->databaseSettings()->endedTasksDays(), 7);
    QCOMPARE(scalar(*store, QStringLiteral("SELECT count(*) FROM settings")), qint64(1));
}

void TestDatabaseSettings::unknownOrBadRowsReadAsDefaults()
{
    QStringList ignored;
    const DatabaseSettings settings
        = DatabaseSettings::fromRows({{QStringLiteral("future.key"), QStringLiteral("1")},
                                         {settingkeys::retentionMetricsDays, QStringLiteral("\"x\"")},
                                         {settingkeys::networkRefuseLoopback, QStringLiteral("true")}},
            &ignored);
    QCOMPARE(ignored.size(), 2);
    QCOMPARE(settings.metricsDays(), 30);
    QVERIFY(settings.networkPolicy().refuseLoopback);
}

void TestDatabaseSettings::readOnlyStoreRefusesSet()
{
    QTemporaryDir dir;
    const QString path = testDatabase(dir, QStringLiteral("readonly"));
    auto writable = openStore(path);
    QVERIFY(writable);
    QVERIFY(writable->setSetting(settingkeys::networkRefusePrivate, true, t0));
    auto readOnly = openStore(path, true);
    QVERIFY(readOnly);
    QVERIFY(readOnly->databaseSettings()->networkPolicy().refusePrivate);
    const Status refused = readOnly->setSetting(settingkeys::networkRefusePrivate, false, t0);
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::ReadOnly);
    QVERIFY(writable->databaseSettings()->networkPolicy().refusePrivate);
}

// A database of the schema before the settings: a read-only store reads the defaults; a writable one adds the table.
void TestDatabaseSettings::olderDatabaseReadsDefaultsThenMigrates()
{
    QTemporaryDir dir;
    const QString path = testDatabase(dir, QStringLiteral("older"));
    {
        auto store = openStore(path);
        QVERIFY(store);
        QVERIFY(rollBackSchema(*store, settingsSchemaVersion - 1));
    }
    {
        auto readOnly = openStore(path, true);
        QVERIFY(readOnly);
        auto settings = readOnly->databaseSettings();
        QVERIFY2(settings, qPrintable(settings.errorString()));
        QVERIFY(settings->stored.isEmpty());
        QCOMPARE(settings->metricsDays(), 30);
    }
    auto store = openStore(path);
    QVERIFY(store);
    QVERIFY(store->setSetting(settingkeys::retentionMetricsDays, 10, t0));
    QCOMPARE(store->databaseSettings()->metricsDays(), 10);
}

// One process changes a setting (a store of its own, as the CLI does, or an engine); an engine of another sees it
// within its poll, and its handlers follow it.
void TestDatabaseSettings::secondEngineSeesTheChange()
{
    QTemporaryDir dir;
    const QString path = testDatabase(dir, QStringLiteral("second"));
    auto first = openEngine(path);
    QVERIFY(first);
    auto second = openEngine(path);
    QVERIFY(second);
    const TaskHandler* command = second->handlers().find(QStringLiteral("command"));
    QVERIFY(command);
    const QJsonObject payload {{QStringLiteral("program"), QStringLiteral("/bin/echo")}};
    QVERIFY(command->validate(payload));

    // Counted on this thread (a QSignalSpy would append on the writer's thread, which emits the signal).
    int changed = 0;
    QObject receiver;
    connect(
        second.get(), &QueueEngine::databaseSettingsChanged, &receiver, [&] { ++changed; }, Qt::QueuedConnection);
    QVERIFY(first->setSetting(settingkeys::commandAllowedPrograms, QJsonArray {u"/bin/echo"_s}));
    QCOMPARE(first->databaseSettings().allowedPrograms(), QStringList {u"/bin/echo"_s}); // at once in the writer's
    QTRY_COMPARE_WITH_TIMEOUT(second->databaseSettings().allowedPrograms(), QStringList {u"/bin/echo"_s}, 5000);
    QTRY_VERIFY(changed > 0);
    QVERIFY(!command->validate(payload));
    const std::optional<QString> other = command->validate({{QStringLiteral("program"), QStringLiteral("/bin/ls")}});
    QVERIFY(other && other->contains(QLatin1String("not in the allow-list")));

    // A one-shot write (the CLI's) is seen too; so is an unset.
    auto store = openStore(path);
    QVERIFY(store);
    QVERIFY(store->setSetting(settingkeys::commandAllowedPrograms, std::nullopt, t0));
    QTRY_VERIFY_WITH_TIMEOUT(second->databaseSettings().allowedPrograms().isEmpty(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(first->databaseSettings().allowedPrograms().isEmpty(), 5000);
    QVERIFY(command->validate(payload));
}

// The clock is injected: tasks end at t0 and at t0 + 9 days; a sweep at t0 + 10 days with 7 days' retention deletes
// the first ones with their history, in batches of RetentionSweeper::scanLimit per state and pass.
void TestDatabaseSettings::retentionPurgesOldEndedTasksInBatches()
{
    QTemporaryDir dir;
    auto store = openStore(testDatabase(dir, QStringLiteral("retention")));
    QVERIFY(store);
    const int many = RetentionSweeper::scanLimit + 50;
    const QList<qint64> oldSucceeded = endTasks(*store, many, TaskState::Succeeded, t0);
    const QList<qint64> oldFailed = endTasks(*store, 5, TaskState::Failed, t0);
    const QList<qint64> oldCancelled = endTasks(*store, 5, TaskState::Cancelled, t0);
    const QList<qint64> recent = endTasks(*store, 10, TaskState::Succeeded, t0 + 9 * day);
    QCOMPARE(oldSucceeded.size(), many);
    QCOMPARE(oldFailed.size(), 5);
    QCOMPARE(oldCancelled.size(), 5);
    QCOMPARE(recent.size(), 10);
    auto queued = store->enqueue({task()}, t0); // never ends: never purged
    QVERIFY(queued);
    QVERIFY(eventsOf(*store, oldSucceeded) > 0);

    RetentionSweeper sweeper;
    sweeper.setDays(7);
    const qint64 now = t0 + 10 * day;
    auto first = sweeper.pass(*store, now);
    QVERIFY2(first, qPrintable(first.errorString()));
    // One batch per state: at most scanLimit succeeded tasks, and every old failed and cancelled one.
    QCOMPARE(*first, qint64(RetentionSweeper::scanLimit + 10));
    auto second = sweeper.pass(*store, now);
    QVERIFY(second);
    QCOMPARE(*second, qint64(50));
    QCOMPARE(*sweeper.pass(*store, now), qint64(0));

    QCOMPARE(store->countTasks(TaskFilter::ofIds(oldSucceeded + oldFailed + oldCancelled)).value(), qint64(0));
    QCOMPARE(eventsOf(*store, oldSucceeded + oldFailed + oldCancelled), qint64(0));
    QCOMPARE(store->countTasks(TaskFilter::ofIds(recent)).value(), qint64(10));
    QVERIFY(eventsOf(*store, recent) > 0);
    QVERIFY(store->task(queued->first().id));
    // The kept counts moved with the deletions.
    const StateCounts kept = store->countByQueueAndState().value().value(QStringLiteral("default"));
    const StateCounts counted = store->recountByQueueAndState().value().value(QStringLiteral("default"));
    for (TaskState state : allTaskStates)
        QCOMPARE(kept[std::size_t(state)], counted[std::size_t(state)]);
    QCOMPARE(kept[std::size_t(TaskState::Succeeded)], qint64(10));

    // Later, the recent ones age past the retention too: after the state's rest, the next sweep takes them.
    const qint64 later = t0 + 17 * day;
    QCOMPARE(*sweeper.pass(*store, later), qint64(10));
    QCOMPARE(store->countTasks(TaskFilter::ofIds(recent)).value(), qint64(0));
}

void TestDatabaseSettings::retentionOffKeepsEverything()
{
    QTemporaryDir dir;
    auto store = openStore(testDatabase(dir, QStringLiteral("keep")));
    QVERIFY(store);
    const QList<qint64> old = endTasks(*store, 3, TaskState::Succeeded, t0);
    QCOMPARE(old.size(), 3);
    RetentionSweeper sweeper; // 0 days: the default
    QCOMPARE(*sweeper.pass(*store, t0 + 1000 * day), qint64(0));
    sweeper.setDays(30);
    QCOMPARE(*sweeper.pass(*store, t0 + 29 * day), qint64(0)); // not old enough yet
    QCOMPARE(store->countTasks(TaskFilter::ofIds(old)).value(), qint64(3));
}

// The engine's maintenance applies the database's retention.endedTasksDays, set through the engine.
void TestDatabaseSettings::engineAppliesRetention()
{
    QTemporaryDir dir;
    const QString path = testDatabase(dir, QStringLiteral("engineret"));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QList<qint64> old, recent;
    {
        auto store = openStore(path);
        QVERIFY(store);
        old = endTasks(*store, 4, TaskState::Succeeded, now - 3 * day);
        recent = endTasks(*store, 2, TaskState::Failed, now - 3600'000);
        QCOMPARE(old.size() + recent.size(), 6);
    }
    auto engine = openEngine(path);
    QVERIFY(engine);
    int changes = 0; // counted on this thread: the engine emits from threads of its own
    QObject receiver;
    connect(
        engine.get(), &QueueEngine::tasksChanged, &receiver, [&] { ++changes; }, Qt::QueuedConnection);
    QTRY_COMPARE(engine->counts().value(QStringLiteral("default"))[std::size_t(TaskState::Succeeded)], qint64(4));
    QVERIFY(engine->setSetting(settingkeys::retentionEndedTasksDays, 2));
    QTRY_COMPARE_WITH_TIMEOUT(
        engine->counts().value(QStringLiteral("default"))[std::size_t(TaskState::Succeeded)], qint64(0), 5000);
    QCOMPARE(engine->counts().value(QStringLiteral("default"))[std::size_t(TaskState::Failed)], qint64(2));
    QTRY_VERIFY(changes > 0); // the window's table hears of the deletions
    auto store = openStore(path);
    QCOMPARE(store->countTasks(TaskFilter::ofIds(old)).value(), qint64(0));
    QCOMPARE(store->countTasks(TaskFilter::ofIds(recent)).value(), qint64(2));
}

void TestDatabaseSettings::metricsRetentionFollowsTheSetting()
{
    QTemporaryDir dir;
    auto store = openStore(testDatabase(dir, QStringLiteral("metrics")));
    QVERIFY(store);
    const auto sample = [](qint64 at) {
        QueueSample s;
        s.queue = QStringLiteral("default");
        s.at = at;
        s.resolutionSeconds = 60;
        return s;
    };
    QVERIFY(store->insertSamples({sample(t0), sample(t0 + 20 * day)}));
    const auto minuteRows
        = [&] { return scalar(*store, QStringLiteral("SELECT count(*) FROM metrics WHERE resolution = 60")); };
    QCOMPARE(minuteRows(), qint64(2));
    QVERIFY(store->downsampleAndPrune(t0 + 40 * day, t0 + 40 * day, 0)); // 0: forever
    QCOMPARE(minuteRows(), qint64(2));
    QVERIFY(store->downsampleAndPrune(t0 + 40 * day, t0 + 40 * day, 30 * day));
    QCOMPARE(minuteRows(), qint64(1));
    QVERIFY(store->downsampleAndPrune(t0 + 40 * day, t0 + 40 * day, 10 * day));
    QCOMPARE(minuteRows(), qint64(0));
}

QTEST_GUILESS_MAIN(TestDatabaseSettings)
#include "tst_databasesettings.moc"
