// Alert rules' commands (and, as tst_alertcommands_postgres/_mariadb, on a server): a real script run on firing and
// resolution with the alert on its input and in its environment, its outcome in the history; programs off the
// allow-list refused and recorded; timeouts and stops.
#include "core/handlerregistry.h"
#include "core/handlers/builtinhandlers.h"
#include "core/monitoring/alertmonitor.h"
#include "tests/core/storetestutil.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

using namespace qd;

namespace {

constexpr qint64 t0 = 1'800'000'000'000; // an injected clock
constexpr qint64 second = 1000;

// A rule "length of mail above `threshold`" that runs `program` with `args`.
QByteArray ruleWithCommand(double threshold, const QString& program, const QStringList& args, qint64 timeoutMs = 0)
{
    QJsonObject command {
        {QStringLiteral("program"), program}, {QStringLiteral("args"), QJsonArray::fromStringList(args)}};
    if (timeoutMs > 0)
        command.insert(QStringLiteral("timeoutMs"), timeoutMs);
    return QJsonDocument(
        QJsonObject {{QStringLiteral("condition"), QStringLiteral("length")}, {QStringLiteral("threshold"), threshold},
            {QStringLiteral("queue"), QStringLiteral("mail")}, {QStringLiteral("name"), QStringLiteral("mail backlog")},
            {QStringLiteral("command"), command}})
        .toJson(QJsonDocument::Compact);
}

// The "command" allow-list of a process that allows exactly `programs`.
CommandPermission allowing(const QStringList& programs)
{
    auto registry = std::make_shared<HandlerRegistry>();
    registerBuiltinHandlers(*registry, CommandHandlerSettings {true, programs});
    return commandAllowList(std::move(registry));
}

// An executable shell script in `dir`.
QString script(const QTemporaryDir& dir, const QString& name, const QByteArray& body)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write("#!/bin/sh\n" + body);
    file.close();
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}

QList<AlertHistoryRecord> historyOfKind(TaskStore& store, const QString& kind)
{
    QList<AlertHistoryRecord> found;
    const auto history = store.alertHistory(0, 100);
    for (const AlertHistoryRecord& h : history.value()) {
        if (h.kind == kind)
            found.append(h);
    }
    return found;
}

} // namespace

