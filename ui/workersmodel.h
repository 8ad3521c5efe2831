#pragma once

#include "core/processrecord.h"
#include "core/task.h"

#include <QAbstractItemModel>
#include <QTimer>

namespace qd {
class QueueEngine;
}

namespace qd::ui {

class ReaderThread;

// The workers of every process on the database, grouped by process: a row per process (its heartbeat row: host,
// pid, kind, workers, running tasks, last seen; lost ones say since when), under it a row per worker. This window's
// process comes first and is marked; its workers come from the engine's memory, read at most every refreshMs after
// workersChanged (two workers on short tasks change state thousands of times a second; a repaint for each would keep
// the GUI thread busy). Other processes' workers are their running tasks (by lease owner) and idle rows up
// to their worker count, read through the reader thread every processesRefreshMs. Only rows that changed repaint;
// the list of processes changing resets the model.
//
// Thread contract: GUI thread only.
class WorkersModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, StatusColumn, QueueColumn, TypeColumn, TaskColumn, SinceColumn, ColumnCount };
    enum Role {
        ProcessStateRole = Qt::UserRole + 1, // on a process row: ProcessRecord::State as int
        IsThisProcessRole, // on a process row: this window's
        ProcessIdRole, // on a process row: its id (the lease owner name)
        LastSeenRole, // on a process row: its last heartbeat, ms since the epoch
    };

    WorkersModel(QueueEngine* engine, ReaderThread* reader, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static constexpr int refreshMs = 100;
    static constexpr int processesRefreshMs = 2000;

    // Reads this process's workers now and asks for the processes again.
    void reload();
    // This window's busy workers.
    int busyCount() const;
    // The row of this window's process (always present, first).
    QModelIndex thisProcess() const { return index(0, 0); }

Q_SIGNALS:
    // The processes were read (or could not be: the error says why); for tests and the window.
    void processesRead();

private:
    struct WorkerRow {
        QString name;
        bool busy = false;
        QString queue;
        QString type;
        qint64 taskId = 0;
        qint64 since = 0; // busy (or idle, for our own workers) since; 0: unknown
        QString fullName; // ours: the name the task history records ("host:pid:tag/w0")
    };
    struct ProcessRow {
        ProcessRecord record;
        bool self = false;
        QList<WorkerRow> workers;
    };

    void refreshOwnWorkers();
    void applyProcesses(quint64 requestId, const QList<ProcessRecord>& processes, const QString& error);
    // Replaces process `row`'s worker rows, inserting, removing or repainting only what changed.
    void setWorkers(int row, QList<WorkerRow> workers);
    ProcessRecord ownRecord() const;
    QList<WorkerRow> ownWorkers() const;
    static QList<WorkerRow> workersOf(const ProcessRecord& record, qint64 now);
    QString processSummary(const ProcessRow& process) const;

    QueueEngine* m_engine;
    ReaderThread* m_reader;
    QList<ProcessRow> m_processes; // [0] is this process
    QString m_readError;
    quint64 m_latestRequest = 0;
    bool m_inFlight = false;
    QTimer m_refreshTimer; // our own workers, single-shot after workersChanged
    QTimer m_processesTimer;
};

} // namespace qd::ui
