#pragma once

#include "core/export/historyexporter.h"
#include "core/storeoptions.h"
#include "core/task.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

namespace qd::ui {

// What to export and where: one of tasks (by filter), task events or metric samples (by time range and queues).
struct ExportRequest {
    enum class Kind { Tasks, Events, Metrics };
    Kind kind = Kind::Tasks;
    TaskFilter filter; // Tasks
    qint64 from = 0; // Events, Metrics: from <= at < to
    qint64 to = 0; // 0: no upper bound (now, for metrics)
    QStringList queues; // Events, Metrics; empty: every queue
    int resolutionSeconds = 60; // Metrics: 1 or 60
    ExportFormat format = ExportFormat::Csv;
    QString path;
};

// Runs one HistoryExporter call on a thread of its own with a TaskStore of its own (opened there, read-only), so
// a million-row export never blocks the GUI. The file is written through QSaveFile by the exporter: a cancelled or
// failed export leaves nothing under the chosen name.
//
// Thread contract: create, start, cancel and destroy on the GUI thread; progressed and finished arrive there
// (queued). The destructor cancels a running export and waits for its thread (the exporter stops within
// `checkEveryRows` rows).
class ExportJob : public QObject {
    Q_OBJECT
public:
    ExportJob(StoreOptions store, ExportRequest request, QObject* parent = nullptr);
    ~ExportJob() override;

    const ExportRequest& request() const { return m_request; }
    void start();
    // Asks the export to stop at its next check; finished() follows with cancelled = true (unless it had already
    // completed).
    void cancel();
    bool isRunning() const { return m_running; }
    bool isCancelRequested() const { return m_cancel->load(); }

    // How often (in rows) the exporter reports progress and looks for a cancel request.
    void setCheckEveryRows(int rows) { m_checkEveryRows = rows; }
    // progressed() comes at most this often (and for the first and the last report).
    static constexpr int progressIntervalMs = 100;
    // For tests: called on the export thread at every progress check, after the progress was posted to the GUI
    // thread (when it is) and before the cancel flag is read.
    void setProgressHook(std::function<void(qint64 rows)> hook) { m_hook = std::move(hook); }

Q_SIGNALS:
    // total is -1 when it is not known up front (metrics).
    void progressed(qint64 rows, qint64 total);
    void finished(bool ok, bool cancelled, qint64 rows, const QString& error);

private:
    StoreOptions m_store;
    ExportRequest m_request;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    std::function<void(qint64)> m_hook;
    int m_checkEveryRows = 1000;
    bool m_running = false;
    std::thread m_thread;
};

} // namespace qd::ui
