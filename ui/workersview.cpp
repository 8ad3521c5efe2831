#include "workersview.h"

#include "plaintextdelegate.h"
#include "tableviews.h"
#include "workersmodel.h"

#include <QHeaderView>
#include <QStyle>

#include <algorithm>

namespace qd::ui {

WorkersView::WorkersView(WorkersModel* model, QWidget* parent)
    : QTreeView(parent)
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
    showProcesses();
}

void WorkersView::showProcesses()
{
    for (int row = 0; row < model()->rowCount(); ++row)
        setFirstColumnSpanned(row, {}, true);
    expandAll();
}

} // namespace qd::ui
