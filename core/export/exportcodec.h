#pragma once

#include "../auditentry.h"
#include "../task.h"

#include <QByteArray>
#include <QJsonObject>
#include <QLatin1String>
#include <QList>

namespace qd {

// How text cells of a CSV are written: as stored, or with a leading apostrophe on a cell that starts with = + - @,
// a tab or a CR, so that a spreadsheet shows it as text instead of running it as a formula (CSV injection).
enum class CsvCells { AsStored, SpreadsheetSafe };

// How tasks, events and metric samples look in an export, shared by the CSV and JSON Lines writers and by the
// command line's --json output so that every machine-readable form of a record uses the same field names.
// Thread contract: stateless; every function may be called from any thread.
class ExportCodec {
public:
    // ISO 8601 UTC with milliseconds ("2026-11-25T12:00:00.123Z"); empty for 0 (unset).
    static QString isoTime(qint64 msSinceEpoch);
    // The same appended to a line as Latin-1 bytes; nothing for 0.
    static void appendIsoTime(QByteArray& line, qint64 msSinceEpoch);
    // Parses ISO 8601 ("2026-11-25", "2026-11-25T12:00", "...Z", "...+01:00"); a time without an offset is UTC.
    // Returns std::nullopt when the text is not a date.
    static std::optional<qint64> parseIsoTime(const QString& text);

    // The payload or result as a JSON value: the parsed document when it is valid JSON, null when empty, and the
    // raw text as a string otherwise (so that nothing stored is lost).
    static QJsonValue embeddedJson(const QByteArray& text);

    static QJsonObject taskToJson(const Task& task);
    static QJsonObject eventToJson(const TaskEvent& event);
    static QJsonObject sampleToJson(const QueueSample& sample);
    // An audit row; its filter and detail embedded as JSON, its count null when it is not about tasks.
    static QJsonObject auditToJson(const AuditEntry& entry);

    // Column order of the CSV exports (the JSON objects carry the same keys; taskCsvRecord follows taskColumns()).
    static const QList<QLatin1String>& taskColumns();
    static const QList<QLatin1String>& eventColumns();
    static const QList<QLatin1String>& sampleColumns();
    static const QList<QLatin1String>& auditColumns();

    // Appends one RFC 4180 field: quoted when it holds a quote, comma, CR or LF, with quotes doubled.
    static void appendCsvField(QByteArray& line, const QByteArray& utf8, CsvCells cells = CsvCells::AsStored);
    // The same for text, as UTF-8.
    static void appendCsvField(QByteArray& line, const QString& text, CsvCells cells = CsvCells::AsStored);
    // One CSV record of `object`'s values in `columns` order, terminated by CRLF. Strings as they are, numbers
    // without exponent where whole, null as an empty field, objects and arrays as compact JSON text.
    static QByteArray csvRecord(
        const QJsonObject& object, const QList<QLatin1String>& columns, CsvCells cells = CsvCells::AsStored);
    // Appends a task's CSV record, written field by field (no QJsonObject in between: that was 85% of a 1M-task
    // export, bench B10), into a line the caller reuses. Payload and result are the stored JSON text as it is, so a
    // CSV shows exactly what was enqueued.
    static void appendTaskCsvRecord(QByteArray& line, const Task& task, CsvCells cells = CsvCells::AsStored);
    // An event's CSV record, the same bytes as csvRecord(eventToJson(event), eventColumns()) without the JSON object.
    static void appendEventCsvRecord(QByteArray& line, const TaskEvent& event, CsvCells cells = CsvCells::AsStored);
    static QByteArray csvHeader(const QList<QLatin1String>& columns);
    // One compact JSON object followed by LF.
    static QByteArray jsonLine(const QJsonObject& object);
};

} // namespace qd
