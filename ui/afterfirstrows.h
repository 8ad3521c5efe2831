#pragma once

#include <QObject>

#include <functional>

class QTableView;

namespace qd::ui {

// Holds back what a window's first paint does not need (its panels' reads, the capacity and alert threads) until the
// task table has painted its first answer (rows, or a table known to be empty), or at the latest `fallbackMs` after
// it is made (a table whose read fails, a window never shown), then runs `work` once. Started at once, that work ran
// beside the table's first read and its paint on the same cores.
//
// Thread contract: the GUI thread; the view must outlive it (it is the view's child).
class AfterFirstRows : public QObject {
    Q_OBJECT
public:
    static constexpr int defaultFallbackMs = 2000;
    AfterFirstRows(QTableView* view, std::function<void()> work, int fallbackMs = defaultFallbackMs);

    bool hasRun() const { return !m_work; }

private:
    void run();

    std::function<void()> m_work;
};

} // namespace qd::ui
