#pragma once

#include "alertwatcher.h"

#include <QAbstractTableModel>

namespace qd::ui {

// The alert rules of an AlertSnapshot, one row each by id: name, what the condition watches, queue, threshold and
// for, enabled, and the state (ok, pending or firing, with since); the whole rule in words as every cell's tooltip. A
// new snapshot with the same rules changes cells in place, so the selection and the scroll position stay.
//
// Thread contract: GUI thread only.
class AlertRulesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        ConditionColumn,
        QueueColumn,
        ThresholdColumn,
        ForColumn,
        EnabledColumn,
        StateColumn,
        ColumnCount
    };
    enum Role { RuleIdRole = Qt::UserRole + 1, EnabledRole, PhaseRole };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setRules(const QList<AlertRuleStatus>& rules, qint64 now);
    const QList<AlertRuleStatus>& rules() const { return m_rules; }
    // The row of a rule by id, -1 when there is none.
    int rowOf(qint64 id) const;

private:
    QString text(const AlertRuleStatus& s, int column) const;

    QList<AlertRuleStatus> m_rules;
    qint64 m_now = 0;
};

} // namespace qd::ui
