#pragma once

#include "core/monitoring/alertrule.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;

namespace qd::ui {

class AlertHistoryModel;
class AlertRulesModel;
class AlertWatcher;
struct AlertSnapshot;

// The Alerts panel: the rules with their states (AlertRulesModel) beside the history, newest first
// (AlertHistoryModel), from the AlertWatcher's snapshots; Add, Edit, Remove, Enable and Disable for the selected
// rule, and a line saying which process evaluates the rules. The panel only asks (the *Requested signals); the window
// confirms, edits and writes in the background.
//
// Thread contract: GUI thread only.
class AlertsPanel : public QWidget {
    Q_OBJECT
public:
    explicit AlertsPanel(AlertWatcher* watcher, QWidget* parent = nullptr);

    AlertRulesModel* rulesModel() const { return m_rules; }
    AlertHistoryModel* historyModel() const { return m_history; }
    QTableView* rulesView() const { return m_rulesView; }
    QTableView* historyView() const { return m_historyView; }
    QLabel* evaluatorLabel() const { return m_evaluator; }

    // A read-only window shows the rules but cannot change them.
    void setWritable(bool writable);
    // The selected rule; nothing when none is selected or it cannot be read.
    std::optional<AlertRule> selectedRule() const;
    void selectRule(qint64 id);

Q_SIGNALS:
    void addRequested();
    void editRequested(const qd::AlertRule& rule);
    void removeRequested(const qd::AlertRule& rule);
    void enableRequested(const qd::AlertRule& rule, bool enabled);

private:
    void apply(const AlertSnapshot& snapshot);
    void updateButtons();

    AlertWatcher* m_watcher;
    AlertRulesModel* m_rules;
    AlertHistoryModel* m_history;
    QTableView* m_rulesView;
    QTableView* m_historyView;
    QPushButton* m_add;
    QPushButton* m_edit;
    QPushButton* m_remove;
    QPushButton* m_enable;
    QPushButton* m_disable;
    QLabel* m_evaluator;
    bool m_writable = true;
};

} // namespace qd::ui
