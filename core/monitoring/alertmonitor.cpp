#include "alertmonitor.h"

#include "../export/exportcodec.h"
#include "capacityestimator.h"

#include <QJsonDocument>

#include <cmath>

namespace qd {

namespace {

constexpr double waitPercentile = 0.95;

// The span of events a rule reads: its window for rates and waits, its threshold for a stall (when nothing ended
// within that long, it has stalled as long as the oldest task waited), five minutes for the forecast.
qint64 spanOf(const AlertRule& rule)
{
    switch (rule.condition) {
    case AlertCondition::Stall:
        return qint64(rule.threshold) + 1000;
    case AlertCondition::WillNotDrain:
    case AlertCondition::DrainTime:
        return 5 * 60'000;
    default:
        return rule.windowMs;
    }
}

// A "notify" task that POSTs a transition to its rule's webhook: the notify handler's retries and network policy.
NewTask webhookTask(const AlertTransition& t)
{
    const bool fired = t.kind == AlertTransition::Kind::Fired;
    NewTask task;
    task.queue = QStringLiteral("alerts");
    task.type = QStringLiteral("notify");
    task.payload = QJsonDocument(
        QJsonObject {{QStringLiteral("url"), t.webhook}, {QStringLiteral("body"), alertTransitionJson(t)}})
                       .toJson(QJsonDocument::Compact);
    task.maxAttempts = 10;
    task.idempotencyKey = QStringLiteral("alert:%1:%2:%3").arg(t.ruleId).arg(fired ? u"fired" : u"resolved").arg(t.at);
    return task;
}

} // namespace

AlertMonitor::AlertMonitor(TaskStore& store, QString owner, qint64 leaseMs, CommandPermission commands)
    : m_store(store)
    , m_owner(std::move(owner))
    , m_leaseMs(leaseMs)
    , m_permission(std::move(commands))
{ }

Result<AlertObservation> AlertMonitor::observe(const AlertRule& rule, qint64 now)
{
    if (!m_counts) {
        auto counts = m_store.countByQueueAndState();
        if (!counts)
            return counts.error();
        StateCounts all {};
        for (const StateCounts& c : *counts) {
            for (std::size_t i = 0; i < all.size(); ++i)
                all[i] += c[i];
        }
        m_counts = *counts;
        m_counts->insert(QString(), all);
    }
    if (!m_oldest) {
        auto oldest = m_store.oldestQueuedRunAt();
        if (!oldest)
            return oldest.error();
        m_oldest = *oldest;
    }
    const qint64 span = spanOf(rule);
    if (!m_served.contains(span)) {
        auto served = m_store.serviceStats(now - span, now + 1);
        if (!served)
            return served.error();
        m_served.insert(span, *served);
    }
    const ServiceStats served = m_served.value(span).value(rule.queue);

    AlertObservation o;
    o.queued = m_counts->value(rule.queue)[std::size_t(TaskState::Queued)];
    if (const qint64 since = m_oldest->value(rule.queue); since > 0 && o.queued > 0)
        o.oldestQueuedAgeMs = std::max<qint64>(0, now - since);
    o.msSinceLastEnd = served.lastEndAt > 0 ? std::max<qint64>(0, now - served.lastEndAt) : -1;
    o.attemptsEnded = served.attemptsEnded;
    o.attemptsFailed = served.attemptsFailed;
    if (rule.condition == AlertCondition::WaitP95) {
        auto p95 = m_store.waitPercentile(rule.queue, now - span, now + 1, waitPercentile);
        if (!p95)
            return p95.error();
        o.waitP95Ms = *p95;
    }
    const bool needsProcesses = rule.condition == AlertCondition::WorkerSilent
        || rule.condition == AlertCondition::WillNotDrain || rule.condition == AlertCondition::DrainTime;
    if (needsProcesses && !m_processes) {
        auto processes = m_store.processes();
        if (!processes)
            return processes.error();
        m_processes = *processes;
    }
    if (rule.condition == AlertCondition::WorkerSilent) {
        // Only lost processes count: a live one is silent for up to a beat, which is no news.
        for (const ProcessRecord& p : std::as_const(*m_processes)) {
            if (p.workers > 0 && p.serves(rule.queue) && p.state(now) == ProcessRecord::State::Lost)
                o.longestWorkerSilenceMs = std::max(o.longestWorkerSilenceMs, now - p.lastSeen);
        }
    }
    if (rule.condition == AlertCondition::WillNotDrain || rule.condition == AlertCondition::DrainTime) {
        const CapacityInputs in = windowCapacityInputs(
            served, double(span) / 1000, o.queued, liveWorkersServing(*m_processes, rule.queue, now));
        o.forecastKnown = in.servicePerWorkerPerSecond > 0;
        o.drainSeconds = forecastCapacity(in).drainSeconds;
    }
    return o;
}

Result<QList<AlertTransition>> AlertMonitor::evaluateOnce(qint64 now)
{
    // Commands that ended since the last evaluation: recorded with this one, or alone without the lease.
    const QList<AlertHistoryRecord> ran = m_commands.takeFinished();
    const auto lease = m_store.takeAlertMonitor(m_owner, now, m_leaseMs);
    if (!lease) {
        m_commands.putBack(ran);
        return lease.error();
    }
    if (!lease->has_value()) {
        m_holdsLease = false;
        if (Status recorded = m_store.recordAlertHistory(ran); !recorded) {
            m_commands.putBack(ran);
            return recorded.error();
        }
        return QList<AlertTransition>();
    }
    if (!m_holdsLease)
        m_evaluator.restoreStates(**lease); // taken over: go on from where the last holder stood
    m_holdsLease = true;

    const auto records = m_store.alertRules();
    if (!records) {
        m_commands.putBack(ran);
        return records.error();
    }
    QList<AlertRule> rules;
    for (const AlertRuleRecord& record : *records) {
        auto rule = AlertRule::fromJson(QJsonDocument::fromJson(record.definition).object());
        if (!rule)
            continue; // written by a newer version, or by hand: skipped, not fatal
        rule->id = record.id;
        rules.append(*rule);
    }

    m_served.clear();
    m_oldest.reset();
    m_counts.reset();
    m_processes.reset();
    std::optional<Error> failed;
    const QList<AlertTransition> changes = m_evaluator.evaluate(
        rules,
        [&](const AlertRule& rule) {
            auto observed = observe(rule, now);
            if (!observed) {
                failed = observed.error();
                return AlertObservation {};
            }
            return *observed;
        },
        now);
    if (failed) {
        // Figures that could not be read must not resolve firing rules: start over from the saved states.
        m_evaluator.restoreStates(**lease);
        m_commands.putBack(ran);
        return *failed;
    }
    QList<AlertHistoryRecord> history = ran;
    QList<AlertTransition> toRun;
    for (const AlertTransition& t : changes) {
        history.append(AlertHistoryRecord {0, t.ruleId, t.ruleName,
            t.kind == AlertTransition::Kind::Fired ? QStringLiteral("fired") : QStringLiteral("resolved"), t.at,
            t.figure, t.message});
        if (t.command.isEmpty())
            continue;
        std::optional<QString> refused
            = m_permission ? m_permission(t.command.program) : QStringLiteral("this process runs no programs");
        if (refused)
            history.append(refusedCommandRecord(t, *refused));
        else
            toRun.append(t);
    }
    QList<NewTask> deliveries;
    for (const AlertTransition& t : changes) {
        if (!t.webhook.isEmpty())
            deliveries.append(webhookTask(t));
    }
    // The history and the webhook tasks commit together: a firing is recorded, and sent, once.
    const Status saved = m_store.atomically([&]() -> Status {
        if (Status s = m_store.saveAlertEvaluation(m_owner, m_evaluator.saveStates(), history); !s)
            return s;
        if (deliveries.isEmpty())
            return success();
        const auto enqueued = m_store.enqueue(deliveries, now);
        return enqueued ? success() : Status(enqueued.error());
    });
    if (!saved) {
        m_holdsLease = false;
        m_commands.putBack(ran);
        return saved.error();
    }
    for (const AlertTransition& t : std::as_const(toRun))
        m_commands.start(t);
    return changes;
}

Status AlertMonitor::stop()
{
    m_commands.stopAll();
    const QList<AlertHistoryRecord> ran = m_commands.takeFinished();
    Status recorded = m_store.recordAlertHistory(ran);
    if (!recorded)
        m_commands.putBack(ran);
    if (!m_holdsLease)
        return recorded;
    m_holdsLease = false;
    const Status released = m_store.releaseAlertMonitor(m_owner);
    return recorded ? released : recorded;
}

} // namespace qd
