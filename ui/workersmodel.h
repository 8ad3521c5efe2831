#pragma once

#include "core/task.h"

#include <QAbstractTableModel>
#include <QTimer>

namespace qd {
class QueueEngine;
}

namespace qd::ui {

// The engine's worker threads: idle or busy, on which task, for how long. Reads QueueEngine::workers() at most every
// refreshMs after workersChanged: two workers on short tasks change state thousands of times a second, which no one
// can read, and a repaint for each kept the GUI thread busy (bench B8). Only the rows that changed are repainted.
//
// Thread contract: GUI thread only.
class WorkersModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, StatusColumn, QueueColumn, TypeColumn, TaskColumn, SinceColumn, ColumnCount };

    explicit WorkersModel(QueueEngine* engine, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static constexpr int refreshMs = 100;

    void reload();
    int busyCount() const;

private:
    void refresh();

    QueueEngine* m_engine;
    QList<WorkerStatus> m_workers;
    QTimer m_refreshTimer;
};

} // namespace qd::ui
