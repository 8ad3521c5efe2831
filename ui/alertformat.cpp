#include "alertformat.h"

#include "taskformat.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLocale>

#include <cmath>

namespace qd::ui {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("qd::ui::AlertFormat", text);
}

bool isTimed(AlertCondition condition)
{
    return condition != AlertCondition::QueueLength && condition != AlertCondition::FailureRate
        && condition != AlertCondition::WillNotDrain;
}

} // namespace

QString formatAlertTime(qint64 ms, qint64 now)
{
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(ms);
    return at.date() == QDateTime::fromMSecsSinceEpoch(now).date() ? at.toString(QStringLiteral("HH:mm:ss"))
                                                                   : formatTimestamp(ms);
}

QString formatAlertFigure(AlertCondition condition, double figure)
{
    if (std::isinf(figure))
        return tr("never");
    switch (condition) {
    case AlertCondition::QueueLength:
        return formatCount(std::llround(figure));
    case AlertCondition::FailureRate:
        return QStringLiteral("%1%").arg(QLocale().toString(figure * 100, 'f', 1));
    case AlertCondition::WillNotDrain:
        return figure > 0 ? tr("will not drain") : tr("drains");
    default:
        return formatDuration(qint64(figure));
    }
}

QString formatAlertThreshold(const AlertRule& rule)
{
    if (rule.condition == AlertCondition::WillNotDrain)
        return QStringLiteral("\u2014");
    if (isTimed(rule.condition))
        return formatDuration(qint64(rule.threshold));
    return formatAlertFigure(rule.condition, rule.threshold);
}

QString formatAlertState(const AlertRuleState& state, qint64 now)
{
    switch (state.phase) {
    case AlertRuleState::Phase::Ok:
        return tr("ok");
    case AlertRuleState::Phase::Pending:
        return tr("pending since %1").arg(formatAlertTime(state.since, now));
    case AlertRuleState::Phase::Firing:
        return tr("firing since %1").arg(formatAlertTime(state.since, now));
    }
    return {};
}

QColor alertStateColor(AlertRuleState::Phase phase)
{
    switch (phase) {
    case AlertRuleState::Phase::Ok:
        return QColor(0x2c, 0xa0, 0x2c);
    case AlertRuleState::Phase::Pending:
        return QColor(0xb3, 0x6b, 0x00);
    case AlertRuleState::Phase::Firing:
        return QColor(0xd6, 0x27, 0x28);
    }
    return {};
}

QString alertConditionTitle(AlertCondition condition)
{
    switch (condition) {
    case AlertCondition::QueueLength:
        return tr("Tasks waiting above");
    case AlertCondition::OldestQueuedAge:
        return tr("Oldest queued task older than");
    case AlertCondition::FailureRate:
        return tr("Failure rate above");
    case AlertCondition::Stall:
        return tr("Stall: nothing ended while tasks wait, for");
    case AlertCondition::WaitP95:
        return tr("Wait p95 above");
    case AlertCondition::WillNotDrain:
        return tr("Forecast: will not drain");
    case AlertCondition::DrainTime:
        return tr("Forecast drain time above");
    case AlertCondition::WorkerSilent:
        return tr("A worker process silent for");
    }
    return {};
}

QString alertConditionShortName(AlertCondition condition)
{
    switch (condition) {
    case AlertCondition::QueueLength:
        return tr("tasks waiting");
    case AlertCondition::OldestQueuedAge:
        return tr("oldest task's age");
    case AlertCondition::FailureRate:
        return tr("failure rate");
    case AlertCondition::Stall:
        return tr("stall");
    case AlertCondition::WaitP95:
        return tr("wait p95");
    case AlertCondition::WillNotDrain:
        return tr("will not drain");
    case AlertCondition::DrainTime:
        return tr("drain time");
    case AlertCondition::WorkerSilent:
        return tr("worker silent");
    }
    return {};
}

} // namespace qd::ui
