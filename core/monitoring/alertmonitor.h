#pragma once

#include "../taskstore.h"
#include "alertcommandrunner.h"
#include "alertevaluator.h"

#include <QHash>
#include <QString>

namespace qd {

// Evaluates the database's alert rules, one process at a time across processes and hosts: each evaluateOnce()
// takes or renews the monitor's lease (leaseMs), and only the holder reads the figures, runs the AlertEvaluator
// and saves the rule states with the firings and resolutions in one transaction. A process that takes the lease
// over goes on from the saved states, so a firing is recorded once, whichever process sees it.
//
// A rule's command runs in the evaluating process after its transition committed (at most once: a process that
// dies first never runs it), on the runner's threads, only when `commands` allows the program; a refusal is
// recorded with the transition, and the outcome of a run at the next evaluation (or at stop()).
//
// Thread contract: used on the thread that owns `store`; evaluateOnce() blocks on the database.
class AlertMonitor {
public:
    static constexpr qint64 defaultLeaseMs = 15'000;

    // `commands`: the process's allow-list (commandAllowList()); none refuses every command.
    AlertMonitor(TaskStore& store, QString owner, qint64 leaseMs = defaultLeaseMs, CommandPermission commands = {});

    // What one evaluation changed; empty when another process holds the lease (holdsLease() says which).
    Result<QList<AlertTransition>> evaluateOnce(qint64 now);
    bool holdsLease() const { return m_holdsLease; }
    // Waits up to timeoutMs (-1: no limit) for the commands started so far; false when some still run.
    bool waitForCommands(int timeoutMs) { return m_commands.waitForAll(timeoutMs); }
    // Stops the running commands, records what became of them, and gives the lease up so another process takes
    // over at once.
    Status stop();

private:
    // The figures of `rule`'s queue over its window, read once per queue and span in one evaluation.
    Result<AlertObservation> observe(const AlertRule& rule, qint64 now);

    TaskStore& m_store;
    const QString m_owner;
    const qint64 m_leaseMs;
    const CommandPermission m_permission;
    AlertCommandRunner m_commands;
    bool m_holdsLease = false;
    AlertEvaluator m_evaluator;
    // Per evaluation: read once, shared by the rules that need them.
    QHash<qint64, QHash<QString, ServiceStats>> m_served; // by span
    std::optional<QHash<QString, qint64>> m_oldest;
    std::optional<QHash<QString, StateCounts>> m_counts;
    std::optional<QList<ProcessRecord>> m_processes; // the heartbeat rows
};

} // namespace qd
