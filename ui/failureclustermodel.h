#pragma once

#include "core/failures/failurecluster.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QTimer>

#include <optional>

namespace qd::ui {

class ReaderThread;

// Failure clusters (TaskStore::failureClusters), newest first: last seen, attempts, tasks, signature, queues, types,
// first seen, sample task. Read through the reader thread every refreshMs while refreshing is on (no new read while
// one is on its way; stale replies are dropped by request id). Also reads one cluster's task ids for an action.
//
// Thread contract: GUI thread only.
class FailureClusterModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        LastSeenColumn,
        CountColumn,
        TasksColumn,
        SignatureColumn,
        QueuesColumn,
        TypesColumn,
        FirstSeenColumn,
        SampleColumn,
        ColumnCount
    };
    enum Role { SignatureIdRole = Qt::UserRole + 1, SampleTaskIdRole };

    explicit FailureClusterModel(ReaderThread* reader, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Reads the clusters now (a read on its way is answered, then superseded).
    void reload();
    // Periodic reads on or off (the panel turns them off while hidden).
    void setRefreshing(bool on);
    const QList<FailureCluster>& clusters() const { return m_clusters; }
    // The row of a cluster by signature id, -1 when there is none.
    int rowOf(const QString& signatureId) const;
    // The error of the last read, empty when it worked.
    const QString& lastError() const { return m_error; }
    // Reads the ids of the tasks of cluster `signatureId` as they are now; answered by clusterTasksFetched with `tag`.
    void fetchClusterTasks(const QString& signatureId, int tag);

    static constexpr int refreshMs = 3000;

Q_SIGNALS:
    // A reply was applied (the panel and tests wait for it).
    void clustersUpdated();
    // `cluster` with its task ids; nothing when it is gone (or the read failed: `error` says why).
    void clusterTasksFetched(int tag, const std::optional<qd::FailureCluster>& cluster, const QString& error);

private:
    void apply(quint64 requestId, const QList<FailureCluster>& clusters, const QString& error);
    QString text(const FailureCluster& c, int column) const;

    ReaderThread* m_reader;
    QList<FailureCluster> m_clusters;
    QString m_error;
    quint64 m_nextRequest = 0;
    quint64 m_latestRefresh = 0;
    bool m_inFlight = false;
    QHash<quint64, int> m_taskRequests; // request id -> tag
    QTimer m_refreshTimer;
};

} // namespace qd::ui
