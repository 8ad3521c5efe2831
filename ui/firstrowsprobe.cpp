// Watches the task table's paints for the first one with rows in it (see firstrowsprobe.h).
#include "firstrowsprobe.h"

#include "tasktablemodel.h"

#include <QEvent>
#include <QTableView>

namespace qd::ui {

FirstRowsProbe::FirstRowsProbe(QTableView* view, std::function<void()> painted, Until until)
    : QObject(view)
    , m_view(view)
    , m_painted(std::move(painted))
    , m_until(until)
{
    view->viewport()->installEventFilter(this);
    // An empty table's answer changes nothing on screen: ask for the paint that shows it.
    if (const auto* tasks = qobject_cast<const TaskTableModel*>(view->model()); tasks && until == Until::AnswerShown)
        connect(tasks, &TaskTableModel::totalCountChanged, this, [view](qint64 count) {
            if (count == 0)
                view->viewport()->update();
        });
}

bool FirstRowsProbe::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::Paint && m_painted) {
        QAbstractItemModel* model = m_view->model();
        const bool rowsShown
            = model && model->rowCount() > 0 && model->index(0, 0).data(TaskTableModel::LoadedRole).toBool();
        const auto* tasks = qobject_cast<const TaskTableModel*>(model);
        const bool emptyShown = m_until == Until::AnswerShown && tasks && tasks->totalCount() == 0;
        if (rowsShown || emptyShown) {
            // Report after the paint itself has run.
            QMetaObject::invokeMethod(
                this, [callback = std::exchange(m_painted, {})] { callback(); }, Qt::QueuedConnection);
        }
    }
    return QObject::eventFilter(watched, event);
}

} // namespace qd::ui
