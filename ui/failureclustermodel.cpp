#include "failureclustermodel.h"

#include "readerthread.h"
#include "taskformat.h"

namespace qd::ui {

FailureClusterModel::FailureClusterModel(ReaderThread* reader, QObject* parent)
    : QAbstractTableModel(parent)
    , m_reader(reader)
{
    connect(reader->reader(), &StoreReader::failureClustersFetched, this, &FailureClusterModel::apply);
    m_refreshTimer.setInterval(refreshMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, [this] {
        if (!m_inFlight) // a slow read (a long history) is not queued again behind itself
            reload();
    });
}

void FailureClusterModel::setRefreshing(bool on)
{
    if (on == m_refreshTimer.isActive())
        return;
    if (on) {
        m_refreshTimer.start();
        reload();
    } else {
        m_refreshTimer.stop();
    }
}

void FailureClusterModel::reload()
{
    const quint64 id = ++m_nextRequest;
    m_latestRefresh = id;
    m_inFlight = true;
    m_reader->post([id](StoreReader* r) { r->fetchFailureClusters(id, FailureClusterQuery {}); });
}

void FailureClusterModel::fetchClusterTasks(const QString& signatureId, int tag)
{
    const quint64 id = ++m_nextRequest;
    m_taskRequests.insert(id, tag);
    FailureClusterQuery query;
    query.signatureId = signatureId;
    query.withTaskIds = true;
    m_reader->post([id, query](StoreReader* r) { r->fetchFailureClusters(id, query); });
}

void FailureClusterModel::apply(quint64 requestId, const QList<FailureCluster>& clusters, const QString& error)
{
    if (const auto it = m_taskRequests.constFind(requestId); it != m_taskRequests.cend()) {
        const int tag = it.value();
        m_taskRequests.erase(it);
        Q_EMIT clusterTasksFetched(
            tag, clusters.isEmpty() ? std::nullopt : std::optional<FailureCluster>(clusters.first()), error);
        return;
    }
    if (requestId != m_latestRefresh)
        return;
    m_inFlight = false;
    m_error = error;
    if (error.isEmpty()) {
        bool sameRows = clusters.size() == m_clusters.size();
        for (qsizetype i = 0; sameRows && i < clusters.size(); ++i)
            sameRows = clusters[i].signatureId == m_clusters[i].signatureId;
        if (sameRows) {
            // Counts move every refresh; the order changes only when another cluster fails last.
            m_clusters = clusters;
            if (!m_clusters.isEmpty())
                Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        } else {
            beginResetModel();
            m_clusters = clusters;
            endResetModel();
        }
    }
    Q_EMIT clustersUpdated();
}

int FailureClusterModel::rowOf(const QString& signatureId) const
{
    for (qsizetype i = 0; i < m_clusters.size(); ++i) {
        if (m_clusters[i].signatureId == signatureId)
            return int(i);
    }
    return -1;
}

int FailureClusterModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_clusters.size());
}

int FailureClusterModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString FailureClusterModel::text(const FailureCluster& c, int column) const
{
    switch (column) {
    case LastSeenColumn:
        return formatTimestamp(c.lastSeen);
    case CountColumn:
        return formatCount(c.count);
    case TasksColumn:
        return formatCount(c.taskCount);
    case SignatureColumn:
        return c.encrypted ? tr("encrypted (no key to open the errors)") : c.signature;
    case QueuesColumn:
        return c.queues.join(QStringLiteral(", "));
    case TypesColumn:
        return c.types.join(QStringLiteral(", "));
    case FirstSeenColumn:
        return formatTimestamp(c.firstSeen);
    case SampleColumn:
        return QStringLiteral("#%1").arg(c.sampleTaskId);
    default:
        return {};
    }
}

QVariant FailureClusterModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_clusters.size() || index.column() >= ColumnCount)
        return {};
    const FailureCluster& c = m_clusters[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return text(c, index.column());
    case Qt::ToolTipRole:
        if (index.column() == SignatureColumn || index.column() == SampleColumn)
            return tr("Task #%1: %2").arg(c.sampleTaskId).arg(c.sampleError);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == CountColumn || index.column() == TasksColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case SignatureIdRole:
        return c.signatureId;
    case SampleTaskIdRole:
        return c.sampleTaskId;
    default:
        return {};
    }
}

QVariant FailureClusterModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case LastSeenColumn:
        return tr("Last seen");
    case CountColumn:
        return tr("Attempts");
    case TasksColumn:
        return tr("Tasks");
    case SignatureColumn:
        return tr("Error signature");
    case QueuesColumn:
        return tr("Queues");
    case TypesColumn:
        return tr("Types");
    case FirstSeenColumn:
        return tr("First seen");
    case SampleColumn:
        return tr("Sample");
    default:
        return {};
    }
}

} // namespace qd::ui
