// Alert rules with an injected clock: each condition fires and resolves at the moment it should, and a figure that
// hovers at its threshold gives one firing, not a flap per evaluation.
#include "core/monitoring/alertevaluator.h"

#include <QJsonArray>
#include <QTest>

#include <limits>

using namespace qd;

Q_DECLARE_METATYPE(qd::AlertObservation)

namespace {

constexpr qint64 step = 5'000; // how often the monitor evaluates
constexpr qint64 minute = 60'000;

AlertRule rule(AlertCondition condition, double threshold, qint64 forMs = minute)
{
    AlertRule r;
    r.id = 1;
    r.queue = QStringLiteral("images");
    r.condition = condition;
    r.threshold = threshold;
    r.forMs = forMs;
    r.minVolume = 20;
    return r;
}

// Evaluates `rules` every step from `from` to `to` (inclusive), observing `o`, and returns what changed.
QList<AlertTransition> run(
    AlertEvaluator& evaluator, const QList<AlertRule>& rules, const AlertObservation& o, qint64 from, qint64 to)
{
    QList<AlertTransition> all;
    for (qint64 t = from; t <= to; t += step)
        all += evaluator.evaluate(
            rules, [&](const AlertRule&) { return o; }, t);
    return all;
}

} // namespace

class TestAlertRules : public QObject {
    Q_OBJECT

private slots:
    void eachConditionFiresAndResolvesOnTime_data()
    {
        QTest::addColumn<int>("condition");
        QTest::addColumn<double>("threshold");
        QTest::addColumn<AlertObservation>("bad");
        QTest::addColumn<AlertObservation>("good");

        AlertObservation bad, good;
        bad.queued = 1500;
        good.queued = 800;
        QTest::newRow("length") << int(AlertCondition::QueueLength) << 1000.0 << bad << good;

        bad = good = {};
        bad.queued = good.queued = 3;
        bad.oldestQueuedAgeMs = 20 * minute;
        good.oldestQueuedAgeMs = 2 * minute;
        QTest::newRow("oldest age") << int(AlertCondition::OldestQueuedAge) << double(10 * minute) << bad << good;

        bad = good = {};
        bad.attemptsEnded = good.attemptsEnded = 100;
        bad.attemptsFailed = 30;
        good.attemptsFailed = 2;
        QTest::newRow("failure rate") << int(AlertCondition::FailureRate) << 0.1 << bad << good;

        bad = good = {};
        bad.queued = good.queued = 50;
        bad.oldestQueuedAgeMs = good.oldestQueuedAgeMs = 30 * minute;
        bad.msSinceLastEnd = 15 * minute;
        good.msSinceLastEnd = 1'000;
        QTest::newRow("stall") << int(AlertCondition::Stall) << double(10 * minute) << bad << good;

        bad = good = {};
        bad.waitP95Ms = 90'000;
        good.waitP95Ms = 5'000;
        QTest::newRow("wait p95") << int(AlertCondition::WaitP95) << 30'000.0 << bad << good;

        bad = good = {};
        bad.queued = good.queued = 10'000;
        bad.forecastKnown = good.forecastKnown = true;
        good.drainSeconds = 240;
        QTest::newRow("will not drain") << int(AlertCondition::WillNotDrain) << 0.0 << bad << good;

        bad = good = {};
        bad.queued = good.queued = 10'000;
        bad.forecastKnown = good.forecastKnown = true;
        bad.drainSeconds = 3600;
        good.drainSeconds = 60;
        QTest::newRow("drain time") << int(AlertCondition::DrainTime) << double(10 * minute) << bad << good;

        bad = good = {};
        bad.longestWorkerSilenceMs = 5 * minute;
        QTest::newRow("worker silent") << int(AlertCondition::WorkerSilent) << double(minute) << bad << good;
    }

    void eachConditionFiresAndResolvesOnTime()
    {
        QFETCH(int, condition);
        QFETCH(double, threshold);
        QFETCH(AlertObservation, bad);
        QFETCH(AlertObservation, good);
        const QList<AlertRule> rules {rule(AlertCondition(condition), threshold, 2 * minute)};
        AlertEvaluator evaluator;

        // Good for a while: nothing.
        QVERIFY(run(evaluator, rules, good, 0, 5 * minute).isEmpty());
        // Bad from 5 min on: fires at 7 min exactly (held for 2 min), once.
        QVERIFY(run(evaluator, rules, bad, 5 * minute, 7 * minute - step).isEmpty());
        QVERIFY(!evaluator.isFiring(1));
        QList<AlertTransition> changes = run(evaluator, rules, bad, 7 * minute, 20 * minute);
        QCOMPARE(changes.size(), 1);
        QCOMPARE(changes[0].kind, AlertTransition::Kind::Fired);
        QCOMPARE(changes[0].at, 7 * minute);
        QVERIFY(evaluator.isFiring(1));
        QVERIFY2(changes[0].message.contains(QLatin1String("images")), qPrintable(changes[0].message));
        // Good again from 20 min: resolves once it stayed clear for clearForMs() (2 min here), at 22 min.
        QVERIFY(run(evaluator, rules, good, 20 * minute, 22 * minute - step).isEmpty());
        changes = run(evaluator, rules, good, 22 * minute, 30 * minute);
        QCOMPARE(changes.size(), 1);
        QCOMPARE(changes[0].kind, AlertTransition::Kind::Resolved);
        QCOMPARE(changes[0].at, 22 * minute);
        QVERIFY(!evaluator.isFiring(1));
    }

