// Watches the task table's paints for the first one with rows in it (see firstrowsprobe.h).
#include "firstrowsprobe.h"

#include "tasktablemodel.h"

#include <QEvent>
#include <QTableView>

namespace qd::ui {

FirstRowsProbe::FirstRowsProbe(QTableView* view, std::function<void()> painted)
    : QObject(view)
    , m_view(view)
    , m_painted(std::move(painted))
{
    view->viewport()->installEventFilter(this);
}

bool FirstRowsProbe::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::Paint && m_painted) {
        QAbstractItemModel* model = m_view->model();
        const bool rowsShown
            = model && model->rowCount() > 0 && model->index(0, 0).data(TaskTableModel::LoadedRole).toBool();
        if (rowsShown) {
            // Report after the paint itself has run.
            QMetaObject::invokeMethod(
                this, [callback = std::exchange(m_painted, {})] { callback(); }, Qt::QueuedConnection);
        }
    }
    return QObject::eventFilter(watched, event);
}

} // namespace qd::ui
