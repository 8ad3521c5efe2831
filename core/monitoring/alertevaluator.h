#pragma once

#include "alertrule.h"

#include <QHash>
#include <QList>

#include <functional>

#include <optional>

namespace qd {

// What the monitor measured of one queue (or of all queues) at one moment, over one rule's window.
struct AlertObservation {
    qint64 queued = 0;
    qint64 oldestQueuedAgeMs = 0; // 0 when nothing waits
    qint64 msSinceLastEnd = -1; // since an attempt last ended (succeeded or failed); -1: none ever did
    qint64 attemptsEnded = 0; // in the window
    qint64 attemptsFailed = 0; // in the window
    std::optional<qint64> waitP95Ms; // in the window; nothing when no task started
    bool forecastKnown = false; // run times were measured, so drainSeconds means something
    std::optional<double> drainSeconds; // the capacity forecast; nothing: it will not drain
    qint64 longestWorkerSilenceMs = 0; // since the last beat of the lost worker processes serving the queue; 0: none
};

// The figure `rule` compares with its threshold (milliseconds for times, a share for the failure rate, 1 or 0 for
// "will not drain"); nothing when there is too little to judge (fewer attempts than the rule's minimum volume),
// which counts as clear.
std::optional<double> alertFigure(const AlertRule& rule, const AlertObservation& observation);

// A rule's progress between evaluations. Pending: the condition holds, not yet for the rule's forMs.
struct AlertRuleState {
    enum class Phase { Ok, Pending, Firing };
    Phase phase = Phase::Ok;
    qint64 since = 0; // when the phase began
    qint64 clearSince = 0; // Firing: when the figure went clear (0: it is not)
    double figure = 0; // at the last evaluation
    QJsonObject rule; // the rule's definition when evaluated: a changed rule starts over
};

struct AlertTransition {
    enum class Kind { Fired, Resolved };
    Kind kind = Kind::Fired;
    qint64 ruleId = 0;
    QString ruleName;
    qint64 at = 0;
    double figure = 0;
    QString message; // "length of images above 1,000 for 5 min (now 1,234)"
    QString webhook; // the rule's
    AlertCommand command; // the rule's
};

// A transition as the outside sees it: the webhook's body and an alert command's standard input.
// {"ruleId", "rule", "status": "firing"|"resolved", "at": ISO time, "figure" (null: never drains), "message"}
QJsonObject alertTransitionJson(const AlertTransition& transition);

// Decides when rules fire and resolve, with hysteresis: a rule fires once its condition has held at every
// evaluation for forMs; it resolves once its figure has stayed at or below 90% of the threshold for clearForMs().
// A figure between the two keeps a firing rule firing and a pending one from firing, so a figure hovering at the
// threshold gives one firing, not a flap per evaluation. A disabled or removed rule that fires resolves.
//
// Thread contract: a value owned by one thread; evaluate() takes the time as an argument (tests inject a clock).
class AlertEvaluator {
public:
    // Evaluates every rule against the observation of its queue ("" for all queues) and returns what changed.
    QList<AlertTransition> evaluate(
        const QList<AlertRule>& rules, const std::function<AlertObservation(const AlertRule&)>& observe, qint64 now);

    const QHash<qint64, AlertRuleState>& states() const { return m_states; }
    bool isFiring(qint64 ruleId) const;
    // Every rule's state as JSON text, and back: the monitor that takes over from another process goes on where
    // it stood (a firing rule stays firing, a pending one keeps its start). Unreadable text restores nothing.
    QByteArray saveStates() const;
    void restoreStates(const QByteArray& json);

private:
    QHash<qint64, AlertRuleState> m_states;
};

} // namespace qd
