#pragma once

#include "core/monitoring/alertevaluator.h"

#include <QColor>
#include <QString>

namespace qd::ui {

// How alert rules look in the window, so the panel, the banner and the dialog agree.
QString formatAlertThreshold(const AlertRule& rule); // "1,000", "5.0%", "2m 00s"; "—" when unused
// A figure of `condition` as the history shows it ("1,234", "12.5%", "4.2 s", "never").
QString formatAlertFigure(AlertCondition condition, double figure);
// "ok", "pending since 12:03:04", "firing since 2026-12-04 23:59:01" (the date only when not today).
QString formatAlertState(const AlertRuleState& state, qint64 now);
QColor alertStateColor(AlertRuleState::Phase phase);
// The conditions as the editor offers them, in words ("Tasks waiting above").
QString alertConditionTitle(AlertCondition condition);
// What a condition watches, short, for a table column ("tasks waiting", "failure rate").
QString alertConditionShortName(AlertCondition condition);
// A moment as the alert tables show it: the time of day, with the date when it is not `now`'s day.
QString formatAlertTime(qint64 ms, qint64 now);

} // namespace qd::ui
