#include "historyexporter.h"

#include "../ownerfile.h"
#include "../taskstore.h"
#include "exportcodec.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSaveFile>

#include <limits>
#include <optional>

Q_LOGGING_CATEGORY(lcExport, "qd.core.export")

namespace qd {

namespace {

CsvCells csvCells(ExportFormat format)
{
    return format == ExportFormat::SpreadsheetCsv ? CsvCells::SpreadsheetSafe : CsvCells::AsStored;
}

// Formats rows into the device and keeps count, watching for cancellation, progress and write errors.
class RowWriter {
public:
    RowWriter(QIODevice& out, ExportFormat format, const QList<QLatin1String>& columns, const ExportControl& control,
        qint64 total)
        : m_out(out)
        , m_format(format)
        , m_columns(columns)
        , m_control(control)
        , m_total(total)
        , m_checkEvery(qMax(1, control.checkEveryRows))
    { }

    bool writeHeader()
    {
        if (isCsv(m_format))
            return put(ExportCodec::csvHeader(m_columns));
        return true;
    }

    // Returns false to stop: a write failed or the caller cancelled (see error()).
    bool writeRow(const QJsonObject& row)
    {
        return writeRecord(
            isCsv(m_format) ? ExportCodec::csvRecord(row, m_columns, csvCells(m_format)) : ExportCodec::jsonLine(row));
    }

    // The same for a record already formatted.
    bool writeRecord(const QByteArray& record)
    {
        return appendRecord([&record](QByteArray& pending) { pending += record; });
    }

    // The same for a record that `format(pending)` appends to the rows not yet written. Rows reach the device in
    // chunks: a QIODevice::write per row of a million-row export cost more than formatting the row (perf, B10).
    template <typename Format> bool appendRecord(Format format)
    {
        format(m_pending);
        ++m_rows;
        if (m_pending.size() >= chunkBytes && !flush())
            return false;
        if (m_rows % m_checkEvery == 0)
            return checkpoint();
        return true;
    }

    // Called once more at the end so that a cancel in the last stretch is honoured and progress reaches the total.
    // Progress counts rows on the device: what is pending is written first.
    bool checkpoint()
    {
        if (!flush())
            return false;
        if (m_control.progress)
            m_control.progress(m_rows, m_total);
        const bool cancelled = (m_control.cancelFlag && m_control.cancelFlag->load(std::memory_order_relaxed))
            || (m_control.isCancelled && m_control.isCancelled());
        if (cancelled) {
            m_error = Error {ErrorCode::Cancelled, QStringLiteral("The export was cancelled.")};
            return false;
        }
        return true;
    }

    qint64 rows() const { return m_rows; }
    const std::optional<Error>& error() const { return m_error; }

private:
    static constexpr qsizetype chunkBytes = 256 * 1024;

    bool flush()
    {
        if (m_pending.isEmpty())
            return true;
        const bool written = put(m_pending);
        m_pending.clear(); // keeps its capacity for the next chunk
        return written;
    }

    bool put(const QByteArray& bytes)
    {
        if (m_out.write(bytes) == bytes.size())
            return true;
        m_error = Error {ErrorCode::Io, QStringLiteral("Cannot write the export: %1").arg(m_out.errorString())};
        return false;
    }

