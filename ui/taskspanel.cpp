#include "taskspanel.h"

#include "afterfirstrows.h"
#include "filterbar.h"
#include "messagebar.h"
#include "tableviews.h"
#include "taskformat.h"
#include "taskselectionkeeper.h"
#include "tasktablemodel.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QTableView>
#include <QVBoxLayout>

namespace qd::ui {

TasksPanel::TasksPanel(QueueEngine* engine, ReaderThread* reader, QWidget* parent)
    : QWidget(parent)
    // Newest first, as admins look (setUpView shows it): the model's first read is already in this order.
    , m_model(new TaskTableModel(engine, TaskSortKey::Id, Qt::DescendingOrder, this))
    , m_filterBar(new FilterBar(this))
    , m_messageBar(new MessageBar(this))
    , m_view(makeTableView(this))
{
    setUpView();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    m_messageRow = new QHBoxLayout;
    m_messageRow->setContentsMargins(0, 0, 0, 0);
    m_messageRow->addWidget(m_messageBar, 2);
    layout->addLayout(m_messageRow);
    layout->addWidget(m_filterBar);
    layout->addWidget(m_view, 1);

    connect(m_filterBar, &FilterBar::filterChanged, this, [this](const TaskFilter& filter) {
        m_filterBar->setMatchCount(-1);
        m_model->setFilter(filter);
        Q_EMIT applicableActionsChanged();
    });
    connect(
        m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
            const QVariant id
                = current.isValid() ? current.siblingAtColumn(0).data(TaskTableModel::TaskIdRole) : QVariant();
            if (id.isValid())
                Q_EMIT currentTaskChanged(id.toLongLong());
        });
    connect(
        m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &TasksPanel::applicableActionsChanged);
    // The first rows are painted before the count inserts the others (a million of them cost the view tens of ms).
    m_model->holdFirstCount();
    new AfterFirstRows(m_view, [model = m_model] { model->releaseFirstCount(); });
    m_selection = new TaskSelectionKeeper(m_view, m_model, reader, this);
    connect(m_selection, &TaskSelectionKeeper::selectionIdsChanged, this, [this](int count) {
        Q_EMIT selectedCountChanged(count);
        Q_EMIT applicableActionsChanged();
    });
    connect(m_model, &TaskTableModel::totalCountChanged, this, [this](qint64 n) {
        m_filterBar->setMatchCount(n);
        Q_EMIT applicableActionsChanged();
    });
}

void TasksPanel::addToMessageRow(QWidget* widget)
{
    m_messageRow->insertWidget(0, widget, 3);
}

void TasksPanel::setUpView()
{
    m_view->setObjectName(QStringLiteral("taskView"));
    m_view->setModel(m_model);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setSortingEnabled(true);
    // Every column fits its header (with the sort arrow) and its widest usual value; the last error takes the rest,
    // so the default window has no sideways scroll bar. Long queue and type names can be widened by hand.
    fitColumn(m_view, TaskTableModel::IdColumn, QStringLiteral("99999999"));
    fitColumn(m_view, TaskTableModel::QueueColumn, QStringLiteral("notifications"));
    fitColumn(m_view, TaskTableModel::TypeColumn, QStringLiteral("logstats"));
    fitColumn(m_view, TaskTableModel::StateColumn, QStringLiteral("scheduled"));
    fitColumn(m_view, TaskTableModel::PriorityColumn, QStringLiteral("-100"));
    fitColumn(m_view, TaskTableModel::AttemptsColumn, QStringLiteral("10/10"));
    fitColumn(m_view, TaskTableModel::CreatedColumn, formatTimestamp(QDateTime::currentMSecsSinceEpoch()));
    fitColumn(m_view, TaskTableModel::WaitColumn, tr("in %1").arg(widestDuration()));
    fitColumn(m_view, TaskTableModel::RunColumn, widestDuration());
    m_view->sortByColumn(TaskTableModel::IdColumn, Qt::DescendingOrder); // the model's own order: no second read
    connect(m_view->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this,
        &TasksPanel::keepSortIndicatorOnSortableColumns);
}

void TasksPanel::keepSortIndicatorOnSortableColumns(int column)
{
    // Only columns the store can sort by get a sort indicator; the others keep the previous one.
    if (TaskTableModel::isSortable(column))
        return;
    const TaskQuery& q = m_model->query();
    const int current = q.sortKey == TaskSortKey::Id ? int(TaskTableModel::IdColumn)
        : q.sortKey == TaskSortKey::Queue            ? int(TaskTableModel::QueueColumn)
        : q.sortKey == TaskSortKey::Type             ? int(TaskTableModel::TypeColumn)
        : q.sortKey == TaskSortKey::State            ? int(TaskTableModel::StateColumn)
        : q.sortKey == TaskSortKey::Priority         ? int(TaskTableModel::PriorityColumn)
                                                     : int(TaskTableModel::AttemptsColumn);
    const QSignalBlocker blocker(m_view->horizontalHeader());
    m_view->horizontalHeader()->setSortIndicator(current, q.descending ? Qt::DescendingOrder : Qt::AscendingOrder);
}

void TasksPanel::tickAges()
{
    // Only the age cells of the rows on screen: a quiet queue no longer shows "341 ms" on a task waiting for minutes.
    QWidget* viewport = m_view->viewport();
    if (!viewport->isVisible() || m_model->rowCount() == 0)
        return;
    const int first = m_view->rowAt(0);
    if (first < 0)
        return;
    int last = m_view->rowAt(viewport->height() - 1);
    if (last < 0)
        last = m_model->rowCount() - 1;
    QRect ages;
    for (int column : {int(TaskTableModel::WaitColumn), int(TaskTableModel::RunColumn)}) {
        ages |= m_view->visualRect(m_model->index(first, column));
        ages |= m_view->visualRect(m_model->index(last, column));
    }
    ages &= viewport->rect();
    if (!ages.isEmpty())
        viewport->update(ages);
}

} // namespace qd::ui
