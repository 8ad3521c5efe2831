#include "workersmodel.h"

#include "core/queueengine.h"
#include "taskformat.h"

#include <QDateTime>

#include <algorithm>

namespace qd::ui {

WorkersModel::WorkersModel(QueueEngine* engine, QObject* parent)
    : QAbstractTableModel(parent)
    , m_engine(engine)
{
    connect(engine, &QueueEngine::workerChanged, this, &WorkersModel::applyStatus);
    reload();
}

void WorkersModel::reload()
{
    beginResetModel();
    m_workers = m_engine->workers();
    std::sort(m_workers.begin(), m_workers.end(),
        [](const WorkerStatus& a, const WorkerStatus& b) { return a.index < b.index; });
    endResetModel();
}

int WorkersModel::busyCount() const
{
    return int(std::count_if(m_workers.cbegin(), m_workers.cend(), [](const WorkerStatus& w) { return w.busy; }));
}

void WorkersModel::applyStatus(const WorkerStatus& status)
{
    auto it = std::find_if(
        m_workers.begin(), m_workers.end(), [&](const WorkerStatus& w) { return w.index == status.index; });
    if (it == m_workers.end()) {
        auto pos = std::lower_bound(m_workers.begin(), m_workers.end(), status.index,
            [](const WorkerStatus& w, int index) { return w.index < index; });
        const int r = int(pos - m_workers.begin());
        beginInsertRows({}, r, r);
        m_workers.insert(r, status);
        endInsertRows();
        return;
    }
    *it = status;
    const int r = int(it - m_workers.begin());
    Q_EMIT dataChanged(index(r, 0), index(r, ColumnCount - 1));
}

int WorkersModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_workers.size());
}

int WorkersModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WorkersModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const WorkerStatus& w = m_workers.at(index.row());
    if (role == Qt::ForegroundRole && index.column() == StatusColumn)
        return w.busy ? stateColor(TaskState::Running) : QColor(Qt::gray);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case NameColumn:
        return w.name.isEmpty() ? tr("worker %1").arg(w.index) : w.name;
    case StatusColumn:
        return w.busy ? tr("busy") : tr("idle");
    case QueueColumn:
        return w.busy ? w.queue : QString();
    case TypeColumn:
        return w.busy ? w.taskType : QString();
    case TaskColumn:
        return w.busy && w.taskId > 0 ? QVariant(w.taskId) : QVariant();
    case SinceColumn:
        return w.since > 0 ? formatDuration(QDateTime::currentMSecsSinceEpoch() - w.since) : QString();
    default:
        return {};
    }
}

QVariant WorkersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Worker");
    case StatusColumn:
        return tr("Status");
    case QueueColumn:
        return tr("Queue");
    case TypeColumn:
        return tr("Type");
    case TaskColumn:
        return tr("Task");
    case SinceColumn:
        return tr("For");
    default:
        return {};
    }
}

} // namespace qd::ui
