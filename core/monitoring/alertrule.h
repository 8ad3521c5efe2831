#pragma once

#include "../result.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <optional>

namespace qd {

// What an alert rule watches. Each reads one figure of a queue (or of all queues) and holds when it is above the
// rule's threshold; the unit of the threshold is the figure's.
enum class AlertCondition {
    QueueLength, // tasks waiting (queued), above N
    OldestQueuedAge, // age of the oldest queued task, above T ms
    FailureRate, // failed share of the attempts that ended in the window, above x (0..1), with a minimum volume
    Stall, // no attempt ended for T ms while a task has waited at least that long
    WaitP95, // 95th percentile of the wait before a start, in the window, above T ms
    WillNotDrain, // the capacity forecast says the queue will not drain (threshold unused)
    DrainTime, // the forecast time to empty above T seconds (never draining counts as above)
    // A process with workers serving the queue stopped beating (lost: see ProcessRecord) and has been silent for
    // more than T ms since its last beat.
    WorkerSilent,
};

// A program an alert rule runs on each firing and resolution: no shell, the arguments as they are, the transition as
// JSON on its standard input and in QD_ALERT_* variables. Runs only if the evaluating process's command allow-list
// has the program (see alertcommandrunner.h).
struct AlertCommand {
    static constexpr qint64 defaultTimeoutMs = 30'000;
    static constexpr qint64 maxTimeoutMs = 10 * 60'000;

    QString program; // empty: no command
    QStringList args;
    qint64 timeoutMs = defaultTimeoutMs; // then SIGTERM, and SIGKILL shortly after

    bool isEmpty() const { return program.isEmpty(); }
    friend bool operator==(const AlertCommand&, const AlertCommand&) = default;
};

// One rule, as stored and edited. Pure value; any thread.
struct AlertRule {
    qint64 id = 0;
    QString name; // shown in banners and history; defaults to describe()
    QString queue; // empty: all queues together
    AlertCondition condition = AlertCondition::QueueLength;
    double threshold = 0;
    qint64 forMs = 0; // the condition must hold this long before the rule fires
    qint64 windowMs = 5 * 60'000; // FailureRate and WaitP95: the window they are measured over
    qint64 minVolume = 20; // FailureRate: fewer ended attempts in the window is too little to judge
    bool enabled = true;
    // Where each firing and resolution is POSTed as JSON (a "notify" task in the queue "alerts", so it gets the
    // notify handler's retries and network policy); empty: none.
    QString webhook;
    AlertCommand command; // run on each firing and resolution; empty: none

    // How long the condition must stay clear before a firing rule resolves: as long as it had to hold, at least 30 s.
    qint64 clearForMs() const { return std::max<qint64>(forMs, 30'000); }
    // "length of images above 1,000 for 5 min"
    QString describe() const;
    QString displayName() const { return name.isEmpty() ? describe() : name; }

    QJsonObject toJson() const;
    // A rule from its stored or typed form; the error names the field, so an editor can show it as the admin types.
    static Result<AlertRule> fromJson(const QJsonObject& json);
};

QString alertConditionName(AlertCondition condition); // "length", "oldest-age", "failure-rate", ...
std::optional<AlertCondition> alertConditionFromName(QStringView name);

} // namespace qd
