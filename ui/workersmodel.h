#pragma once

#include "core/task.h"

#include <QAbstractTableModel>

namespace qd {
class QueueEngine;
}

namespace qd::ui {

// The engine's worker threads: idle or busy, on which task, for how long. Fed by QueueEngine::workers() and
// workerChanged; only the row of the worker that changed is repainted.
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

    void applyStatus(const WorkerStatus& status);
    void reload();
    int busyCount() const;

private:
    QueueEngine* m_engine;
    QList<WorkerStatus> m_workers;
};

} // namespace qd::ui
