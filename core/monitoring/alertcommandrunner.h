#pragma once

#include "../alertrecords.h"
#include "alertevaluator.h"

#include <QMutex>
#include <QThreadPool>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace qd {

class HandlerRegistry;

// Whether this process may run `program` as an alert's command: nothing when it may, else why not.
using CommandPermission = std::function<std::optional<QString>(const QString& program)>;

// The process's command allow-list, as the "command" handler of `handlers` applies it: an alert's command runs
// exactly when a "command" task with that program could (refused when the handler is missing or disabled). The one
// place the alert monitor's allow-list comes from: point it at another source here.
std::optional<QString> commandRefusal(const HandlerRegistry& handlers, const QString& program);
CommandPermission commandAllowList(std::shared_ptr<const HandlerRegistry> handlers);

// History kinds of what became of a command: ran and exited 0; did not run to a clean end (a non-zero exit, a
// crash, a timeout, a program that cannot start, a stop); not on the allow-list.
inline constexpr QLatin1String commandRanKind("command");
inline constexpr QLatin1String commandFailedKind("command-failed");
inline constexpr QLatin1String commandRefusedKind("command-refused");

// The history row of a refused command, for transition `t`.
AlertHistoryRecord refusedCommandRecord(const AlertTransition& t, const QString& reason);

// Runs `t.command` to its end (blocking): no shell, the transition as JSON on its standard input and in QD_ALERT_*
// variables (RULE_ID, RULE, STATUS, AT, FIGURE, MESSAGE), killed after its timeout or once `cancel` turns true
// (SIGTERM, then SIGKILL). The history row says how it ended, with the tails of its output; its `at` is the
// transition's plus the run's duration, so it sorts after the transition on the evaluator's clock.
AlertHistoryRecord runAlertCommand(const AlertTransition& t, const std::atomic<bool>& cancel);

// Runs alert commands on threads of its own, so an evaluation never waits for one, and keeps their outcomes until
// the monitor records them.
//
// Thread contract: a member of one AlertMonitor, used on its thread; the commands run on the runner's pool. The
// destructor stops the running commands and waits for them (at most about a second).
class AlertCommandRunner {
public:
    AlertCommandRunner();
    ~AlertCommandRunner();
    AlertCommandRunner(const AlertCommandRunner&) = delete;
    AlertCommandRunner& operator=(const AlertCommandRunner&) = delete;

    void start(const AlertTransition& t);
    // The outcomes of the commands that ended since the last call, in the order they ended.
    QList<AlertHistoryRecord> takeFinished();
    // Outcomes that could not be recorded, kept for the next try.
    void putBack(const QList<AlertHistoryRecord>& records);
    // Waits up to timeoutMs (-1: no limit) for the running commands; false when some still run.
    bool waitForAll(int timeoutMs);
    // Stops the running commands and waits for them; their outcomes say they were stopped.
    void stopAll();

private:
    QThreadPool m_pool;
    std::atomic<bool> m_cancel {false};
    QMutex m_mutex;
    QList<AlertHistoryRecord> m_finished; // guarded by m_mutex
};

} // namespace qd
