#include "alerthistorymodel.h"

#include "alertformat.h"
#include "core/monitoring/alertcommandrunner.h"
#include "taskformat.h"

#include <QLocale>

#include <algorithm>

#include <cmath>

namespace qd::ui {

int AlertHistoryModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_history.size());
}

int AlertHistoryModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

void AlertHistoryModel::setHistory(
    const QList<AlertHistoryRecord>& history, const QList<AlertRuleStatus>& rules, qint64 now)
{
    m_now = now;
    m_conditions.clear();
    for (const AlertRuleStatus& s : rules) {
        if (s.rule)
            m_conditions.insert(s.id, s.rule->condition);
    }
    // Newer entries on top of the ones shown: insert them, so rows shown keep their place in the selection.
    qsizetype added = -1;
    for (qsizetype i = 0; !m_history.isEmpty() && i < history.size(); ++i) {
        if (history.at(i).id == m_history.first().id) {
            added = i;
            break;
        }
    }
    const bool prepended = added >= 0 && history.size() - added == m_history.size()
        && std::equal(history.cbegin() + added, history.cend(), m_history.cbegin(),
            [](const AlertHistoryRecord& a, const AlertHistoryRecord& b) { return a.id == b.id; });
    if (!prepended) {
        beginResetModel();
        m_history = history;
        endResetModel();
        return;
    }
    if (added > 0) {
        beginInsertRows({}, 0, int(added) - 1);
        m_history = history;
        endInsertRows();
    }
    // A rule's condition, and so the unit of its figures, may have changed; and the day, which times show.
    if (!m_history.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

QString AlertHistoryModel::text(const AlertHistoryRecord& h, int column) const
{
    switch (column) {
    case TimeColumn:
        return formatAlertTime(h.at, m_now);
    case KindColumn:
        // A command's outcome in a word that fits beside "fired" and "resolved"; the tooltip has the whole message.
        if (h.kind == commandRanKind)
            return tr("ran");
        if (h.kind == commandFailedKind)
            return tr("run failed");
        if (h.kind == commandRefusedKind)
            return tr("refused");
        return h.kind;
    case RuleColumn:
        return h.ruleName;
    case FigureColumn:
        if (h.kind.startsWith(QLatin1String("command"))) // a command's outcome: its exit code, when it has one
            return std::isfinite(h.figure) ? tr("exit %1").arg(qint64(h.figure)) : QString();
        if (const auto it = m_conditions.constFind(h.ruleId); it != m_conditions.constEnd())
            return formatAlertFigure(*it, h.figure);
        return std::isinf(h.figure) ? tr("never") : QLocale().toString(h.figure, 'g', 4);
    }
    return {};
}

QVariant AlertHistoryModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_history.size())
        return {};
    const AlertHistoryRecord& h = m_history.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return text(h, index.column());
    case Qt::ToolTipRole:
        return index.column() == TimeColumn ? formatTimestamp(h.at) : h.message;
    case Qt::ForegroundRole:
        if (index.column() == KindColumn)
            return alertStateColor(h.kind == u"fired" || h.kind == commandFailedKind || h.kind == commandRefusedKind
                    ? AlertRuleState::Phase::Firing
                    : AlertRuleState::Phase::Ok);
        return {};
    }
    return {};
}

QVariant AlertHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case KindColumn:
        return tr("Event");
    case RuleColumn:
        return tr("Rule");
    case FigureColumn:
        return tr("Value");
    }
    return {};
}

} // namespace qd::ui
