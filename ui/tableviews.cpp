#include "tableviews.h"

#include "plaintextdelegate.h"

#include <QHeaderView>
#include <QStyle>
#include <QTableView>

#include <algorithm>

namespace qd::ui {

QTableView* makeTableView(QWidget* parent)
{
    auto* view = new QTableView(parent);
    // Fixed row height: the view never measures rows, so a million rows scroll as fast as ten.
    view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    view->horizontalHeader()->setHighlightSections(false);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setWordWrap(false);
    view->setAlternatingRowColors(true);
    view->setContextMenuPolicy(Qt::ActionsContextMenu);
    // Tab moves to the next panel, not to the next cell (arrows move between cells).
    view->setTabKeyNavigation(false);
    // Text layouts kept between paints: the task table repaints several times a second under load.
    view->setItemDelegate(new PlainTextDelegate(view));
    return view;
}

void fitColumn(QTableView* view, int column, const QString& widest)
{
    // The item delegate pads text by the focus frame margin on both sides (plus one pixel each); a few pixels more
    // keep numbers off the grid line.
    const int padding = 2 * (view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, view) + 1) + 6;
    const int cell = widest.isEmpty() ? 0 : view->fontMetrics().horizontalAdvance(widest) + padding;
    view->setColumnWidth(column, std::max(view->horizontalHeader()->sectionSizeHint(column), cell));
}

QString widestDuration()
{
    return QStringLiteral("59m 59s");
}

} // namespace qd::ui
