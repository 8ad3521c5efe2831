#pragma once

#include "core/auditentry.h"

#include <QAbstractTableModel>
#include <QTimer>

namespace qd::ui {

class ReaderThread;

// The audit log (TaskStore::auditEntries), newest first: when, who, client, action, target, tasks, filter, detail.
// Read through the reader thread every refreshMs while refreshing is on (never on the GUI thread; no new read while
// one is on its way; stale replies are dropped by request id), at most rowLimit rows, of one action or all.
//
// Thread contract: GUI thread only.
class AuditLogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        AtColumn,
        WhoColumn,
        ClientColumn,
        ActionColumn,
        TargetColumn,
        CountColumn,
        FilterColumn,
        DetailColumn,
        ColumnCount
    };

    explicit AuditLogModel(ReaderThread* reader, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Only rows of this action (one of auditActionNames()); empty: every action. Reads again at once.
    void setAction(const QString& action);
    const QString& action() const { return m_action; }
    // Reads the rows now (a read on its way is answered, then superseded).
    void reload();
    // Periodic reads on or off (the panel turns them off while hidden).
    void setRefreshing(bool on);
    const QList<AuditEntry>& entries() const { return m_entries; }
    // The error of the last read, empty when it worked.
    const QString& lastError() const { return m_error; }

    static constexpr int refreshMs = 3000;
    static constexpr int rowLimit = 1000;

Q_SIGNALS:
    // A reply was applied (the panel and tests wait for it).
    void entriesUpdated();

private:
    void apply(quint64 requestId, const QList<qd::AuditEntry>& entries, const QString& error);
    QString text(const AuditEntry& e, int column) const;

    ReaderThread* m_reader;
    QList<AuditEntry> m_entries;
    QString m_action;
    QString m_error;
    quint64 m_nextRequest = 0;
    bool m_inFlight = false;
    QTimer m_refreshTimer;
};

} // namespace qd::ui
