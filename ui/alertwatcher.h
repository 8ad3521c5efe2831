#pragma once

#include "core/alertrecords.h"
#include "core/monitoring/alertevaluator.h"
#include "core/monitoring/alertmonitor.h"
#include "core/storeoptions.h"

#include <QObject>
#include <QThread>

#include <functional>
#include <optional>

namespace qd::ui {

// One stored rule with the state its evaluator saved. `rule` is empty when the stored definition cannot be read
// (written by a newer version or by hand); `unreadable` then says why.
struct AlertRuleStatus {
    qint64 id = 0;
    std::optional<AlertRule> rule;
    QString unreadable;
    AlertRuleState state; // Ok when never evaluated
};

// What the window shows of the alert rules, as read at one moment.
struct AlertSnapshot {
    QList<AlertRuleStatus> rules; // by id
    QList<AlertHistoryRecord> history; // newest first
    QString evaluator; // the process holding the monitor's lease; empty when none does
    bool evaluatingHere = false;
    qint64 readAt = 0;

    // The enabled rules that fire now.
    QList<AlertRuleStatus> firing() const;
};

// Evaluates the database's alert rules the way `queuedesk-cli monitor` does (the same AlertMonitor and lease: this
// window evaluates only while no other process holds the lease, so a firing is recorded and notified once across
// processes), and reads the rules, their states and the history for the window. Both run on a thread of its own with
// a TaskStore of its own, every `intervalMs` and on refresh().
//
// Thread contract: create, use and destroy on the GUI thread; the clock is called on the watcher's thread, and once
// on the GUI thread as it is created (startedAt()). Signals
// are emitted on the GUI thread. Destroying it gives the lease up (so another process takes over at once) and waits
// for the evaluation in progress.
class AlertWatcher : public QObject {
    Q_OBJECT
public:
    struct Options {
        bool evaluate = true; // false: only read (a read-only window)
        int intervalMs = 5000;
        qint64 leaseMs = AlertMonitor::defaultLeaseMs;
        std::function<qint64()> clock; // default: the system clock; tests inject one
        CommandPermission commands; // the rules' commands this window may run (commandAllowList()); none: refused
        int historyLimit = 200;
    };

    AlertWatcher(const StoreOptions& store, Options options, QObject* parent = nullptr);
    ~AlertWatcher() override;

    // Starts evaluating (at once, then every intervalMs).
    void start();
    // Evaluates and reads again now, after the ones already asked for (after a write of a rule).
    void refresh();

    const AlertSnapshot& snapshot() const { return m_snapshot; }
    // The lease owner this watcher evaluates as: "gui:HOST:PID:N".
    QString owner() const { return m_owner; }
    int intervalMs() const { return m_intervalMs; }
    // The clock's time when the watcher was created: the window's start, for which firings are news.
    qint64 startedAt() const { return m_startedAt; }

Q_SIGNALS:
    void snapshotChanged(const qd::ui::AlertSnapshot& snapshot);
    // Firings and resolutions this watcher's evaluation recorded (so none while another process evaluates).
    void transitionsRecorded(const QList<qd::AlertTransition>& transitions);
    // A read or an evaluation failed; said once per distinct message.
    void failed(const QString& message);

private:
    class Loop;
    void apply(
        const std::optional<AlertSnapshot>& snapshot, const QList<AlertTransition>& transitions, const QString& error);

    QString m_owner;
    int m_intervalMs;
    qint64 m_startedAt;
    QThread m_thread;
    Loop* m_loop;
    AlertSnapshot m_snapshot;
    QString m_lastError;
};

} // namespace qd::ui