    void hoveringAtTheThresholdDoesNotFlap()
    {
        // Immediate rule: 1,001 fires; 950 is above 90% of the threshold, so it neither resolves nor fires again.
        const QList<AlertRule> rules {rule(AlertCondition::QueueLength, 1000, 0)};
        AlertEvaluator evaluator;
        QList<AlertTransition> changes;
        for (qint64 t = 0; t < 30 * minute; t += step) {
            AlertObservation o;
            o.queued = (t / step) % 2 ? 950 : 1001;
            changes += evaluator.evaluate(
                rules, [&](const AlertRule&) { return o; }, t);
        }
        QCOMPARE(changes.size(), 1);
        QCOMPARE(changes[0].kind, AlertTransition::Kind::Fired);

        // A rule that must hold for a minute never fires on a figure that dips below the threshold every other time.
        const QList<AlertRule> held {rule(AlertCondition::QueueLength, 1000, minute)};
        AlertEvaluator patient;
        for (qint64 t = 0; t < 30 * minute; t += step) {
            AlertObservation o;
            o.queued = (t / step) % 2 ? 999 : 5000;
            QVERIFY(patient
                        .evaluate(
                            held, [&](const AlertRule&) { return o; }, t)
                        .isEmpty());
        }
    }

    void failureRateNeedsItsMinimumVolume()
    {
        const QList<AlertRule> rules {rule(AlertCondition::FailureRate, 0.05, 0)};
        AlertEvaluator evaluator;
        AlertObservation few;
        few.attemptsEnded = few.attemptsFailed = 19; // all failed, but fewer than 20
        QVERIFY(run(evaluator, rules, few, 0, 10 * minute).isEmpty());
        AlertObservation enough = few;
        enough.attemptsEnded = enough.attemptsFailed = 20;
        QCOMPARE(run(evaluator, rules, enough, 10 * minute, 11 * minute).size(), 1);
        QVERIFY(evaluator.isFiring(1));
        // Too little to judge counts as clear: the volume fading away resolves it.
        const QList<AlertTransition> resolved = run(evaluator, rules, few, 11 * minute + step, 20 * minute);
        QCOMPARE(resolved.size(), 1);
        QCOMPARE(resolved[0].kind, AlertTransition::Kind::Resolved);
        QCOMPARE(resolved[0].at, 11 * minute + step + 30'000); // clearForMs() is at least 30 s
    }

    void stallNeedsAnOldTaskToo()
    {
        const QList<AlertRule> rules {rule(AlertCondition::Stall, double(10 * minute), 0)};
        AlertEvaluator evaluator;
        AlertObservation quietNight; // nothing ended for hours, but the one task waiting arrived a second ago
        quietNight.queued = 1;
        quietNight.msSinceLastEnd = 8 * 60 * minute;
        quietNight.oldestQueuedAgeMs = 1'000;
        QVERIFY(run(evaluator, rules, quietNight, 0, 5 * minute).isEmpty());
        quietNight.oldestQueuedAgeMs = 11 * minute;
        QCOMPARE(run(evaluator, rules, quietNight, 5 * minute + step, 6 * minute).size(), 1);
        AlertObservation empty; // nothing waits: never a stall
        QCOMPARE(alertFigure(rules[0], empty), std::optional<double>(0.0));
    }

    void changedDisabledAndRemovedRulesResolve()
    {
        AlertRule r = rule(AlertCondition::QueueLength, 10, 0);
        AlertObservation o;
        o.queued = 100;
        AlertEvaluator evaluator;
        QCOMPARE(run(evaluator, {r}, o, 0, 0).size(), 1);
        // Changed: the old firing resolves and the new rule is judged afresh (and fires again at once here).
        r.threshold = 20;
        QList<AlertTransition> changes = run(evaluator, {r}, o, step, step);
        QCOMPARE(changes.size(), 2);
        QCOMPARE(changes[0].kind, AlertTransition::Kind::Resolved);
        QCOMPARE(changes[1].kind, AlertTransition::Kind::Fired);
        r.enabled = false;
        changes = run(evaluator, {r}, o, 2 * step, 3 * step);
        QCOMPARE(changes.size(), 1);
        QVERIFY2(changes[0].message.contains(QLatin1String("disabled")), qPrintable(changes[0].message));
        r.enabled = true;
        QCOMPARE(run(evaluator, {r}, o, 4 * step, 4 * step).size(), 1);
        changes = evaluator.evaluate(
            {}, [&](const AlertRule&) { return o; }, 5 * step);
        QCOMPARE(changes.size(), 1);
        QCOMPARE(changes[0].kind, AlertTransition::Kind::Resolved);
        QCOMPARE(changes[0].ruleId, r.id);
        QVERIFY(evaluator.states().isEmpty());
    }

    void storedFormRoundTripsAndExplainsErrors()
    {
        AlertRule r = rule(AlertCondition::FailureRate, 0.05, 5 * minute);
        r.name = QStringLiteral("thumbnails failing");
        r.windowMs = 15 * minute;
        const Result<AlertRule> back = AlertRule::fromJson(r.toJson());
        QVERIFY2(back.ok(), qPrintable(back.errorString()));
        QCOMPARE(back->toJson(), r.toJson());
        QCOMPARE(r.describe(),
            QStringLiteral("failure rate of images above 5% over 15 min (at least 20 attempts) for 5 min"));
        QCOMPARE(rule(AlertCondition::QueueLength, 1000, 0).describe(), QStringLiteral("length of images above 1,000"));

        const QList<std::pair<QJsonObject, QString>> bad {
            {QJsonObject {{QStringLiteral("condition"), QStringLiteral("temperature")}}, QStringLiteral("condition")},
            {QJsonObject {{QStringLiteral("condition"), QStringLiteral("length")}}, QStringLiteral("threshold")},
            {QJsonObject {
                 {QStringLiteral("condition"), QStringLiteral("failure-rate")}, {QStringLiteral("threshold"), 5}},
                QStringLiteral("between 0 and 1")},
            {QJsonObject {
                 {QStringLiteral("condition"), QStringLiteral("oldest-age")}, {QStringLiteral("threshold"), 10}},
                QStringLiteral("milliseconds")},
            {QJsonObject {{QStringLiteral("condition"), QStringLiteral("length")}, {QStringLiteral("threshold"), 1},
                 {QStringLiteral("forMs"), -5}},
                QStringLiteral("forMs")},
            {QJsonObject {{QStringLiteral("condition"), QStringLiteral("length")}, {QStringLiteral("threshold"), 1},
                 {QStringLiteral("colour"), QStringLiteral("red")}},
                QStringLiteral("colour")},
        };
        for (const auto& [json, mentions] : bad) {
            const Result<AlertRule> parsed = AlertRule::fromJson(json);
            QVERIFY(!parsed.ok());
            QVERIFY2(parsed.errorString().contains(mentions), qPrintable(parsed.errorString()));
        }
    }

    void commandRoundTripsAndExplainsErrors()
    {
        AlertRule r = rule(AlertCondition::QueueLength, 10);
        r.command = AlertCommand {QStringLiteral("/usr/local/bin/page"), {QStringLiteral("--team"), QString()}, 5000};
        const Result<AlertRule> back = AlertRule::fromJson(r.toJson());
        QVERIFY2(back.ok(), qPrintable(back.errorString()));
        QCOMPARE(back->command, r.command); // an empty argument stays an argument
        QCOMPARE(back->toJson(), r.toJson());
        QVERIFY(!rule(AlertCondition::QueueLength, 10).toJson().contains(QLatin1String("command")));

        const auto withCommand = [](const QJsonValue& command) {
            return QJsonObject {{QStringLiteral("condition"), QStringLiteral("length")},
                {QStringLiteral("threshold"), 1}, {QStringLiteral("command"), command}};
        };
        const QList<std::pair<QJsonValue, QString>> bad {
            {QStringLiteral("/bin/page --now"), QStringLiteral("must be an object")},
            {QJsonObject {{QStringLiteral("program"), QStringLiteral("  ")}}, QStringLiteral("command.program")},
            {QJsonObject {{QStringLiteral("program"), QStringLiteral("page ")}}, QStringLiteral("spaces")},
            {QJsonObject {
                 {QStringLiteral("program"), QStringLiteral("page")}, {QStringLiteral("args"), QJsonArray {1}}},
                QStringLiteral("command.args")},
            {QJsonObject {{QStringLiteral("program"), QStringLiteral("page")}, {QStringLiteral("timeoutMs"), 10}},
                QStringLiteral("command.timeoutMs")},
            {QJsonObject {{QStringLiteral("program"), QStringLiteral("page")}, {QStringLiteral("shell"), true}},
                QStringLiteral("command.shell")},
        };
        for (const auto& [command, mentions] : bad) {
            const Result<AlertRule> parsed = AlertRule::fromJson(withCommand(command));
            QVERIFY(!parsed.ok());
            QVERIFY2(parsed.errorString().contains(mentions), qPrintable(parsed.errorString()));
        }

        // A transition carries its rule's command, and its JSON form is what the command reads on its input.
        AlertEvaluator evaluator;
        AlertObservation long_;
        long_.queued = 50;
        const QList<AlertTransition> fired = run(evaluator, {r}, long_, 0, minute);
        QCOMPARE(fired.size(), 1);
        QCOMPARE(fired[0].command, r.command);
        const QJsonObject json = alertTransitionJson(fired[0]);
        QCOMPARE(json.value(QLatin1String("status")).toString(), QStringLiteral("firing"));
        QCOMPARE(json.value(QLatin1String("figure")).toDouble(), 50.0);
    }
};

QTEST_GUILESS_MAIN(TestAlertRules)
#include "tst_alertrules.moc"
