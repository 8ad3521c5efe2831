#pragma once

#include <QObject>

#include <functional>

class QTableView;

namespace qd::ui {

// Calls `painted` once, right after the task table's first paint that shows a loaded row 0 (TaskTableModel's
// LoadedRole): the moment a user first sees tasks. For `queuedesk --exit-after-first-rows` and its benchmark; with
// Until::AnswerShown also after the first paint of a table known to be empty (AfterFirstRows; the view has its
// model when the probe is made).
//
// Thread contract: the GUI thread; the view must outlive the probe (it is the probe's parent).
class FirstRowsProbe : public QObject {
    Q_OBJECT
public:
    enum class Until { RowsShown, AnswerShown };
    FirstRowsProbe(QTableView* view, std::function<void()> painted, Until until = Until::RowsShown);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QTableView* m_view;
    std::function<void()> m_painted;
    Until m_until;
};

} // namespace qd::ui
