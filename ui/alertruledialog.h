#pragma once

#include "core/monitoring/alertrule.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSpinBox;
class QStackedWidget;

namespace qd {
class HandlerRegistry;
}

namespace qd::ui {

class DurationEdit;

// Adds or edits an alert rule. Shows only the fields the chosen condition needs; checks the rule as the admin types
// with AlertRule::fromJson (the rule's one validation, shared with the CLI and the monitor) and the webhook with the
// notify handler's own validation (its network policy) and the command's program with this process's command
// allow-list (commandRefusal(), the one the monitor applies), showing the reason beside the field. OK stays
// disabled, with the reason, while the rule is invalid.
//
// Thread contract: GUI thread only. It never writes: the caller stores definition() in the background.
class AlertRuleDialog : public QDialog {
    Q_OBJECT
public:
    AlertRuleDialog(const HandlerRegistry& handlers, const QStringList& queues, QWidget* parent = nullptr);

    // Edits `rule` (its id is kept); without a call the dialog adds a new rule.
    void setRule(const AlertRule& rule);
    void setCondition(AlertCondition condition);
    void setQueue(const QString& queue); // "" for all queues

    bool isInputValid() const { return m_rule.has_value(); }
    // Why OK is disabled; "" when the rule is valid.
    QString validationMessage() const { return m_problem; }
    // The rule as typed; only when isInputValid().
    AlertRule rule() const;
    // Its stored form (compact JSON, without the id).
    QByteArray definition() const;
    qint64 ruleId() const { return m_id; }

private:
    void validate();
    void showConditionFields();
    QJsonObject typed() const;
    AlertCondition condition() const;

    const HandlerRegistry& m_handlers;
    qint64 m_id = 0;
    QFormLayout* m_form;
    QLineEdit* m_name;
    QComboBox* m_condition;
    QComboBox* m_queue;
    QStackedWidget* m_threshold; // one of the three below, as the condition counts
    QDoubleSpinBox* m_count; // length
    QDoubleSpinBox* m_percent; // failure rate
    DurationEdit* m_duration; // timed thresholds
    DurationEdit* m_for;
    QComboBox* m_window;
    QSpinBox* m_minVolume;
    QLineEdit* m_webhook;
    QLabel* m_webhookProblem;
    QLineEdit* m_program;
    QLineEdit* m_arguments; // words; "two words" is one, \" a quote (no shell is involved)
    DurationEdit* m_commandTimeout;
    QLabel* m_commandProblem;
    QCheckBox* m_enabled;
    QLabel* m_summary;
    QDialogButtonBox* m_buttons;
    std::optional<AlertRule> m_rule;
    QString m_problem;
};

} // namespace qd::ui
