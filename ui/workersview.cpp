#include "workersview.h"

#include "plaintextdelegate.h"
#include "tableviews.h"
#include "workersmodel.h"

#include <QAction>
#include <QHeaderView>
#include <QStyle>

#include <algorithm>

namespace qd::ui {

WorkersView::WorkersView(WorkersModel* model, QWidget* parent)
    : QTreeView(parent)
    , m_forget(new QAction(tr("&Forget lost process"), this))
{
    setObjectName(QStringLiteral("workersView"));
    setModel(model);
    setSelectionMode(QAbstractItemView::NoSelection);
    setUniformRowHeights(true); // never measures rows
    setWordWrap(false);
    setAllColumnsShowFocus(true);
    setItemDelegate(new PlainTextDelegate(this));
    header()->setStretchLastSection(false);
    header()->setHighlightSections(false);
    header()->setSectionResizeMode(QHeaderView::Interactive);
    header()->setSectionResizeMode(WorkersModel::NameColumn, QHeaderView::Stretch);
    // As fitColumn() does for tables: the widest value's text plus the delegate's padding.
    const int padding = 2 * (style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, this) + 1) + 6;
    const auto fit = [&](int column, const QString& widest) {
        header()->resizeSection(
            column, std::max(header()->sectionSizeHint(column), fontMetrics().horizontalAdvance(widest) + padding));
    };
    fit(WorkersModel::StatusColumn, tr("busy"));
    fit(WorkersModel::QueueColumn, QStringLiteral("notifications"));
    fit(WorkersModel::TypeColumn, QStringLiteral("logstats"));
    fit(WorkersModel::TaskColumn, QStringLiteral("99999999"));
    fit(WorkersModel::SinceColumn, widestDuration());
    connect(model, &QAbstractItemModel::modelReset, this, &WorkersView::showProcesses);
    // A lost process stays listed (its tasks come back once their leases expire); the admin who knows it is gone
    // for good removes its row.
    m_forget->setObjectName(QStringLiteral("forgetProcess"));
    m_forget->setToolTip(tr("Remove this process's heartbeat row: it stopped beating and will not come back."));
    addAction(m_forget);
    setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(m_forget, &QAction::triggered, this, [this] {
        const QModelIndex row = currentIndex().siblingAtColumn(0);
        if (m_forget->isEnabled())
            Q_EMIT forgetRequested(
                row.data(WorkersModel::ProcessIdRole).toString(), row.data(WorkersModel::LastSeenRole).toLongLong());
    });
    connect(selectionModel(), &QItemSelectionModel::currentChanged, this, &WorkersView::updateForget);
    connect(model, &QAbstractItemModel::modelReset, this, &WorkersView::updateForget);
    connect(model, &QAbstractItemModel::dataChanged, this, &WorkersView::updateForget);
    showProcesses();
    updateForget();
}

void WorkersView::setWritable(bool writable)
{
    m_writable = writable;
    updateForget();
}

void WorkersView::updateForget()
{
    const QModelIndex row = currentIndex().siblingAtColumn(0);
    const bool lostProcess = row.isValid() && !row.parent().isValid()
        && row.data(WorkersModel::ProcessStateRole).toInt() == int(ProcessRecord::State::Lost);
    m_forget->setEnabled(m_writable && lostProcess);
}

void WorkersView::showProcesses()
{
    for (int row = 0; row < model()->rowCount(); ++row)
        setFirstColumnSpanned(row, {}, true);
    expandAll();
}

} // namespace qd::ui
