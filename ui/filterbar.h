#pragma once

#include "core/task.h"

#include <QTimer>
#include <QWidget>

class QComboBox;
class QDateTimeEdit;
class QLineEdit;
class QLabel;

namespace qd::ui {

// Queue, state and type pickers, a created from/to range (each "any" until set) and a search box; the search is
// debounced (250 ms) so typing does not send a query per key. Emits filterChanged with the TaskFilter the table should
// show; a range that ends before it starts is shown as an error and not applied.
//
// Thread contract: GUI thread only.
class FilterBar : public QWidget {
    Q_OBJECT
public:
    explicit FilterBar(QWidget* parent = nullptr);

    TaskFilter filter() const;
    void setQueues(const QStringList& queues);
    void setTypes(const QStringList& types);
    // Selects a queue (empty: all), as when a queue is picked in the queue list.
    void setQueue(const QString& queue);
    void setState(std::optional<TaskState> state);
    void setSearchText(const QString& text);
    // Tasks created in [from, to), ms since the epoch; 0: no bound on that side.
    void setCreatedRange(qint64 from, qint64 to);
    // Why the range cannot apply ("" when it can).
    QString rangeError() const;
    void setMatchCount(qint64 count); // -1 while counting
    void focusSearch();
    void clear();

    static constexpr int searchDelayMs = 250;

Q_SIGNALS:
    void filterChanged(const qd::TaskFilter& filter);

private:
    void emitChanged();
    static void setItems(QComboBox* box, const QString& allText, const QStringList& items);

    QComboBox* m_queueBox;
    QComboBox* m_stateBox;
    QComboBox* m_typeBox;
    QDateTimeEdit* m_from;
    QDateTimeEdit* m_to;
    QLineEdit* m_search;
    QLabel* m_matches;
    QTimer m_searchTimer;
    qint64 m_matchCount = -1;
};

} // namespace qd::ui
