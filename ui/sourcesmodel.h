#pragma once

#include "sourcestatus.h"

#include "core/amqp/amqpqueuewatcher.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QTimer>

namespace qd::ui {

class ReaderThread;

// The spools, AMQP bridges and events-out relays of the `sources` table, one row each: kind, name, target queue and
// type (a relay's exchange), state and since when, backlog, tasks created per second over 1 and 5 minutes, failed
// tasks, dead files, a relay's cursor, the last error. A bridge's state is what the `work` processes running it
// wrote to `source_states` (consuming, reconnecting with the error and the next try, ...); without one, what the
// broker says. Read through the reader thread every refreshMs (no new read while one is on its
// way; stale replies are dropped by request id).
//
// Ingest rates count the tasks whose idempotency key carries the source's prefix (core/sourcekeys.h): a task JSON
// that sets its own key is not counted. An AMQP bridge's backlog is its queue's depth in the broker, a relay's the
// events after its cursor. What the broker says (reachable, depth, consumers) comes from setBrokerStats (the
// window's BrokerMonitor); before it, a bridge's backlog shows "—".
//
// Thread contract: GUI thread only.
class SourcesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        KindColumn,
        NameColumn,
        TargetColumn,
        StateColumn,
        SinceColumn,
        BacklogColumn,
        RateMinuteColumn,
        RateFiveMinutesColumn,
        FailedColumn,
        DeadColumn,
        CursorColumn,
        LastErrorColumn,
        ColumnCount
    };
    enum Role { SourceNameRole = Qt::UserRole + 1, PausedRole };

    explicit SourcesModel(ReaderThread* reader, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Asks the reader for the sources now (a read already on its way is answered, then superseded).
    void reload();
    const QList<SourceStatus>& sources() const { return m_sources; }
    // The row of a source by name, -1 when there is none.
    int rowOf(const QString& name) const;
    // The broker's side of the bridges and relays, by source name (replaces what was there).
    void setBrokerStats(const QList<qd::AmqpQueueStats>& stats);

    static constexpr int refreshMs = 2000;

Q_SIGNALS:
    // A reply was applied (tests and the panel's buttons wait for it).
    void sourcesUpdated();

private:
    void apply(quint64 requestId, const QList<SourceStatus>& sources, bool complete);
    QString text(const SourceStatus& s, int column) const;
    QString toolTip(const SourceStatus& s, int column) const;
    const AmqpQueueStats* brokerOf(const SourceStatus& s) const;
    // The state the processes running a source report, worst first: "reconnecting: ERROR (1 of 2 processes)".
    QString runStateText(const SourceStatus& s) const;
    QString runStatesToolTip(const SourceStatus& s) const;

    ReaderThread* m_reader;
    QList<SourceStatus> m_sources;
    QHash<QString, AmqpQueueStats> m_broker; // by source name
    quint64 m_latestRequest = 0;
    bool m_inFlight = false;
    QTimer m_refreshTimer;
};

} // namespace qd::ui