    QIODevice& m_out;
    ExportFormat m_format;
    const QList<QLatin1String>& m_columns;
    const ExportControl& m_control;
    qint64 m_total;
    int m_checkEvery;
    qint64 m_rows = 0;
    QByteArray m_pending; // formatted rows not yet written, up to about chunkBytes
    std::optional<Error> m_error;
};

// Combines what the writer saw with what the store reported into the export's result.
Result<qint64> finish(RowWriter& writer, const Status& streamed)
{
    if (writer.error())
        return *writer.error();
    if (!streamed.ok())
        return streamed.error();
    if (!writer.checkpoint())
        return *writer.error();
    return writer.rows();
}

// Opens a QSaveFile on `path`, runs `body` into it and commits only when the body succeeded.
Result<qint64> writeAtomically(const QString& path, const std::function<Result<qint64>(QIODevice&)>& body)
{
    if (path.isEmpty())
        return Error {ErrorCode::InvalidArgument, QStringLiteral("No file name given for the export.")};
    QSaveFile file(path);
    // Exports hold payloads and results in plain text: 0600 whatever the umask (an existing file included).
    if (!file.open(QIODevice::WriteOnly) || !restrictToOwner(file)) {
        return Error {ErrorCode::Io,
            QStringLiteral("Cannot create %1: %2").arg(QDir::toNativeSeparators(path), file.errorString())};
    }
    Result<qint64> result = body(file);
    if (!result.ok()) {
        file.cancelWriting(); // the destructor then removes the temporary file
        return result;
    }
    if (!file.commit()) {
        return Error {ErrorCode::Io,
            QStringLiteral("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString())};
    }
    qCDebug(lcExport) << "exported" << result.value() << "rows to" << path;
    return result;
}

} // namespace

std::optional<ExportFormat> exportFormatFromName(QStringView name)
{
    if (name.compare(u"csv", Qt::CaseInsensitive) == 0)
        return ExportFormat::Csv;
    if (name.compare(u"jsonl", Qt::CaseInsensitive) == 0 || name.compare(u"ndjson", Qt::CaseInsensitive) == 0
        || name.compare(u"jsonlines", Qt::CaseInsensitive) == 0)
        return ExportFormat::JsonLines;
    return std::nullopt;
}

Result<qint64> HistoryExporter::exportTasks(
    TaskStore& store, const TaskFilter& filter, ExportFormat format, QIODevice& out, const ExportControl& control)
{
    const Result<qint64> total = store.countTasks(filter);
    if (!total.ok())
        return total.error();
    RowWriter writer(out, format, ExportCodec::taskColumns(), control, total.value());
    if (!writer.writeHeader())
        return *writer.error();
    const Status streamed = store.forEachTask(filter, [&writer, format](const Task& task) {
        if (isCsv(format))
            return writer.appendRecord(
                [&task, format](QByteArray& line) { ExportCodec::appendTaskCsvRecord(line, task, csvCells(format)); });
        return writer.writeRow(ExportCodec::taskToJson(task));
    });
    return finish(writer, streamed);
}

Result<qint64> HistoryExporter::exportTasks(
    TaskStore& store, const TaskFilter& filter, ExportFormat format, const QString& path, const ExportControl& control)
{
    return writeAtomically(path, [&](QIODevice& out) { return exportTasks(store, filter, format, out, control); });
}

Result<qint64> HistoryExporter::exportEvents(TaskStore& store, qint64 from, qint64 to, const QStringList& queues,
    ExportFormat format, QIODevice& out, const ExportControl& control)
{
    const Result<qint64> total = store.countEvents(from, to, queues);
    if (!total.ok())
        return total.error();
    RowWriter writer(out, format, ExportCodec::eventColumns(), control, total.value());
    if (!writer.writeHeader())
        return *writer.error();
    const qint64 upper = to > 0 ? to : std::numeric_limits<qint64>::max();
    const Status streamed = store.forEachEvent(from, upper, queues, [&writer, format](const TaskEvent& event) {
        if (isCsv(format))
            return writer.appendRecord([&event, format](QByteArray& line) {
                ExportCodec::appendEventCsvRecord(line, event, csvCells(format));
            });
        return writer.writeRow(ExportCodec::eventToJson(event));
    });
    return finish(writer, streamed);
}

Result<qint64> HistoryExporter::exportEvents(TaskStore& store, qint64 from, qint64 to, const QStringList& queues,
    ExportFormat format, const QString& path, const ExportControl& control)
{
    return writeAtomically(
        path, [&](QIODevice& out) { return exportEvents(store, from, to, queues, format, out, control); });
}

Result<qint64> HistoryExporter::exportSamples(TaskStore& store, const QStringList& queues, int resolutionSeconds,
    qint64 from, qint64 to, ExportFormat format, QIODevice& out, const ExportControl& control)
{
    if (resolutionSeconds <= 0)
        return Error {
            ErrorCode::InvalidArgument, QStringLiteral("The resolution must be a positive number of seconds.")};
    QStringList names = queues;
    if (names.isEmpty()) {
        const Result<QList<QueueConfig>> configs = store.queues();
        if (!configs.ok())
            return configs.error();
        for (const QueueConfig& config : configs.value())
            names.append(config.name);
        names.sort();
    }
    const qint64 upper = to > 0 ? to : QDateTime::currentMSecsSinceEpoch() + 1;
    // samples() returns a list, so a bounded range is read in windows of at most 4096 rows per queue. Without a
    // lower bound one read covers everything: the store prunes the history to its retention, which bounds it.
    const qint64 window = from > 0 ? qint64(resolutionSeconds) * 1000 * 4096 : std::numeric_limits<qint64>::max();

    RowWriter writer(out, format, ExportCodec::sampleColumns(), control, -1);
    if (!writer.writeHeader())
        return *writer.error();
    for (const QString& queue : std::as_const(names)) {
        for (qint64 start = qMax<qint64>(from, 0); start < upper;) {
            const qint64 end = upper - start > window ? start + window : upper;
            const Result<QList<QueueSample>> rows = store.samples(queue, resolutionSeconds, start, end);
            if (!rows.ok())
                return finish(writer, Status(rows.error()));
            for (const QueueSample& sample : rows.value()) {
                if (!writer.writeRow(ExportCodec::sampleToJson(sample)))
                    return finish(writer, success());
            }
            start = end;
        }
    }
    return finish(writer, success());
}

Result<qint64> HistoryExporter::exportSamples(TaskStore& store, const QStringList& queues, int resolutionSeconds,
    qint64 from, qint64 to, ExportFormat format, const QString& path, const ExportControl& control)
{
    return writeAtomically(path, [&](QIODevice& out) {
        return exportSamples(store, queues, resolutionSeconds, from, to, format, out, control);
    });
}

Result<qint64> HistoryExporter::exportAudit(
    TaskStore& store, const AuditQuery& query, ExportFormat format, QIODevice& out, const ExportControl& control)
{
    const Result<qint64> total = store.countAuditEntries(query);
    if (!total.ok())
        return total.error();
    RowWriter writer(out, format, ExportCodec::auditColumns(), control, total.value());
    if (!writer.writeHeader())
        return *writer.error();
    const Status streamed = store.forEachAuditEntry(
        query, [&writer](const AuditEntry& entry) { return writer.writeRow(ExportCodec::auditToJson(entry)); });
    return finish(writer, streamed);
}

Result<qint64> HistoryExporter::exportAudit(
    TaskStore& store, const AuditQuery& query, ExportFormat format, const QString& path, const ExportControl& control)
{
    return writeAtomically(path, [&](QIODevice& out) { return exportAudit(store, query, format, out, control); });
}

} // namespace qd