class TestAlertCommands : public QObject {
    Q_OBJECT

private slots:
    void scriptRunsOnFiringAndResolution()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("out"));
        QVERIFY(QDir().mkpath(out));
        // Writes its input to OUT/STATUS.json and its environment's view to OUT/STATUS.env; says something on both
        // streams.
        const QString page = script(dir, QStringLiteral("page.sh"),
            "cat > \"$1/$QD_ALERT_STATUS.json\"\n"
            "printf '%s|%s|%s\\n' \"$QD_ALERT_RULE_ID\" \"$QD_ALERT_RULE\" \"$QD_ALERT_FIGURE\" > "
            "\"$1/$QD_ALERT_STATUS.env\"\n"
            "echo \"paged for $QD_ALERT_STATUS\"\necho 'a warning' >&2\n");
        QVERIFY(!page.isEmpty());
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("commands")));
        QVERIFY(store);
        const auto id = store->addAlertRule(ruleWithCommand(2, page, {out}), t0);
        QVERIFY2(id.ok(), qPrintable(id.errorString()));
        QVERIFY(store->enqueue(QList<NewTask>(3, test::task(QStringLiteral("noop"), QStringLiteral("mail"))), t0).ok());

        AlertMonitor monitor(*store, QStringLiteral("host:1"), AlertMonitor::defaultLeaseMs, allowing({page}));
        auto fired = monitor.evaluateOnce(t0);
        QVERIFY2(fired.ok(), qPrintable(fired.errorString()));
        QCOMPARE(fired->size(), 1);
        QVERIFY(monitor.waitForCommands(20'000));

        QFile input(out + QStringLiteral("/firing.json"));
        QVERIFY(input.open(QIODevice::ReadOnly));
        const QJsonObject alert = QJsonDocument::fromJson(input.readAll()).object();
        QCOMPARE(alert.value(QLatin1String("ruleId")).toInteger(), *id);
        QCOMPARE(alert.value(QLatin1String("status")).toString(), QStringLiteral("firing"));
        QCOMPARE(alert.value(QLatin1String("figure")).toDouble(), 3.0);
        QVERIFY(alert.value(QLatin1String("message")).toString().contains(QLatin1String("length of mail above 2")));
        QFile env(out + QStringLiteral("/firing.env"));
        QVERIFY(env.open(QIODevice::ReadOnly));
        QCOMPARE(env.readAll().trimmed(), QStringLiteral("%1|mail backlog|3").arg(*id).toUtf8());

        // The outcome is recorded at the next evaluation, after the firing.
        QVERIFY(monitor.evaluateOnce(t0 + 5 * second).ok());
        QList<AlertHistoryRecord> ran = historyOfKind(*store, QStringLiteral("command"));
        QCOMPARE(ran.size(), 1);
        QCOMPARE(ran[0].ruleId, *id);
        QCOMPARE(ran[0].figure, 0.0); // the exit code
        QVERIFY2(ran[0].message.contains(QLatin1String("exit code 0")), qPrintable(ran[0].message));
        QVERIFY2(ran[0].message.contains(QLatin1String("output: paged for firing")), qPrintable(ran[0].message));
        QVERIFY2(ran[0].message.contains(QLatin1String("errors: a warning")), qPrintable(ran[0].message));
        QVERIFY(ran[0].at >= t0);

        // Resolved: the command runs again with status "resolved".
        TaskFilter mail;
        mail.queues = {QStringLiteral("mail")};
        QVERIFY(store->cancel(mail, t0 + 6 * second).ok());
        for (qint64 t = t0 + 10 * second; t <= t0 + 40 * second; t += 5 * second)
            QVERIFY(monitor.evaluateOnce(t).ok());
        QVERIFY(monitor.waitForCommands(20'000));
        QVERIFY(QFile::exists(out + QStringLiteral("/resolved.json")));
        QVERIFY(monitor.stop().ok()); // records the second outcome
        ran = historyOfKind(*store, QStringLiteral("command"));
        QCOMPARE(ran.size(), 2);
        QVERIFY2(ran[0].message.contains(QLatin1String("on resolution")), qPrintable(ran[0].message));
    }

    void programOffTheAllowListIsRefusedAndRecorded()
    {
        QTemporaryDir dir;
        const QString marker = dir.filePath(QStringLiteral("ran"));
        const QString touch = script(dir, QStringLiteral("touch.sh"), "touch \"$1\"\n");
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("refused")));
        QVERIFY(store);
        const auto id = store->addAlertRule(ruleWithCommand(0, touch, {marker}), t0);
        QVERIFY(id.ok());
        QVERIFY(store->enqueue({test::task(QStringLiteral("noop"), QStringLiteral("mail"))}, t0).ok());

        AlertMonitor monitor(*store, QStringLiteral("host:1"), AlertMonitor::defaultLeaseMs,
            allowing({QStringLiteral("/usr/bin/true")}));
        QVERIFY(monitor.evaluateOnce(t0).ok());
        QVERIFY(monitor.waitForCommands(20'000));
        QVERIFY(!QFile::exists(marker));
        // Recorded with the firing, in the same evaluation, with the allow-list's reason.
        const QList<AlertHistoryRecord> refused = historyOfKind(*store, QStringLiteral("command-refused"));
        QCOMPARE(refused.size(), 1);
        QCOMPARE(refused[0].ruleId, *id);
        QCOMPARE(refused[0].at, t0);
        QVERIFY2(refused[0].message.contains(QLatin1String("not in the allow-list")), qPrintable(refused[0].message));
        QCOMPARE(historyOfKind(*store, QStringLiteral("fired")).size(), 1);

        // A monitor given no allow-list runs nothing either.
        QTemporaryDir other;
        auto second_ = test::openStore(test::testDatabase(other, QStringLiteral("none")));
        QVERIFY(second_);
        QVERIFY(second_->addAlertRule(ruleWithCommand(0, touch, {marker}), t0).ok());
        QVERIFY(second_->enqueue({test::task(QStringLiteral("noop"), QStringLiteral("mail"))}, t0).ok());
        AlertMonitor without(*second_, QStringLiteral("host:2"));
        QVERIFY(without.evaluateOnce(t0).ok());
        QVERIFY(without.waitForCommands(20'000));
        QVERIFY(!QFile::exists(marker));
        QCOMPARE(historyOfKind(*second_, QStringLiteral("command-refused")).size(), 1);
    }

    void failuresTimeoutsAndStopsAreRecorded()
    {
        QTemporaryDir dir;
        const QString fail = script(dir, QStringLiteral("fail.sh"), "echo 'no route to pager' >&2\nexit 3\n");
        const QString slow = script(dir, QStringLiteral("slow.sh"), "exec sleep 60\n");
        auto store = test::openStore(test::testDatabase(dir, QStringLiteral("failures")));
        QVERIFY(store);
        QVERIFY(store->addAlertRule(ruleWithCommand(0, fail, {}), t0).ok());
        const auto slowRule = store->addAlertRule(ruleWithCommand(0, slow, {}, 1000), t0);
        QVERIFY(slowRule.ok());
        QVERIFY(store->enqueue({test::task(QStringLiteral("noop"), QStringLiteral("mail"))}, t0).ok());
        AlertMonitor monitor(*store, QStringLiteral("host:1"), AlertMonitor::defaultLeaseMs, allowing({fail, slow}));
        QVERIFY(monitor.evaluateOnce(t0).ok());
        QVERIFY(monitor.waitForCommands(20'000)); // the slow one is killed at its timeout
        QVERIFY(monitor.evaluateOnce(t0 + 5 * second).ok());
        QList<AlertHistoryRecord> failed = historyOfKind(*store, QStringLiteral("command-failed"));
        QCOMPARE(failed.size(), 2);
        std::sort(failed.begin(), failed.end(), [](const auto& a, const auto& b) { return a.ruleId < b.ruleId; });
        QCOMPARE(failed[0].figure, 3.0);
        QVERIFY2(failed[0].message.contains(QLatin1String("exit code 3")), qPrintable(failed[0].message));
        QVERIFY2(failed[0].message.contains(QLatin1String("no route to pager")), qPrintable(failed[0].message));
        QVERIFY2(
            failed[1].message.contains(QLatin1String("did not finish within 1000 ms")), qPrintable(failed[1].message));

        // A stop does not wait out a command: it is killed and recorded as stopped.
        QVERIFY(store->updateAlertRule(*slowRule, ruleWithCommand(0, slow, {}, 60'000), t0 + 6 * second).ok());
        for (qint64 t = t0 + 10 * second; t <= t0 + 15 * second; t += 5 * second)
            QVERIFY(monitor.evaluateOnce(t).ok()); // resolved as changed, then fired again: two runs
        QVERIFY(!monitor.waitForCommands(200));
        QVERIFY(monitor.stop().ok());
        QVERIFY(monitor.waitForCommands(0));
        const QList<AlertHistoryRecord> after = historyOfKind(*store, QStringLiteral("command-failed"));
        int stopped = 0;
        for (const AlertHistoryRecord& h : after)
            stopped += h.message.contains(QLatin1String("stopped")) ? 1 : 0;
        QCOMPARE(stopped, 2);
    }

    void outcomeRecordedAfterTheLeaseMovedOn()
    {
        QTemporaryDir dir;
        const QString ok = script(dir, QStringLiteral("ok.sh"), "exit 0\n");
        const QString path = test::testDatabase(dir, QStringLiteral("handover"));
        auto storeA = test::openStore(path);
        auto storeB = test::openStore(path);
        QVERIFY(storeA && storeB);
        QVERIFY(storeA->addAlertRule(ruleWithCommand(0, ok, {}), t0).ok());
        QVERIFY(storeA->enqueue({test::task(QStringLiteral("noop"), QStringLiteral("mail"))}, t0).ok());
        AlertMonitor a(*storeA, QStringLiteral("host-a:1"), AlertMonitor::defaultLeaseMs, allowing({ok}));
        AlertMonitor b(*storeB, QStringLiteral("host-b:2"), AlertMonitor::defaultLeaseMs, allowing({ok}));
        QVERIFY(a.evaluateOnce(t0).ok());
        QVERIFY(a.waitForCommands(20'000));
        // B takes over after A's lease ran out; A's next look records its outcome without the lease.
        const qint64 later = t0 + AlertMonitor::defaultLeaseMs + second;
        QVERIFY(b.evaluateOnce(later).ok());
        QVERIFY(b.holdsLease());
        QVERIFY(a.evaluateOnce(later).ok());
        QVERIFY(!a.holdsLease());
        QCOMPARE(historyOfKind(*storeB, QStringLiteral("command")).size(), 1);
        QCOMPARE(historyOfKind(*storeB, QStringLiteral("fired")).size(), 1); // B went on: no second firing
    }
};

QTEST_GUILESS_MAIN(TestAlertCommands)
#include "tst_alertcommands.moc"
