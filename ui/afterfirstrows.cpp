// Runs a window's deferred start-up work after the task table's first answer is painted (see afterfirstrows.h).
#include "afterfirstrows.h"

#include "core/startuptrace.h"
#include "firstrowsprobe.h"

#include <QTableView>
#include <QTimer>

namespace qd::ui {

AfterFirstRows::AfterFirstRows(QTableView* view, std::function<void()> work, int fallbackMs)
    : QObject(view)
    , m_work(std::move(work))
{
    new FirstRowsProbe(
        view, [this] { run(); }, FirstRowsProbe::Until::AnswerShown);
    QTimer::singleShot(fallbackMs, this, &AfterFirstRows::run);
}

void AfterFirstRows::run()
{
    if (!m_work)
        return;
    startuptrace::mark("deferred start-up work");
    std::exchange(m_work, {})();
}

} // namespace qd::ui
