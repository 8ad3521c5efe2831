#include "alertrulesmodel.h"

#include "alertformat.h"
#include "taskformat.h"

namespace qd::ui {

int AlertRulesModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rules.size());
}

int AlertRulesModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

int AlertRulesModel::rowOf(qint64 id) const
{
    for (int row = 0; row < m_rules.size(); ++row) {
        if (m_rules.at(row).id == id)
            return row;
    }
    return -1;
}

void AlertRulesModel::setRules(const QList<AlertRuleStatus>& rules, qint64 now)
{
    m_now = now;
    bool sameRows = rules.size() == m_rules.size();
    for (int i = 0; sameRows && i < rules.size(); ++i)
        sameRows = rules.at(i).id == m_rules.at(i).id;
    if (!sameRows) {
        beginResetModel();
        m_rules = rules;
        endResetModel();
        return;
    }
    m_rules = rules;
    if (!m_rules.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

QString AlertRulesModel::text(const AlertRuleStatus& s, int column) const
{
    if (!s.rule) {
        if (column == NameColumn)
            return tr("rule %1").arg(s.id);
        if (column == ConditionColumn)
            return tr("unreadable: %1").arg(s.unreadable);
        return {};
    }
    const AlertRule& rule = *s.rule;
    switch (column) {
    case NameColumn:
        return rule.name.isEmpty() ? tr("rule %1").arg(s.id) : rule.name;
    case ConditionColumn:
        return alertConditionShortName(rule.condition);
    case QueueColumn:
        return rule.queue.isEmpty() ? tr("all") : rule.queue;
    case ThresholdColumn:
        return formatAlertThreshold(rule);
    case ForColumn:
        return rule.forMs > 0 ? formatDuration(rule.forMs) : tr("at once");
    case EnabledColumn:
        return rule.enabled ? tr("yes") : tr("no");
    case StateColumn:
        return rule.enabled ? formatAlertState(s.state, m_now) : tr("disabled");
    }
    return {};
}

QVariant AlertRulesModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rules.size())
        return {};
    const AlertRuleStatus& s = m_rules.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return text(s, index.column());
    case Qt::ToolTipRole:
        if (index.column() != StateColumn)
            return s.rule ? s.rule->describe() : s.unreadable;
        if (index.column() == StateColumn && s.rule && s.rule->enabled && s.state.phase != AlertRuleState::Phase::Ok)
            return tr("Last figure: %1").arg(formatAlertFigure(s.rule->condition, s.state.figure));
        return {};
    case Qt::ForegroundRole:
        if (index.column() == StateColumn && s.rule && s.rule->enabled)
            return alertStateColor(s.state.phase);
        return {};
    case RuleIdRole:
        return s.id;
    case EnabledRole:
        return s.rule && s.rule->enabled;
    case PhaseRole:
        return int(s.state.phase);
    }
    return {};
}

QVariant AlertRulesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == EnabledColumn)
        return tr("Enabled: evaluated; a disabled rule never fires");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case ConditionColumn:
        return tr("Condition");
    case QueueColumn:
        return tr("Queue");
    case ThresholdColumn:
        return tr("Threshold");
    case ForColumn:
        return tr("For");
    case EnabledColumn:
        return tr("On");
    case StateColumn:
        return tr("State");
    }
    return {};
}

} // namespace qd::ui
