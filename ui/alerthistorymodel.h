#pragma once

#include "alertwatcher.h"

#include <QAbstractTableModel>

namespace qd::ui {

// The alert history of an AlertSnapshot, newest first: time, fired or resolved, rule and the figure; the message
// ("length of images above 5 (now 21)") is each row's tooltip.
// New entries are inserted at the top, so rows already shown keep their selection.
//
// Thread contract: GUI thread only.
class AlertHistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, KindColumn, FigureColumn, RuleColumn, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // `rules` give the figures their units (a removed rule's figure shows as a plain number).
    void setHistory(const QList<AlertHistoryRecord>& history, const QList<AlertRuleStatus>& rules, qint64 now);
    const QList<AlertHistoryRecord>& history() const { return m_history; }

private:
    QString text(const AlertHistoryRecord& h, int column) const;

    QList<AlertHistoryRecord> m_history;
    QHash<qint64, AlertCondition> m_conditions;
    qint64 m_now = 0;
};

} // namespace qd::ui
