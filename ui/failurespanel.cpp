#include "failurespanel.h"

#include "failureclustermodel.h"
#include "tableviews.h"
#include "taskformat.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace qd::ui {

namespace {

// An action's tag: a BulkJob::Op, or this for an export.
constexpr int exportTag = -1;

} // namespace

FailuresPanel::FailuresPanel(ReaderThread* reader, QWidget* parent)
    : QWidget(parent)
    , m_model(new FailureClusterModel(reader, this))
    , m_view(makeTableView(this))
    , m_status(new QLabel(this))
    , m_retry(new QPushButton(tr("Retry cluster"), this))
    , m_cancel(new QPushButton(tr("Cancel cluster"), this))
    , m_purge(new QPushButton(tr("Purge cluster"), this))
    , m_export(new QPushButton(tr("Export cluster\u2026"), this))
{
    setObjectName(QStringLiteral("failuresPanel"));
    m_view->setObjectName(QStringLiteral("failuresView"));
    m_view->setModel(m_model);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    fitColumn(m_view, FailureClusterModel::LastSeenColumn, formatTimestamp(1'800'000'000'000));
    fitColumn(m_view, FailureClusterModel::CountColumn, formatCount(9'999'999));
    fitColumn(m_view, FailureClusterModel::TasksColumn, formatCount(9'999'999));
    m_view->setColumnWidth(FailureClusterModel::SignatureColumn, 420);
    m_view->horizontalHeader()->setStretchLastSection(true);

    const auto setUp = [this](QPushButton* button, const char* name, const QString& tip, int tag) {
        button->setObjectName(QLatin1String(name));
        button->setToolTip(tip);
        connect(button, &QPushButton::clicked, this, [this, tag] { requestAction(tag); });
    };
    setUp(m_retry, "retryCluster", tr("Queue the cluster's failed and cancelled tasks again (the count comes first)."),
        int(BulkJob::Op::Retry));
    setUp(m_cancel, "cancelCluster", tr("Cancel the cluster's queued, scheduled and running tasks."),
        int(BulkJob::Op::Cancel));
    setUp(m_purge, "purgeCluster", tr("Delete the cluster's tasks and their history (running ones stay)."),
        int(BulkJob::Op::Delete));
    setUp(m_export, "exportCluster", tr("Export the cluster's tasks as CSV or JSON Lines."), exportTag);
    m_status->setObjectName(QStringLiteral("failuresStatus"));

    auto* buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(m_retry);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_purge);
    buttons->addWidget(m_export);
    buttons->addStretch();
    buttons->addWidget(m_status);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addWidget(m_view);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &FailuresPanel::updateStatus);
    connect(m_model, &FailureClusterModel::clustersUpdated, this, &FailuresPanel::updateStatus);
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this,
        [this] { m_view->setProperty("keptCluster", selectedCluster()); });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        // Another cluster failed last and the rows moved: keep the selected one selected.
        const int row = m_model->rowOf(m_view->property("keptCluster").toString());
        if (row >= 0)
            m_view->selectRow(row);
    });
    connect(m_model, &FailureClusterModel::clusterTasksFetched, this, &FailuresPanel::onClusterTasks);
    connect(m_view, &QAbstractItemView::doubleClicked, this, [this](const QModelIndex& index) {
        if (const qint64 id = index.data(FailureClusterModel::SampleTaskIdRole).toLongLong(); id > 0)
            Q_EMIT sampleTaskRequested(id);
    });
    updateStatus();
}

QPushButton* FailuresPanel::button(BulkJob::Op op) const
{
    switch (op) {
    case BulkJob::Op::Retry:
        return m_retry;
    case BulkJob::Op::Cancel:
        return m_cancel;
    case BulkJob::Op::Delete:
        return m_purge;
    default:
        return nullptr;
    }
}

void FailuresPanel::setWritable(bool writable)
{
    m_writable = writable;
    updateStatus();
}

void FailuresPanel::setPurgeAllowed(bool allowed)
{
    m_purgeAllowed = allowed;
    updateStatus();
}

QString FailuresPanel::selectedCluster() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(FailureClusterModel::SignatureIdRole).toString();
}

void FailuresPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    m_model->setRefreshing(true);
}

void FailuresPanel::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    m_model->setRefreshing(false);
}

void FailuresPanel::requestAction(int tag)
{
    if (const QString id = selectedCluster(); !id.isEmpty())
        m_model->fetchClusterTasks(id, tag);
}

void FailuresPanel::onClusterTasks(int tag, const std::optional<FailureCluster>& cluster, const QString& error)
{
    if (!error.isEmpty()) {
        Q_EMIT actionFailed(tr("Cannot read the failure cluster: %1").arg(error));
        return;
    }
    if (!cluster || cluster->taskIds.isEmpty()) {
        Q_EMIT actionFailed(tr("The failure cluster is gone (its tasks were purged)."));
        return;
    }
    if (tag == exportTag) {
        Q_EMIT clusterExportRequested(cluster->taskIds);
        return;
    }
    const QString scope = tr("of the %1 task(s) of failure cluster \u201c%2\u201d")
                              .arg(formatCount(cluster->taskCount), cluster->signature.left(80));
    Q_EMIT clusterActionRequested(BulkJob::Op(tag), cluster->taskIds, scope);
}

void FailuresPanel::updateStatus()
{
    const bool selected = !selectedCluster().isEmpty();
    for (QPushButton* b : {m_retry, m_cancel, m_purge})
        b->setEnabled(selected && m_writable && (b != m_purge || m_purgeAllowed));
    m_export->setEnabled(selected);
    if (!m_model->lastError().isEmpty()) {
        m_status->setText(tr("Cannot read the failures: %1").arg(m_model->lastError()));
        return;
    }
    qint64 attempts = 0;
    for (const FailureCluster& c : m_model->clusters())
        attempts += c.count;
    m_status->setText(m_model->clusters().isEmpty()
            ? tr("No failed attempts.")
            : tr("%1 failed attempt(s) in %2 cluster(s)")
                  .arg(formatCount(attempts), formatCount(m_model->clusters().size())));
}

} // namespace qd::ui
