#include "alertevaluator.h"

#include "../export/exportcodec.h"

#include <QJsonDocument>
#include <QLocale>
#include <QSet>

#include <cmath>
#include <limits>

namespace qd {

namespace {

constexpr double clearShare = 0.9; // a firing rule's figure must fall to 90% of the threshold to count as clear

QString shownFigure(const AlertRule& rule, double figure)
{
    switch (rule.condition) {
    case AlertCondition::FailureRate:
        return QStringLiteral("%1%").arg(QLocale::c().toString(figure * 100, 'f', 1));
    case AlertCondition::WillNotDrain:
        return figure > 0 ? QStringLiteral("will not drain") : QStringLiteral("drains");
    case AlertCondition::QueueLength:
        return QLocale(QLocale::English, QLocale::UnitedStates).toString(qint64(std::llround(figure)));
    default:
        if (std::isinf(figure))
            return QStringLiteral("never");
        return QStringLiteral("%1 s").arg(QLocale::c().toString(figure / 1000, 'f', 1));
    }
}

} // namespace

std::optional<double> alertFigure(const AlertRule& rule, const AlertObservation& o)
{
    switch (rule.condition) {
    case AlertCondition::QueueLength:
        return double(o.queued);
    case AlertCondition::OldestQueuedAge:
        return double(o.oldestQueuedAgeMs);
    case AlertCondition::FailureRate:
        if (o.attemptsEnded < rule.minVolume || o.attemptsEnded <= 0)
            return std::nullopt;
        return double(o.attemptsFailed) / double(o.attemptsEnded);
    case AlertCondition::Stall:
        // Stalled for as long as both nothing ended and the oldest task waited: a task that just arrived after a
        // quiet night is not a stall.
        if (o.queued <= 0)
            return 0.0;
        return double(o.msSinceLastEnd < 0 ? o.oldestQueuedAgeMs : std::min(o.msSinceLastEnd, o.oldestQueuedAgeMs));
    case AlertCondition::WaitP95:
        if (!o.waitP95Ms)
            return std::nullopt;
        return double(*o.waitP95Ms);
    case AlertCondition::WillNotDrain:
        if (o.queued > 0 && !o.forecastKnown)
            return std::nullopt;
        return o.queued > 0 && !o.drainSeconds ? 1.0 : 0.0;
    case AlertCondition::DrainTime:
        if (o.queued <= 0)
            return 0.0;
        if (!o.forecastKnown)
            return std::nullopt;
        return o.drainSeconds ? *o.drainSeconds * 1000 : std::numeric_limits<double>::infinity();
    case AlertCondition::WorkerSilent:
        return double(o.longestWorkerSilenceMs);
    }
    return std::nullopt;
}

QByteArray AlertEvaluator::saveStates() const
{
    QJsonObject all;
    for (auto it = m_states.constBegin(); it != m_states.constEnd(); ++it) {
        all.insert(QString::number(it.key()),
            QJsonObject {{QStringLiteral("phase"), int(it->phase)}, {QStringLiteral("since"), it->since},
                {QStringLiteral("clearSince"), it->clearSince},
                {QStringLiteral("figure"), std::isfinite(it->figure) ? it->figure : 1e300},
                {QStringLiteral("rule"), it->rule}});
    }
    return QJsonDocument(all).toJson(QJsonDocument::Compact);
}

void AlertEvaluator::restoreStates(const QByteArray& json)
{
    m_states.clear();
    const QJsonObject all = QJsonDocument::fromJson(json).object();
    for (auto it = all.begin(); it != all.end(); ++it) {
        bool ok = false;
        const qint64 id = it.key().toLongLong(&ok);
        const QJsonObject o = it.value().toObject();
        const int phase = o.value(QLatin1String("phase")).toInt(-1);
        if (!ok || phase < int(AlertRuleState::Phase::Ok) || phase > int(AlertRuleState::Phase::Firing))
            continue;
        m_states.insert(id,
            AlertRuleState {AlertRuleState::Phase(phase), o.value(QLatin1String("since")).toInteger(),
                o.value(QLatin1String("clearSince")).toInteger(), o.value(QLatin1String("figure")).toDouble(),
                o.value(QLatin1String("rule")).toObject()});
    }
}

QJsonObject alertTransitionJson(const AlertTransition& t)
{
    return QJsonObject {{QStringLiteral("ruleId"), t.ruleId}, {QStringLiteral("rule"), t.ruleName},
        {QStringLiteral("status"),
            t.kind == AlertTransition::Kind::Fired ? QStringLiteral("firing") : QStringLiteral("resolved")},
        {QStringLiteral("at"), ExportCodec::isoTime(t.at)},
        {QStringLiteral("figure"), std::isfinite(t.figure) ? QJsonValue(t.figure) : QJsonValue()},
        {QStringLiteral("message"), t.message}};
}

bool AlertEvaluator::isFiring(qint64 ruleId) const
{
    const auto it = m_states.constFind(ruleId);
    return it != m_states.constEnd() && it->phase == AlertRuleState::Phase::Firing;
}

QList<AlertTransition> AlertEvaluator::evaluate(
    const QList<AlertRule>& rules, const std::function<AlertObservation(const AlertRule&)>& observe, qint64 now)
{
    using Phase = AlertRuleState::Phase;
    QList<AlertTransition> changes;
    const auto transition = [&](AlertTransition::Kind kind, const AlertRule& rule, double figure, QString message) {
        changes.append(AlertTransition {
            kind, rule.id, rule.displayName(), now, figure, std::move(message), rule.webhook, rule.command});
    };

    QSet<qint64> present;
    for (const AlertRule& rule : rules) {
        present.insert(rule.id);
        AlertRuleState& state = m_states[rule.id];
        QJsonObject definition = rule.toJson();
        definition.remove(QLatin1String("enabled")); // disabling is not a change of what the rule watches
        if (state.rule != definition) {
            if (state.phase == Phase::Firing)
                transition(AlertTransition::Kind::Resolved, rule, state.figure, QStringLiteral("the rule was changed"));
            state = AlertRuleState {Phase::Ok, now, 0, 0, definition};
        }
        if (!rule.enabled) {
            if (state.phase == Phase::Firing)
                transition(
                    AlertTransition::Kind::Resolved, rule, state.figure, QStringLiteral("the rule was disabled"));
            state = AlertRuleState {Phase::Ok, now, 0, 0, definition};
            continue;
        }
        const std::optional<double> figure = alertFigure(rule, observe(rule));
        const bool holds = figure && *figure > rule.threshold;
        const bool clear = !figure || *figure <= rule.threshold * clearShare;
        if (figure)
            state.figure = *figure;
        const QString now_ = figure ? shownFigure(rule, *figure) : QStringLiteral("too few attempts to judge");

        switch (state.phase) {
        case Phase::Ok:
        case Phase::Pending:
            if (!holds) {
                state.phase = Phase::Ok;
                state.since = now;
                break;
            }
            if (state.phase == Phase::Ok) {
                state.phase = Phase::Pending;
                state.since = now;
            }
            if (now - state.since >= rule.forMs) {
                state.phase = Phase::Firing;
                state.since = now;
                state.clearSince = 0;
                transition(AlertTransition::Kind::Fired, rule, state.figure,
                    QStringLiteral("%1 (now %2)").arg(rule.describe(), now_));
            }
            break;
        case Phase::Firing:
            if (!clear) {
                state.clearSince = 0;
                break;
            }
            if (state.clearSince == 0)
                state.clearSince = now;
            if (now - state.clearSince >= rule.clearForMs()) {
                state.phase = Phase::Ok;
                state.since = now;
                state.clearSince = 0;
                transition(AlertTransition::Kind::Resolved, rule, state.figure,
                    QStringLiteral("resolved: %1 (now %2)").arg(rule.describe(), now_));
            }
            break;
        }
    }
    for (auto it = m_states.begin(); it != m_states.end();) {
        if (present.contains(it.key())) {
            ++it;
            continue;
        }
        if (it->phase == Phase::Firing) {
            auto parsed = AlertRule::fromJson(it->rule);
            AlertRule gone = parsed ? *parsed : AlertRule {};
            gone.id = it.key();
            transition(AlertTransition::Kind::Resolved, gone, it->figure, QStringLiteral("the rule was removed"));
        }
        it = m_states.erase(it);
    }
    return changes;
}

} // namespace qd
