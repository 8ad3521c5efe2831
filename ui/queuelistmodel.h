#pragma once

#include "brokermonitor.h"
#include "core/task.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QTimer>

namespace qd {
class QueueEngine;
}

namespace qd::ui {

// One row per queue: paused or running, concurrency, how many tasks in each state, throughput and wait time.
// Everything comes from the engine's memory (counts(), queueConfigs(), statsSampled), so it never reads the database.
// Rows are kept in name order; new queues are inserted, existing rows only emit dataChanged.
// Bridged RabbitMQ queues follow, one row each ("rabbitmq: NAME", from setBrokerQueues): the broker's state in the
// status column, consumers in the concurrency column, ready messages as queued, and the bridge's intake as done/s.
// They are not QueueDesk queues: their QueueNameRole is empty and queueNames(), totals() leave them out.
//
// Thread contract: GUI thread only.
class QueueListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        StatusColumn,
        ConcurrencyColumn,
        FirstStateColumn,
        ThroughputColumn = FirstStateColumn + taskStateCount,
        WaitP95Column,
        ColumnCount
    };
    // BrokerQueueRole: a RabbitMQ row's display name ("rabbitmq: NAME"), empty on a QueueDesk row.
    enum Role { QueueNameRole = Qt::UserRole + 1, PausedRole, ConcurrencyRole, BrokerQueueRole };

    explicit QueueListModel(QueueEngine* engine, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    QStringList queueNames() const;
    // Re-reads configurations and counts from the engine (called at ~4 Hz at most on changes).
    void reload();
    void applySample(const StatsSample& sample);
    // The bridged RabbitMQ queues, as the BrokerMonitor read them (replaces the previous ones).
    void setBrokerQueues(const QList<qd::ui::BrokerQueueRow>& rows);
    // The rows' counts and rates added up: what the status bar shows, so the two never disagree.
    StateCounts totals() const;
    double throughput() const; // completed per second in the last sample, all queues
    double failuresPerSecond() const;

Q_SIGNALS:
    // After every reload and every sample applied: the rows' counts may have changed.
    void countsChanged();

private:
    struct Row {
        QueueConfig config;
        StateCounts counts {};
        double throughput = 0; // completed per second in the last sample
        double failuresPerSecond = 0;
        double waitP95Ms = 0;
    };

    QVariant brokerData(const BrokerQueueRow& row, int column, int role) const;

    QueueEngine* m_engine;
    QList<Row> m_rows;
    QList<BrokerQueueRow> m_brokerRows; // shown after m_rows
    QTimer m_reloadTimer;
};

} // namespace qd::ui
