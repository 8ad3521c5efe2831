#pragma once

#include "../auditentry.h"
#include "../result.h"
#include "../task.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

class QIODevice;

namespace qd {

class TaskStore;

enum class ExportFormat {
    Csv, // RFC 4180: header row, CRLF line ends, UTF-8, ISO 8601 UTC times with milliseconds
    SpreadsheetCsv, // the same, with text cells that a spreadsheet would run as a formula made plain text (CsvCells)
    JsonLines, // one compact JSON object per line; payload and result embedded as JSON values
};

// "csv", "jsonl" (also "ndjson", "jsonlines"); std::nullopt for anything else.
std::optional<ExportFormat> exportFormatFromName(QStringView name);
// Csv and SpreadsheetCsv.
constexpr bool isCsv(ExportFormat format)
{
    return format != ExportFormat::JsonLines;
}

// How a caller follows and stops a long export. Both hooks are looked at every `checkEveryRows` rows and once at
// the end, on the exporting thread.
struct ExportControl {
    // Either may be set; the export stops with ErrorCode::Cancelled when one says so. The flag may be set from any
    // thread (or a signal handler); the function is called on the exporting thread.
    const std::atomic<bool>* cancelFlag = nullptr;
    std::function<bool()> isCancelled;
    // rowsWritten so far and the expected total, or -1 when the total is not known up front (events, metrics).
    std::function<void(qint64 rowsWritten, qint64 total)> progress;
    int checkEveryRows = 1000;
};

// Writes tasks, their state-transition history and metric series to CSV or JSON Lines, streaming from the
// database in constant memory (rows are formatted and written one by one, never collected).
//
// Writing to a path goes through a QSaveFile: the rows go to a temporary file next to the target, renamed over it
// only when every row was written; a failure or a cancel leaves the target untouched (absent or its old content).
// Writing to a QIODevice (e.g. stdout) has no such guarantee.
//
// Thread contract: call from the thread that owns the TaskStore (a store belongs to the thread that opened it);
// the export blocks that thread, so the GUI runs it on a worker thread with a store of its own. The callbacks of
// ExportControl run on that same thread. Returns the number of data rows written (the header is not counted).
class HistoryExporter {
public:
    // Tasks matching `filter` (an empty filter: all), in id order.
    static Result<qint64> exportTasks(TaskStore& store, const TaskFilter& filter, ExportFormat format,
        const QString& path, const ExportControl& control = {});
    static Result<qint64> exportTasks(TaskStore& store, const TaskFilter& filter, ExportFormat format, QIODevice& out,
        const ExportControl& control = {});

    // Every TaskEvent with from <= at < to (to 0: no upper bound), of `queues` (empty: all), in id order.
    static Result<qint64> exportEvents(TaskStore& store, qint64 from, qint64 to, const QStringList& queues,
        ExportFormat format, const QString& path, const ExportControl& control = {});
    static Result<qint64> exportEvents(TaskStore& store, qint64 from, qint64 to, const QStringList& queues,
        ExportFormat format, QIODevice& out, const ExportControl& control = {});

    // QueueSample rows of the metrics history at `resolutionSeconds` (1 or 60) with from <= at < to (to 0: now),
    // for `queues` (empty: every queue), queue by queue in time order. Read in windows of bounded size.
    static Result<qint64> exportSamples(TaskStore& store, const QStringList& queues, int resolutionSeconds, qint64 from,
        qint64 to, ExportFormat format, const QString& path, const ExportControl& control = {});
    static Result<qint64> exportSamples(TaskStore& store, const QStringList& queues, int resolutionSeconds, qint64 from,
        qint64 to, ExportFormat format, QIODevice& out, const ExportControl& control = {});

    // Rows of the audit log matching `query` (its limit unused), oldest first.
    static Result<qint64> exportAudit(TaskStore& store, const AuditQuery& query, ExportFormat format,
        const QString& path, const ExportControl& control = {});
    static Result<qint64> exportAudit(TaskStore& store, const AuditQuery& query, ExportFormat format, QIODevice& out,
        const ExportControl& control = {});
};

} // namespace qd
