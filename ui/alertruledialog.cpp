#include "alertruledialog.h"

#include "alertformat.h"
#include "core/handlerregistry.h"
#include "core/handlers/notifyhandler.h"
#include "core/monitoring/alertcommandrunner.h"
#include "durationedit.h"
#include "taskformat.h"
#include "themecolors.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <optional>

namespace qd::ui {

namespace {

constexpr AlertCondition allConditions[]
    = {AlertCondition::QueueLength, AlertCondition::OldestQueuedAge, AlertCondition::FailureRate, AlertCondition::Stall,
        AlertCondition::WaitP95, AlertCondition::WillNotDrain, AlertCondition::DrainTime, AlertCondition::WorkerSilent};

constexpr qint64 windowChoicesMs[] = {60'000, 5 * 60'000, 15 * 60'000, 30 * 60'000, 3'600'000, 6 * 3'600'000};

bool isTimed(AlertCondition c)
{
    return c != AlertCondition::QueueLength && c != AlertCondition::FailureRate && c != AlertCondition::WillNotDrain;
}

// The rule's errors name JSON fields ("threshold" must ...): here they are named as the form names them.
QString asFormText(QString message)
{
    static const std::pair<const char*, const char*> names[] = {{"\"threshold\"", "Threshold"}, {"\"forMs\"", "For"},
        {"\"windowMs\"", "Window"}, {"\"minVolume\"", "Minimum volume"}, {"\"webhook\"", "Webhook"},
        {"\"url\"", "Webhook"}, {"\"queue\"", "Queue"}, {"\"name\"", "Name"}, {"\"condition\"", "Condition"},
        {"\"command.program\"", "Command"}, {"\"command.args\"", "Arguments"},
        {"\"command.timeoutMs\"", "Command timeout"}, {"\"command\"", "Command"}};
    for (const auto& [field, label] : names)
        message.replace(QLatin1String(field), AlertRuleDialog::tr(label));
    if (!message.isEmpty())
        message[0] = message[0].toUpper();
    return message;
}

// The arguments field: words split at spaces; double quotes group ("two words", "" is an empty argument) and a
// backslash takes the next character as it is. Nothing when a quote is left open.
std::optional<QStringList> splitArguments(const QString& text)
{
    QStringList args;
    QString word;
    bool inWord = false;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('\\') && i + 1 < text.size()) {
            word += text.at(++i);
            inWord = true;
        } else if (c == QLatin1Char('"')) {
            quoted = !quoted;
            inWord = true;
        } else if (c.isSpace() && !quoted) {
            if (inWord)
                args.append(std::exchange(word, QString()));
            inWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    if (quoted)
        return std::nullopt;
    if (inWord)
        args.append(word);
    return args;
}

// The inverse of splitArguments, for a rule's arguments shown in the field.
QString joinArguments(const QStringList& args)
{
    QStringList shown;
    for (QString arg : args) {
        const bool plain = !arg.isEmpty() && std::none_of(arg.cbegin(), arg.cend(), [](QChar c) {
            return c.isSpace() || c == QLatin1Char('"') || c == QLatin1Char('\\');
        });
        if (!plain)
            arg = QLatin1Char('"')
                + arg.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('"'), QLatin1String("\\\""))
                + QLatin1Char('"');
        shown.append(arg);
    }
    return shown.join(QLatin1Char(' '));
}

QLabel* problemLabel(QWidget* parent, const QString& name, int lines = 2)
{
    auto* label = new QLabel(parent);
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setStyleSheet(textColorStyle(errorTextColor()));
    // Room for its lines, shown or not: the dialog never jumps as the admin types.
    label->setMinimumHeight(label->fontMetrics().lineSpacing() * lines + 2);
    label->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    return label;
}

} // namespace

