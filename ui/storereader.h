#pragma once

#include "core/monitoring/dashboardreader.h"

#include "core/storeoptions.h"
#include "core/task.h"
#include "core/taskstore.h"
#include "sourcestatus.h"

#include <QObject>
#include <QPointF>

#include <atomic>
#include <memory>

namespace qd::ui {

// Runs the reads the views need on a thread of its own, with a TaskStore opened (lazily) on that thread.
//
// Thread contract: lives in a reader thread (see ReaderThread). Call its fetch* methods only through a queued
// invocation (ReaderThread::post); supersede() may be called from any thread. Replies are signals emitted in the
// reader thread: connect with a context object so they arrive queued.
class StoreReader : public QObject {
    Q_OBJECT
public:
    explicit StoreReader(StoreOptions options);
    ~StoreReader() override;

    // Page requests whose batch token is older than this are skipped: the view has scrolled on since.
    void supersede(quint64 batchToken) { m_latestBatch.store(batchToken, std::memory_order_relaxed); }

    void fetchCount(quint64 generation, const qd::TaskFilter& filter);
    // Rows [start, start + limit) of the sorted result. When `reversed`, the query runs with the opposite order and
    // a small offset from the end (deep OFFSET scans are slow), and the rows are flipped back.
    void fetchPage(quint64 generation, quint64 batchToken, const qd::TaskQuery& query, int page, qint64 start,
        int limit, qint64 total, bool reversed);
    void fetchTask(quint64 requestId, qint64 taskId);
    void fetchSamples(quint64 requestId, const QStringList& queues, int resolutionSeconds, qint64 from, qint64 to);
    void fetchTypes();
    // How each queue (and "" for all) was served over [from, to): the capacity panel's slices.
    void fetchServiceStats(quint64 requestId, qint64 from, qint64 to);
    // The ids of the rows in `rowRanges` (inclusive row numbers of the sorted result of `query`, which had `total`
    // rows), for a selection of rows that were never loaded. A range over the whole result (select all) is read
    // in one streaming pass instead of by OFFSET.
    void fetchRowIds(
        quint64 requestId, const qd::TaskQuery& query, const QList<std::pair<qint64, qint64>>& rowRanges, qint64 total);
    // Which of `ids` still match `filter`, for a selection after a live refresh: a selected task that left the
    // filter (cancelled while the table shows scheduled tasks) must leave the selection. Read in chunks of ids.
    void fetchMatchingIds(quint64 requestId, const qd::TaskFilter& filter, const QList<qint64>& ids);
    // How many tasks match `filter` (a bulk action's preview); -1 when reading failed (readFailed says why).
    void fetchBulkCount(quint64 requestId, const qd::TaskFilter& filter);
    // Every source of the `sources` table with its tasks' figures as of `nowMs` and, for spools, the backlog of its
    // folders (read from the file system here, never on the GUI thread).
    void fetchSources(quint64 requestId, qint64 nowMs);
    // The tasks `source` created per second in each `bucketMs` of [fromMs, toMs), every bucket present (zero when
    // none): x is the bucket's start in ms since the epoch.
    void fetchSourceRates(
        quint64 requestId, const qd::SourceRecord& source, qint64 fromMs, qint64 toMs, qint64 bucketMs);
    // Every process of the `processes` table with the tasks it runs (TaskStore::processes()), for the Workers view.
    void fetchProcesses(quint64 requestId);
    // Failed attempts grouped by error signature (TaskStore::failureClusters), for the Failures view and its actions.
    void fetchFailureClusters(quint64 requestId, const qd::FailureClusterQuery& query);
    // Rows of the audit log, newest first (TaskStore::auditEntries), for the Audit panel.
    void fetchAuditEntries(quint64 requestId, const qd::AuditQuery& query);
    // The dashboard strip's figures as of `nowMs`, "today" starting at `dayStartMs` (DashboardReader: after the first
    // read, only the last hour's events are read).
    void fetchDashboard(quint64 requestId, qint64 nowMs, qint64 dayStartMs);
    // Closes the store (its SQL connection belongs to the reader thread). Called in the reader thread as it finishes;
    // a later fetch would open it again.
    void closeStore();

Q_SIGNALS:
    void countFetched(quint64 generation, qint64 count);
    void pageFetched(quint64 generation, quint64 batchToken, int page, const QList<qd::Task>& rows);
    // A page request skipped as superseded, or failed: the requester may ask again if the rows are still wanted.
    void pageDropped(quint64 generation, quint64 batchToken, int page);
    void taskFetched(quint64 requestId, const qd::TaskWithEvents& task);
    void samplesFetched(quint64 requestId, const QList<qd::QueueSample>& samples);
    void typesFetched(const QStringList& types);
    void serviceStatsFetched(quint64 requestId, qint64 from, qint64 to, const QHash<QString, qd::ServiceStats>& stats);
    // complete is false when reading failed (readFailed says why): the ids are then only part of the rows.
    void rowIdsFetched(quint64 requestId, const QList<qint64>& ids, bool complete);
    // complete is false when reading failed: `matching` is then only part of the answer.
    void matchingIdsFetched(quint64 requestId, const QList<qint64>& matching, bool complete);
    void bulkCountFetched(quint64 requestId, qint64 count);
    // complete is false when the table could not be read (readFailed says why).
    void sourcesFetched(quint64 requestId, const QList<qd::ui::SourceStatus>& sources, bool complete);
    void sourceRatesFetched(quint64 requestId, const QList<QPointF>& perSecond);
    // error is empty when the rows were read; else it says why not (a database from before heartbeats opened
    // read-only has no such table), and the view says so itself rather than the window's banner every 2 s.
    void processesFetched(quint64 requestId, const QList<qd::ProcessRecord>& processes, const QString& error);
    // error is empty when the clusters were read; else it says why not (the view shows it in place).
    void failureClustersFetched(quint64 requestId, const QList<qd::FailureCluster>& clusters, const QString& error);
    void dashboardFetched(quint64 requestId, const qd::DashboardFigures& figures);
    // error is empty when the rows were read; else it says why not (the panel shows it in place).
    void auditEntriesFetched(quint64 requestId, const QList<qd::AuditEntry>& entries, const QString& error);
    void readFailed(const QString& message);

private:
    TaskStore* store();

    StoreOptions m_options;
    std::unique_ptr<TaskStore> m_store;
    DashboardReader m_dashboard; // keeps today's settled attempts between the strip's reads
    QString m_openError;
    std::atomic<quint64> m_latestBatch {0};
};

} // namespace qd::ui
