#include "alertspanel.h"

#include "alerthistorymodel.h"
#include "alertrulesmodel.h"
#include "alertwatcher.h"
#include "tableviews.h"
#include "taskformat.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace qd::ui {

AlertsPanel::AlertsPanel(AlertWatcher* watcher, QWidget* parent)
    : QWidget(parent)
    , m_watcher(watcher)
    , m_rules(new AlertRulesModel(this))
    , m_history(new AlertHistoryModel(this))
    , m_rulesView(makeTableView(this))
    , m_historyView(makeTableView(this))
    , m_add(new QPushButton(tr("Add\u2026"), this))
    , m_edit(new QPushButton(tr("Edit\u2026"), this))
    , m_remove(new QPushButton(tr("Remove"), this))
    , m_enable(new QPushButton(tr("Enable"), this))
    , m_disable(new QPushButton(tr("Disable"), this))
    , m_evaluator(new QLabel(this))
{
    setObjectName(QStringLiteral("alertsPanel"));
    m_rulesView->setObjectName(QStringLiteral("alertRulesView"));
    m_rulesView->setModel(m_rules);
    m_rulesView->setSelectionMode(QAbstractItemView::SingleSelection);
    fitColumn(m_rulesView, AlertRulesModel::ConditionColumn, tr("oldest task's age"));
    fitColumn(m_rulesView, AlertRulesModel::QueueColumn, QStringLiteral("notifications"));
    fitColumn(m_rulesView, AlertRulesModel::ThresholdColumn, QStringLiteral("99m 59s"));
    fitColumn(m_rulesView, AlertRulesModel::ForColumn, QStringLiteral("99m 59s"));
    fitColumn(m_rulesView, AlertRulesModel::EnabledColumn, tr("yes"));
    fitColumn(m_rulesView, AlertRulesModel::StateColumn, tr("pending since %1").arg(QStringLiteral("23:59:59")));
    m_rulesView->horizontalHeader()->setSectionResizeMode(AlertRulesModel::NameColumn, QHeaderView::Stretch);

    m_historyView->setObjectName(QStringLiteral("alertHistoryView"));
    m_historyView->setModel(m_history);
    m_historyView->setSelectionMode(QAbstractItemView::SingleSelection);
    fitColumn(m_historyView, AlertHistoryModel::TimeColumn, QStringLiteral("23:59:59"));
    fitColumn(m_historyView, AlertHistoryModel::KindColumn, QStringLiteral("resolved"));
    fitColumn(m_historyView, AlertHistoryModel::FigureColumn, QStringLiteral("99m 59s"));
    m_historyView->horizontalHeader()->setStretchLastSection(true);

    m_add->setObjectName(QStringLiteral("addAlertRule"));
    m_edit->setObjectName(QStringLiteral("editAlertRule"));
    m_remove->setObjectName(QStringLiteral("removeAlertRule"));
    m_enable->setObjectName(QStringLiteral("enableAlertRule"));
    m_disable->setObjectName(QStringLiteral("disableAlertRule"));
    m_evaluator->setObjectName(QStringLiteral("alertEvaluator"));
    m_evaluator->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_evaluator->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    connect(m_add, &QPushButton::clicked, this, &AlertsPanel::addRequested);
    connect(m_edit, &QPushButton::clicked, this, [this] {
        if (const auto rule = selectedRule())
            Q_EMIT editRequested(*rule);
    });
    connect(m_remove, &QPushButton::clicked, this, [this] {
        if (const auto rule = selectedRule())
            Q_EMIT removeRequested(*rule);
    });
    connect(m_enable, &QPushButton::clicked, this, [this] {
        if (const auto rule = selectedRule())
            Q_EMIT enableRequested(*rule, true);
    });
    connect(m_disable, &QPushButton::clicked, this, [this] {
        if (const auto rule = selectedRule())
            Q_EMIT enableRequested(*rule, false);
    });
    connect(m_rulesView, &QTableView::doubleClicked, this, [this] {
        if (const auto rule = selectedRule(); rule && m_writable)
            Q_EMIT editRequested(*rule);
    });

    auto* buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    for (QPushButton* b : {m_add, m_edit, m_remove, m_enable, m_disable})
        buttons->addWidget(b);
    buttons->addWidget(m_evaluator, 1);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_rulesView);
    split->addWidget(m_historyView);
    split->setStretchFactor(0, 9);
    split->setStretchFactor(1, 4);
    split->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addWidget(split, 1);

    connect(m_rulesView->selectionModel(), &QItemSelectionModel::selectionChanged, this, &AlertsPanel::updateButtons);
    connect(m_watcher, &AlertWatcher::snapshotChanged, this, &AlertsPanel::apply);
    m_evaluator->setText(tr("Reading the rules\u2026"));
    updateButtons();
}

void AlertsPanel::apply(const AlertSnapshot& snapshot)
{
    const std::optional<AlertRule> selected = selectedRule();
    m_rules->setRules(snapshot.rules, snapshot.readAt);
    m_history->setHistory(snapshot.history, snapshot.rules, snapshot.readAt);
    // A reset (a rule added or removed) drops the selection: the same rule stays selected.
    if (selected && !selectedRule())
        selectRule(selected->id);
    if (snapshot.evaluatingHere)
        m_evaluator->setText(
            tr("Evaluated by this window every %1 s.").arg(QLocale().toString(m_watcher->intervalMs() / 1000.0)));
    else if (!snapshot.evaluator.isEmpty())
        m_evaluator->setText(tr("Evaluated by %1.").arg(snapshot.evaluator));
    else
        m_evaluator->setText(tr("Not evaluated now: run queuedesk-cli monitor or open a writable window."));
    m_evaluator->setToolTip(m_evaluator->text());
    updateButtons();
}

void AlertsPanel::setWritable(bool writable)
{
    m_writable = writable;
    updateButtons();
}

std::optional<AlertRule> AlertsPanel::selectedRule() const
{
    const QModelIndexList rows = m_rulesView->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return std::nullopt;
    const int row = rows.first().row();
    if (row < 0 || row >= m_rules->rules().size())
        return std::nullopt;
    return m_rules->rules().at(row).rule;
}

void AlertsPanel::selectRule(qint64 id)
{
    const int row = m_rules->rowOf(id);
    if (row >= 0)
        m_rulesView->selectRow(row);
}

void AlertsPanel::updateButtons()
{
    const std::optional<AlertRule> rule = selectedRule();
    m_add->setEnabled(m_writable);
    m_edit->setEnabled(m_writable && rule.has_value());
    m_remove->setEnabled(m_writable && rule.has_value());
    m_enable->setEnabled(m_writable && rule && !rule->enabled);
    m_disable->setEnabled(m_writable && rule && rule->enabled);
}

} // namespace qd::ui
