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
// The conditions as the editor offers them, in words.
QString alertConditionTitle(AlertCondition condition);

} // namespace qd::ui
