#include "auditpanel.h"

#include "auditlogmodel.h"
#include "tableviews.h"
#include "taskformat.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace qd::ui {

AuditPanel::AuditPanel(ReaderThread* reader, QWidget* parent)
    : QWidget(parent)
    , m_model(new AuditLogModel(reader, this))
    , m_view(makeTableView(this))
    , m_action(new QComboBox(this))
    , m_status(new QLabel(this))
{
    setObjectName(QStringLiteral("auditPanel"));
    m_view->setObjectName(QStringLiteral("auditView"));
    m_view->setModel(m_model);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    fitColumn(m_view, AuditLogModel::AtColumn, formatTimestamp(1'800'000'000'000));
    m_view->setColumnWidth(AuditLogModel::WhoColumn, 160);
    m_view->setColumnWidth(AuditLogModel::ActionColumn, 120);
    fitColumn(m_view, AuditLogModel::CountColumn, formatCount(9'999'999));
    m_view->setColumnWidth(AuditLogModel::FilterColumn, 260);
    m_view->horizontalHeader()->setStretchLastSection(true);

    m_action->setObjectName(QStringLiteral("auditAction"));
    m_action->setToolTip(tr("Show only one kind of admin action."));
    m_action->addItem(tr("All actions"), QString());
    for (const QString& name : auditActionNames())
        m_action->addItem(name, name);
    connect(m_action, &QComboBox::currentIndexChanged, this,
        [this] { m_model->setAction(m_action->currentData().toString()); });
    m_status->setObjectName(QStringLiteral("auditStatus"));

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(new QLabel(tr("Action:"), this));
    bar->addWidget(m_action);
    bar->addStretch();
    bar->addWidget(m_status);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_view);

    connect(m_model, &AuditLogModel::entriesUpdated, this, &AuditPanel::updateStatus);
}

void AuditPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    m_model->setRefreshing(true);
}

void AuditPanel::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    m_model->setRefreshing(false);
}

void AuditPanel::updateStatus()
{
    if (!m_model->lastError().isEmpty()) {
        m_status->setText(tr("Cannot read the audit log: %1").arg(m_model->lastError()));
        return;
    }
    const qsizetype n = m_model->entries().size();
    if (n == 0)
        m_status->setText(tr("No admin actions recorded."));
    else if (n >= AuditLogModel::rowLimit)
        m_status->setText(tr("The newest %1 actions (queuedesk-cli export audit has them all)").arg(formatCount(n)));
    else
        m_status->setText(tr("%1 action(s)").arg(formatCount(n)));
}

} // namespace qd::ui
