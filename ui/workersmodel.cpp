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
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(refreshMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &WorkersModel::refresh);
    connect(engine, &QueueEngine::workersChanged, this, [this] {
        if (!m_refreshTimer.isActive())
            m_refreshTimer.start();
    });
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

namespace {

bool sameStatus(const WorkerStatus& a, const WorkerStatus& b)
{
    return a.index == b.index && a.name == b.name && a.busy == b.busy && a.taskId == b.taskId
        && a.taskType == b.taskType && a.queue == b.queue && a.since == b.since;
}

} // namespace

void WorkersModel::refresh()
{
    const QList<WorkerStatus> now = m_engine->workers(); // by index: the engine keeps them in a std::map
    // Workers come and go at the end of the list (the others keep their indexes), so the rows are updated in place
    // and added or removed there.
    qsizetype kept = 0;
    while (kept < m_workers.size() && kept < now.size() && m_workers[kept].index == now[kept].index)
        ++kept;
    if (kept < m_workers.size()) {
        beginRemoveRows({}, int(kept), int(m_workers.size() - 1));
        m_workers.resize(kept);
        endRemoveRows();
    }
    for (qsizetype row = 0; row < kept; ++row) {
        if (!sameStatus(m_workers[row], now[row])) {
            m_workers[row] = now[row];
            Q_EMIT dataChanged(index(int(row), 0), index(int(row), ColumnCount - 1));
        }
    }
    if (kept < now.size()) {
        beginInsertRows({}, int(kept), int(now.size() - 1));
        m_workers.append(now.mid(kept));
        endInsertRows();
    }
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
