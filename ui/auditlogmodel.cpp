#include "auditlogmodel.h"

#include "readerthread.h"
#include "taskformat.h"

namespace qd::ui {

AuditLogModel::AuditLogModel(ReaderThread* reader, QObject* parent)
    : QAbstractTableModel(parent)
    , m_reader(reader)
{
    connect(reader->reader(), &StoreReader::auditEntriesFetched, this, &AuditLogModel::apply);
    m_refreshTimer.setInterval(refreshMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, [this] {
        if (!m_inFlight)
            reload();
    });
}

void AuditLogModel::setRefreshing(bool on)
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

void AuditLogModel::setAction(const QString& action)
{
    if (action == m_action)
        return;
    m_action = action;
    reload();
}

void AuditLogModel::reload()
{
    const quint64 id = ++m_nextRequest;
    m_inFlight = true;
    AuditQuery query;
    query.action = m_action;
    query.limit = rowLimit;
    m_reader->post([id, query](StoreReader* r) { r->fetchAuditEntries(id, query); });
}

void AuditLogModel::apply(quint64 requestId, const QList<AuditEntry>& entries, const QString& error)
{
    if (requestId != m_nextRequest)
        return; // superseded (another action chosen meanwhile)
    m_inFlight = false;
    m_error = error;
    if (error.isEmpty()) {
        bool sameRows = entries.size() == m_entries.size();
        for (qsizetype i = 0; sameRows && i < entries.size(); ++i)
            sameRows = entries[i].id == m_entries[i].id;
        if (sameRows) {
            // Rows never change but for the count of an action still in progress (a purge in batches).
            m_entries = entries;
            if (!m_entries.isEmpty())
                Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        } else {
            beginResetModel();
            m_entries = entries;
            endResetModel();
        }
    }
    Q_EMIT entriesUpdated();
}

int AuditLogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int AuditLogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AuditLogModel::text(const AuditEntry& e, int column) const
{
    switch (column) {
    case AtColumn:
        return formatTimestamp(e.at);
    case WhoColumn:
        return e.dbRole.isEmpty() ? tr("%1@%2").arg(e.actor, e.host)
                                  : tr("%1@%2 (database role %3)").arg(e.actor, e.host, e.dbRole);
    case ClientColumn:
        return e.client;
    case ActionColumn:
        return e.action;
    case TargetColumn:
        return e.target;
    case CountColumn:
        return e.count < 0 ? QString() : formatCount(e.count);
    case FilterColumn:
        return e.filter == u"{}" ? tr("every task") : e.filter;
    case DetailColumn:
        return e.detail;
    default:
        return {};
    }
}

QVariant AuditLogModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_entries.size() || index.column() >= ColumnCount)
        return {};
    const AuditEntry& e = m_entries[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        return text(e, index.column());
    case Qt::ToolTipRole:
        if (index.column() == FilterColumn || index.column() == DetailColumn || index.column() == TargetColumn)
            return text(e, index.column());
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == CountColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant AuditLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case AtColumn:
        return tr("When");
    case WhoColumn:
        return tr("Who");
    case ClientColumn:
        return tr("Client");
    case ActionColumn:
        return tr("Action");
    case TargetColumn:
        return tr("Target");
    case CountColumn:
        return tr("Tasks");
    case FilterColumn:
        return tr("Filter");
    case DetailColumn:
        return tr("Detail");
    default:
        return {};
    }
}

} // namespace qd::ui
