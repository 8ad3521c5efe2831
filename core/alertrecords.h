#pragma once

#include <QByteArray>
#include <QString>

namespace qd {

// One row of `alert_rules` (schema 4): a rule's definition as JSON text (core/monitoring/alertrule.h reads it), so
// the store needs no knowledge of what rules watch.
struct AlertRuleRecord {
    qint64 id = 0;
    QByteArray definition;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
};

// One row of `alert_history`: a rule fired or resolved. Kept through purges of tasks; exported like the rest.
struct AlertHistoryRecord {
    qint64 id = 0;
    qint64 ruleId = 0;
    QString ruleName;
    QString kind; // "fired" or "resolved"
    qint64 at = 0;
    double figure = 0;
    QString message;
};

// The one row of `alert_monitor`: which process evaluates the rules, until when, and the rule states it saved
// (AlertEvaluator::saveStates). Read by windows that show the states without evaluating.
struct AlertMonitorRecord {
    QString owner; // empty: none
    qint64 leaseExpiresAt = 0;
    QByteArray states;
};

} // namespace qd