AlertRuleDialog::AlertRuleDialog(const HandlerRegistry& handlers, const QStringList& queues, QWidget* parent)
    : QDialog(parent)
    , m_handlers(handlers)
    , m_form(new QFormLayout)
    , m_name(new QLineEdit(this))
    , m_condition(new QComboBox(this))
    , m_queue(new QComboBox(this))
    , m_threshold(new QStackedWidget(this))
    , m_count(new QDoubleSpinBox(this))
    , m_percent(new QDoubleSpinBox(this))
    , m_duration(new DurationEdit(this))
    , m_for(new DurationEdit(this))
    , m_window(new QComboBox(this))
    , m_minVolume(new QSpinBox(this))
    , m_webhook(new QLineEdit(this))
    , m_webhookProblem(problemLabel(this, QStringLiteral("ruleWebhookProblem")))
    , m_program(new QLineEdit(this))
    , m_arguments(new QLineEdit(this))
    , m_commandTimeout(new DurationEdit(this))
    , m_commandProblem(problemLabel(this, QStringLiteral("ruleCommandProblem"), 3))
    , m_enabled(new QCheckBox(tr("Evaluate this rule"), this))
    , m_summary(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Add alert rule"));
    setMinimumWidth(580);
    m_name->setObjectName(QStringLiteral("ruleName"));
    m_condition->setObjectName(QStringLiteral("ruleCondition"));
    for (AlertCondition c : allConditions)
        m_condition->addItem(alertConditionTitle(c), alertConditionName(c));
    m_queue->setObjectName(QStringLiteral("ruleQueue"));
    m_queue->setEditable(true);
    m_queue->addItem(tr("(all queues)"));
    m_queue->addItems(queues);
    m_count->setObjectName(QStringLiteral("ruleCount"));
    m_count->setDecimals(0);
    m_count->setRange(0, 1e12);
    m_count->setSuffix(tr(" tasks"));
    m_count->setValue(1000);
    m_percent->setObjectName(QStringLiteral("rulePercent"));
    m_percent->setDecimals(1);
    m_percent->setRange(0, 100);
    m_percent->setSuffix(QStringLiteral(" %"));
    m_percent->setValue(5);
    m_duration->setObjectName(QStringLiteral("ruleDuration"));
    m_duration->number()->setMinimum(1); // of any unit: a timed threshold under a second means nothing
    m_duration->setMilliseconds(5 * 60'000);
    m_for->setObjectName(QStringLiteral("ruleFor"));
    m_for->setMilliseconds(0);
    m_window->setObjectName(QStringLiteral("ruleWindow"));
    for (qint64 ms : windowChoicesMs)
        m_window->addItem(ms < 3'600'000 ? tr("%1 min").arg(ms / 60'000) : tr("%1 h").arg(ms / 3'600'000), ms);
    m_window->setCurrentIndex(1);
    m_minVolume->setObjectName(QStringLiteral("ruleMinVolume"));
    m_minVolume->setRange(1, 1'000'000'000);
    m_minVolume->setValue(20);
    m_minVolume->setSuffix(tr(" attempts"));
    m_webhook->setObjectName(QStringLiteral("ruleWebhook"));
    m_webhook->setPlaceholderText(tr("none (https://hooks.example.com/...)"));
    m_webhook->setToolTip(tr("Each firing and resolution is POSTed here as JSON by a notify task in the queue "
                             "\"alerts\", sent by whichever process runs workers."));
    m_program->setObjectName(QStringLiteral("ruleCommand"));
    m_program->setPlaceholderText(tr("none (/usr/local/bin/page-oncall)"));
    m_program->setToolTip(tr("Runs on each firing and resolution, without a shell, with the alert as JSON on its "
                             "input and in QD_ALERT_* variables; only a program on the command allow-list of the "
                             "process evaluating the rules runs. What became of it is kept in the history."));
    m_arguments->setObjectName(QStringLiteral("ruleArguments"));
    m_arguments->setPlaceholderText(tr("none (--team ops \"two words\")"));
    m_commandTimeout->setObjectName(QStringLiteral("ruleCommandTimeout"));
    m_commandTimeout->number()->setMinimum(1);
    m_commandTimeout->setMilliseconds(AlertCommand::defaultTimeoutMs);
    m_enabled->setObjectName(QStringLiteral("ruleEnabled"));
    m_enabled->setChecked(true);
    m_summary->setObjectName(QStringLiteral("ruleSummary"));
    m_summary->setWordWrap(true);
    // Room for two lines of reason: a longer or shorter one never makes the dialog jump.
    m_summary->setMinimumHeight(m_summary->fontMetrics().lineSpacing() * 2 + 4);
    m_summary->setAlignment(Qt::AlignLeft | Qt::AlignTop);

    m_form->addRow(tr("Condition:"), m_condition);
    m_form->addRow(tr("Queue:"), m_queue);
    for (QWidget* page :
        {static_cast<QWidget*>(m_count), static_cast<QWidget*>(m_percent), static_cast<QWidget*>(m_duration)})
        m_threshold->addWidget(page);
    m_form->addRow(tr("Threshold:"), m_threshold);
    m_form->addRow(tr("Window:"), m_window);
    m_form->addRow(tr("Minimum volume:"), m_minVolume);
    m_form->addRow(tr("For:"), m_for);
    m_form->addRow(tr("Name:"), m_name);
    m_form->addRow(tr("Webhook:"), m_webhook);
    m_form->addRow(QString(), m_webhookProblem);
    m_form->addRow(tr("Command:"), m_program);
    m_form->addRow(tr("Arguments:"), m_arguments);
    m_form->addRow(tr("Command timeout:"), m_commandTimeout);
    m_form->addRow(QString(), m_commandProblem);
    m_form->addRow(QString(), m_enabled);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addWidget(m_summary);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (isInputValid())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    connect(m_condition, &QComboBox::currentIndexChanged, this, [this] {
        showConditionFields();
        validate();
    });
    connect(m_queue, &QComboBox::currentTextChanged, this, &AlertRuleDialog::validate);
    connect(m_count, &QDoubleSpinBox::valueChanged, this, &AlertRuleDialog::validate);
    connect(m_percent, &QDoubleSpinBox::valueChanged, this, &AlertRuleDialog::validate);
    connect(m_duration, &DurationEdit::changed, this, &AlertRuleDialog::validate);
    connect(m_for, &DurationEdit::changed, this, &AlertRuleDialog::validate);
    connect(m_window, &QComboBox::currentIndexChanged, this, &AlertRuleDialog::validate);
    connect(m_minVolume, &QSpinBox::valueChanged, this, &AlertRuleDialog::validate);
    connect(m_name, &QLineEdit::textChanged, this, &AlertRuleDialog::validate);
    connect(m_webhook, &QLineEdit::textChanged, this, &AlertRuleDialog::validate);
    connect(m_program, &QLineEdit::textChanged, this, &AlertRuleDialog::validate);
    connect(m_arguments, &QLineEdit::textChanged, this, &AlertRuleDialog::validate);
    connect(m_commandTimeout, &DurationEdit::changed, this, &AlertRuleDialog::validate);
    connect(m_enabled, &QCheckBox::toggled, this, &AlertRuleDialog::validate);
    showConditionFields();
    validate();
}

AlertCondition AlertRuleDialog::condition() const
{
    return alertConditionFromName(m_condition->currentData().toString()).value_or(AlertCondition::QueueLength);
}

void AlertRuleDialog::setCondition(AlertCondition c)
{
    m_condition->setCurrentIndex(m_condition->findData(alertConditionName(c)));
}

void AlertRuleDialog::setQueue(const QString& queue)
{
    if (queue.isEmpty())
        m_queue->setCurrentIndex(0);
    else
        m_queue->setCurrentText(queue);
}

void AlertRuleDialog::setRule(const AlertRule& rule)
{
    m_id = rule.id;
    setWindowTitle(tr("Edit alert rule %1").arg(rule.id));
    setCondition(rule.condition);
    m_name->setText(rule.name);
    setQueue(rule.queue);
    switch (rule.condition) {
    case AlertCondition::QueueLength:
        m_count->setValue(rule.threshold);
        break;
    case AlertCondition::FailureRate:
        m_percent->setValue(rule.threshold * 100);
        break;
    case AlertCondition::WillNotDrain:
        break;
    default:
        m_duration->setMilliseconds(qint64(rule.threshold));
    }
    m_for->setMilliseconds(rule.forMs);
    // A window set from the command line that the list lacks is offered as it is.
    if (m_window->findData(rule.windowMs) < 0)
        m_window->addItem(QStringLiteral("%1 s").arg(double(rule.windowMs) / 1000), rule.windowMs);
    m_window->setCurrentIndex(m_window->findData(rule.windowMs));
    m_minVolume->setValue(int(std::min<qint64>(rule.minVolume, m_minVolume->maximum())));
    m_webhook->setText(rule.webhook);
    m_program->setText(rule.command.program);
    m_arguments->setText(joinArguments(rule.command.args));
    m_commandTimeout->setMilliseconds(rule.command.timeoutMs);
    m_enabled->setChecked(rule.enabled);
    validate();
}

void AlertRuleDialog::showConditionFields()
{
    const AlertCondition c = condition();
    m_threshold->setCurrentWidget(c == AlertCondition::QueueLength ? static_cast<QWidget*>(m_count)
            : c == AlertCondition::FailureRate                     ? static_cast<QWidget*>(m_percent)
                                                                   : static_cast<QWidget*>(m_duration));
    m_form->setRowVisible(m_threshold, c != AlertCondition::WillNotDrain);
    m_form->setRowVisible(m_window, c == AlertCondition::FailureRate || c == AlertCondition::WaitP95);
    m_form->setRowVisible(m_minVolume, c == AlertCondition::FailureRate);
}

QJsonObject AlertRuleDialog::typed() const
{
    const AlertCondition c = condition();
    QJsonObject json {{QStringLiteral("condition"), alertConditionName(c)}, {QStringLiteral("name"), m_name->text()},
        {QStringLiteral("forMs"), double(m_for->milliseconds())}, {QStringLiteral("enabled"), m_enabled->isChecked()}};
    const bool allQueues = m_queue->currentIndex() == 0 && m_queue->currentText() == m_queue->itemText(0);
    json.insert(QStringLiteral("queue"), allQueues ? QString() : m_queue->currentText());
    if (c == AlertCondition::QueueLength)
        json.insert(QStringLiteral("threshold"), m_count->value());
    else if (c == AlertCondition::FailureRate)
        json.insert(QStringLiteral("threshold"), m_percent->value() / 100);
    else if (isTimed(c))
        json.insert(QStringLiteral("threshold"), double(m_duration->milliseconds()));
    if (c == AlertCondition::FailureRate || c == AlertCondition::WaitP95)
        json.insert(QStringLiteral("windowMs"), double(m_window->currentData().toLongLong()));
    if (c == AlertCondition::FailureRate)
        json.insert(QStringLiteral("minVolume"), double(m_minVolume->value()));
    if (!m_webhook->text().trimmed().isEmpty())
        json.insert(QStringLiteral("webhook"), m_webhook->text().trimmed());
    // Arguments without a program are an error the rule's validation names, not input dropped silently.
    if (!m_program->text().isEmpty() || !m_arguments->text().trimmed().isEmpty()) {
        json.insert(QStringLiteral("command"),
            QJsonObject {{QStringLiteral("program"), m_program->text()},
                {QStringLiteral("args"),
                    QJsonArray::fromStringList(splitArguments(m_arguments->text()).value_or(QStringList()))},
                {QStringLiteral("timeoutMs"), double(m_commandTimeout->milliseconds())}});
    }
    return json;
}

void AlertRuleDialog::validate()
{
    const QJsonObject json = typed();
    Result<AlertRule> parsed = AlertRule::fromJson(json);
    QString problem = parsed ? QString() : asFormText(parsed.errorString());
    QString webhookProblem;
    if (parsed && !parsed->webhook.isEmpty()) {
        // Where the notify task would be refused at enqueue (the network policy of this program's handler).
        const QJsonObject payload {{QStringLiteral("url"), parsed->webhook}};
        const TaskHandler* notify = m_handlers.find(QStringLiteral("notify"));
        const std::optional<QString> refused = notify ? notify->validate(payload) : NotifyHandler().validate(payload);
        if (refused)
            webhookProblem = asFormText(*refused);
    } else if (!parsed && json.contains(QLatin1String("webhook"))
        && parsed.errorString().startsWith(QLatin1String("\"webhook\""))) {
        webhookProblem = problem;
    }
    // The command: an error when malformed; a warning when this process's allow-list (the one its monitor applies)
    // refuses the program, since the process that evaluates the rules may allow it.
    QString commandProblem;
    QString commandWarning;
    if (!splitArguments(m_arguments->text())) {
        commandProblem = tr("Arguments: a double quote is not closed");
    } else if (!parsed && parsed.errorString().startsWith(QLatin1String("\"command"))) {
        commandProblem = problem;
    } else if (parsed && !parsed->command.isEmpty()) {
        if (const std::optional<QString> refused = commandRefusal(m_handlers, parsed->command.program))
            commandWarning
                = tr("This process refuses it: %1.").arg(QString(*refused).remove(QLatin1String("\"program\": ")));
    }
    if (problem.isEmpty())
        problem = webhookProblem;
    if (problem.isEmpty())
        problem = commandProblem;
    m_webhookProblem->setText(webhookProblem);
    m_commandProblem->setText(commandProblem.isEmpty() ? commandWarning : commandProblem);
    m_commandProblem->setToolTip(commandWarning.isEmpty() || !commandProblem.isEmpty()
            ? QString()
            : tr(
                "The process evaluating the rules decides with its own allow-list; a refusal is kept in the history."));
    m_commandProblem->setStyleSheet(
        commandProblem.isEmpty() ? QStringLiteral("color: #b36b00;") : textColorStyle(errorTextColor()));

    m_problem = problem;
    if (problem.isEmpty()) {
        m_rule = *parsed;
        m_rule->id = m_id;
        m_name->setPlaceholderText(m_rule->describe());
        QString summary = tr("Fires when %1. Resolves once the figure stays at or below 90% of the threshold for %2.")
                              .arg(m_rule->describe(), formatDuration(m_rule->clearForMs()));
        if (!m_rule->command.isEmpty())
            summary += tr(" Each time, runs %1.").arg(QFileInfo(m_rule->command.program).fileName());
        m_summary->setText(summary);
        m_summary->setStyleSheet(QString());
    } else {
        m_rule.reset();
        // The webhook's reason is shown under its field already.
        m_summary->setText(problem == webhookProblem ? tr("The webhook is refused (see above).")
                : problem == commandProblem          ? tr("The command is not valid (see above).")
                                                     : problem);
        m_summary->setStyleSheet(textColorStyle(errorTextColor()));
    }
    QPushButton* ok = m_buttons->button(QDialogButtonBox::Ok);
    ok->setEnabled(m_rule.has_value());
    ok->setToolTip(problem);
}

AlertRule AlertRuleDialog::rule() const
{
    return m_rule.value_or(AlertRule {});
}

QByteArray AlertRuleDialog::definition() const
{
    AlertRule stored = rule();
    stored.id = 0; // the row's id is the id
    return QJsonDocument(stored.toJson()).toJson(QJsonDocument::Compact);
}

} // namespace qd::ui
