#include "exportcodec.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimeZone>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace qd {

namespace {

// Civil date from days since 1970-01-01 (H. Hinnant's algorithm): exact for every date, and an order of magnitude
// faster than building a QDateTime per field, which matters when a 200,000-row export formats a million times.
void civilFromDays(qint64 days, qint64& year, int& month, int& day)
{
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const qint64 doe = days - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    day = int(doy - (153 * mp + 2) / 5 + 1);
    month = int(mp < 10 ? mp + 3 : mp - 9);
    year = yoe + era * 400 + (month <= 2 ? 1 : 0);
}

void appendDigits(char*& out, qint64 value, int width)
{
    for (int i = width - 1; i >= 0; --i) {
        out[i] = char('0' + value % 10);
        value /= 10;
    }
    out += width;
}

constexpr qsizetype isoTimeLength = 24; // "2026-11-25T12:00:00.123Z"

void appendNumber(QByteArray& line, qint64 value)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    line.append(digits, end - digits);
}

bool needsCsvQuotes(char c)
{
    return c == '"' || c == ',' || c == '\r' || c == '\n';
}

bool startsLikeFormula(char16_t first)
{
    return first == u'=' || first == u'+' || first == u'-' || first == u'@' || first == u'\t' || first == u'\r';
}

QJsonValue timeValue(qint64 ms)
{
    return ms == 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(ExportCodec::isoTime(ms));
}

} // namespace

namespace {

// Writes the 24 characters of isoTime() into `out` and returns true, or false for a year outside 0000-9999.
bool writeIsoTime(qint64 msSinceEpoch, char* out)
{
    qint64 days = msSinceEpoch / 86'400'000;
    qint64 msOfDay = msSinceEpoch % 86'400'000;
    if (msOfDay < 0) {
        msOfDay += 86'400'000;
        --days;
    }
    qint64 year = 0;
    int month = 0, day = 0;
    civilFromDays(days, year, month, day);
    if (year < 0 || year > 9999)
        return false;
    appendDigits(out, year, 4);
    *out++ = '-';
    appendDigits(out, month, 2);
    *out++ = '-';
    appendDigits(out, day, 2);
    *out++ = 'T';
    appendDigits(out, msOfDay / 3'600'000, 2);
    *out++ = ':';
    appendDigits(out, msOfDay / 60'000 % 60, 2);
    *out++ = ':';
    appendDigits(out, msOfDay / 1000 % 60, 2);
    *out++ = '.';
    appendDigits(out, msOfDay % 1000, 3);
    *out = 'Z';
    return true;
}

} // namespace

QString ExportCodec::isoTime(qint64 msSinceEpoch)
{
    if (msSinceEpoch == 0)
        return {};
    char buffer[isoTimeLength];
    if (!writeIsoTime(msSinceEpoch, buffer)) // outside what four digits can say: let Qt spell it
        return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC).toString(Qt::ISODateWithMs);
    return QString::fromLatin1(buffer, isoTimeLength);
}

void ExportCodec::appendIsoTime(QByteArray& line, qint64 msSinceEpoch)
{
    if (msSinceEpoch == 0)
        return;
    const qsizetype at = line.size();
    line.resize(at + isoTimeLength);
    if (!writeIsoTime(msSinceEpoch, line.data() + at)) {
        line.truncate(at);
        line += isoTime(msSinceEpoch).toLatin1();
    }
}

std::optional<qint64> ExportCodec::parseIsoTime(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;
    QDateTime dt = QDateTime::fromString(trimmed, Qt::ISODateWithMs);
    if (!dt.isValid())
        return std::nullopt;
    // Qt reads a time without an offset as local time; scripts expect UTC, like everything else we print.
    static const QRegularExpression hasOffset(QStringLiteral("(Z|[+-]\\d\\d(:?\\d\\d)?)$"));
    const bool dateOnly = !trimmed.contains(u'T') && !trimmed.contains(u' ');
    if (dateOnly || !hasOffset.match(trimmed).hasMatch())
        dt = QDateTime(dt.date(), dt.time(), Qt::UTC);
    return dt.toMSecsSinceEpoch();
}

QJsonValue ExportCodec::embeddedJson(const QByteArray& text)
{
    if (text.isEmpty())
        return QJsonValue(QJsonValue::Null);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError || doc.isNull())
        return QJsonValue(QString::fromUtf8(text));
    if (doc.isArray())
        return doc.array();
    return doc.object();
}

QJsonObject ExportCodec::taskToJson(const Task& task)
{
    return QJsonObject {
        {QLatin1String("id"), task.id},
        {QLatin1String("queue"), task.queue},
        {QLatin1String("type"), task.type},
        {QLatin1String("state"), taskStateName(task.state)},
        {QLatin1String("priority"), task.priority},
        {QLatin1String("attempts"), task.attempts},
        {QLatin1String("max_attempts"), task.maxAttempts},
        {QLatin1String("timeout_ms"), task.timeoutMs},
        {QLatin1String("run_at"), timeValue(task.runAt)},
        {QLatin1String("created_at"), timeValue(task.createdAt)},
        {QLatin1String("started_at"), timeValue(task.startedAt)},
        {QLatin1String("finished_at"), timeValue(task.finishedAt)},
        {QLatin1String("lease_owner"), task.leaseOwner},
        {QLatin1String("lease_expires_at"), timeValue(task.leaseExpiresAt)},
        {QLatin1String("cancel_requested"), task.cancelRequested},
        {QLatin1String("idempotency_key"), task.idempotencyKey},
        {QLatin1String("last_error"), task.lastError},
        {QLatin1String("payload"), embeddedJson(task.payload)},
        {QLatin1String("result"), embeddedJson(task.result)},
    };
}

QJsonObject ExportCodec::eventToJson(const TaskEvent& event)
{
    return QJsonObject {
        {QLatin1String("id"), event.id},
        {QLatin1String("task_id"), event.taskId},
        {QLatin1String("queue"), event.queue},
        {QLatin1String("at"), timeValue(event.at)},
        {QLatin1String("kind"), event.kind},
        {QLatin1String("from_state"),
            event.fromState ? QJsonValue(taskStateName(*event.fromState)) : QJsonValue(QJsonValue::Null)},
        {QLatin1String("to_state"), taskStateName(event.toState)},
        {QLatin1String("attempt"), event.attempt},
        {QLatin1String("worker"), event.worker},
        {QLatin1String("detail"), event.detail},
        {QLatin1String("duration_ms"),
            event.durationMs < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(event.durationMs)},
    };
}

QJsonObject ExportCodec::sampleToJson(const QueueSample& sample)
{
    QJsonObject object {
        {QLatin1String("queue"), sample.queue},
        {QLatin1String("at"), timeValue(sample.at)},
        {QLatin1String("resolution_seconds"), sample.resolutionSeconds},
        {QLatin1String("enqueued"), sample.enqueued},
        {QLatin1String("completed"), sample.completed},
        {QLatin1String("failed_attempts"), sample.failed},
        {QLatin1String("wait_p50_ms"), sample.waitP50Ms},
        {QLatin1String("wait_p95_ms"), sample.waitP95Ms},
    };
    for (TaskState state : allTaskStates)
        object.insert(taskStateName(state), sample.counts[size_t(state)]);
    return object;
}

QJsonObject ExportCodec::auditToJson(const AuditEntry& e)
{
    return QJsonObject {
        {QLatin1String("id"), e.id},
        {QLatin1String("at"), timeValue(e.at)},
        {QLatin1String("actor"), e.actor},
        {QLatin1String("host"), e.host},
        {QLatin1String("client"), e.client},
        {QLatin1String("db_role"), e.dbRole.isEmpty() ? QJsonValue() : QJsonValue(e.dbRole)},
        {QLatin1String("action"), e.action},
        {QLatin1String("target"), e.target.isEmpty() ? QJsonValue() : QJsonValue(e.target)},
        {QLatin1String("filter"), embeddedJson(e.filter.toUtf8())},
        {QLatin1String("count"), e.count < 0 ? QJsonValue() : QJsonValue(e.count)},
        {QLatin1String("detail"), embeddedJson(e.detail.toUtf8())},
    };
}

const QList<QLatin1String>& ExportCodec::auditColumns()
{
    static const QList<QLatin1String> columns {QLatin1String("id"), QLatin1String("at"), QLatin1String("actor"),
        QLatin1String("host"), QLatin1String("client"), QLatin1String("db_role"), QLatin1String("action"),
        QLatin1String("target"), QLatin1String("filter"), QLatin1String("count"), QLatin1String("detail")};
    return columns;
}

const QList<QLatin1String>& ExportCodec::taskColumns()
{
    static const QList<QLatin1String> columns {QLatin1String("id"), QLatin1String("queue"), QLatin1String("type"),
        QLatin1String("state"), QLatin1String("priority"), QLatin1String("attempts"), QLatin1String("max_attempts"),
        QLatin1String("timeout_ms"), QLatin1String("run_at"), QLatin1String("created_at"), QLatin1String("started_at"),
        QLatin1String("finished_at"), QLatin1String("lease_owner"), QLatin1String("lease_expires_at"),
        QLatin1String("cancel_requested"), QLatin1String("idempotency_key"), QLatin1String("last_error"),
        QLatin1String("payload"), QLatin1String("result")};
    return columns;
}

const QList<QLatin1String>& ExportCodec::eventColumns()
{
    static const QList<QLatin1String> columns {QLatin1String("id"), QLatin1String("task_id"), QLatin1String("queue"),
        QLatin1String("at"), QLatin1String("kind"), QLatin1String("from_state"), QLatin1String("to_state"),
        QLatin1String("attempt"), QLatin1String("worker"), QLatin1String("detail"), QLatin1String("duration_ms")};
    return columns;
}

const QList<QLatin1String>& ExportCodec::sampleColumns()
{
    static const QList<QLatin1String> columns {QLatin1String("queue"), QLatin1String("at"),
        QLatin1String("resolution_seconds"), QLatin1String("queued"), QLatin1String("scheduled"),
        QLatin1String("running"), QLatin1String("succeeded"), QLatin1String("failed"), QLatin1String("cancelled"),
        QLatin1String("enqueued"), QLatin1String("completed"), QLatin1String("failed_attempts"),
        QLatin1String("wait_p50_ms"), QLatin1String("wait_p95_ms")};
    return columns;
}

void ExportCodec::appendCsvField(QByteArray& line, const QByteArray& utf8, CsvCells cells)
{
    const bool neutralise = cells == CsvCells::SpreadsheetSafe && !utf8.isEmpty() && startsLikeFormula(utf8.front());
    if (std::none_of(utf8.begin(), utf8.end(), needsCsvQuotes)) {
        if (neutralise)
            line += '\'';
        line += utf8;
        return;
    }
    line += '"';
    if (neutralise)
        line += '\'';
    for (char c : utf8) {
        if (c == '"')
            line += '"';
        line += c;
    }
    line += '"';
}

void ExportCodec::appendCsvField(QByteArray& line, const QString& text, CsvCells cells)
{
    if (cells == CsvCells::SpreadsheetSafe && !text.isEmpty() && startsLikeFormula(text.front().unicode())) {
        appendCsvField(line, text.toUtf8(), cells);
        return;
    }
    // Queue names, types, workers and most errors are plain ASCII: copied byte by byte into the line, without the
    // UTF-8 copy toUtf8() allocates for each field.
    const qsizetype at = line.size();
    line.resize(at + text.size());
    char* out = line.data() + at;
    for (const QChar c : text) {
        const char16_t unit = c.unicode();
        if (unit >= 0x80 || needsCsvQuotes(char(unit))) {
            line.truncate(at);
            appendCsvField(line, text.toUtf8());
            return;
        }
        *out++ = char(unit);
    }
}

QByteArray ExportCodec::csvRecord(const QJsonObject& object, const QList<QLatin1String>& columns, CsvCells cells)
{
    QByteArray line;
    line.reserve(256);
    bool first = true;
    for (const QLatin1String& column : columns) {
        if (!first)
            line += ',';
        first = false;
        const QJsonValue value = object.value(column);
        switch (value.type()) {
        case QJsonValue::Null:
        case QJsonValue::Undefined:
            break;
        case QJsonValue::Bool:
            line += value.toBool() ? "true" : "false";
            break;
        case QJsonValue::Double: {
            const double d = value.toDouble();
            if (std::trunc(d) == d && std::fabs(d) < 9.0e15)
                appendNumber(line, qint64(d));
            else
                line += QByteArray::number(d, 'g', QLocale::FloatingPointShortest);
            break;
        }
        case QJsonValue::String:
            appendCsvField(line, value.toString().toUtf8(), cells);
            break;
        case QJsonValue::Array:
            appendCsvField(line, QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact), cells);
            break;
        case QJsonValue::Object:
            appendCsvField(line, QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact), cells);
            break;
        }
    }
    line += "\r\n";
    return line;
}

namespace {

// The fields of one CSV record, appended to a line in order, with the commas between them; end() closes the record.
class CsvFields {
public:
    CsvFields(QByteArray& line, CsvCells cells)
        : m_line(line)
        , m_cells(cells)
    { }
    void text(const QString& value)
    {
        separate();
        ExportCodec::appendCsvField(m_line, value, m_cells);
    }
    void bytes(const QByteArray& utf8)
    {
        separate();
        ExportCodec::appendCsvField(m_line, utf8, m_cells);
    }
    void number(qint64 value)
    {
        separate();
        appendNumber(m_line, value);
    }
    void time(qint64 msSinceEpoch)
    {
        separate();
        ExportCodec::appendIsoTime(m_line, msSinceEpoch);
    }
    void empty() { separate(); }
    void end() { m_line += "\r\n"; }

private:
    void separate()
    {
        if (m_started)
            m_line += ',';
        m_started = true;
    }

    QByteArray& m_line;
    const CsvCells m_cells;
    bool m_started = false;
};

} // namespace

void ExportCodec::appendTaskCsvRecord(QByteArray& line, const Task& task, CsvCells cells)
{
    CsvFields fields(line, cells);
    fields.number(task.id);
    fields.text(task.queue);
    fields.text(task.type);
    fields.text(taskStateName(task.state));
    fields.number(task.priority);
    fields.number(task.attempts);
    fields.number(task.maxAttempts);
    fields.number(task.timeoutMs);
    fields.time(task.runAt);
    fields.time(task.createdAt);
    fields.time(task.startedAt);
    fields.time(task.finishedAt);
    fields.text(task.leaseOwner);
    fields.time(task.leaseExpiresAt);
    fields.text(task.cancelRequested ? QStringLiteral("true") : QStringLiteral("false"));
    fields.text(task.idempotencyKey);
    fields.text(task.lastError);
    fields.bytes(task.payload);
    fields.bytes(task.result);
    fields.end();
}

void ExportCodec::appendEventCsvRecord(QByteArray& line, const TaskEvent& event, CsvCells cells)
{
    CsvFields fields(line, cells);
    fields.number(event.id);
    fields.number(event.taskId);
    fields.text(event.queue);
    fields.time(event.at);
    fields.text(event.kind);
    if (event.fromState)
        fields.text(taskStateName(*event.fromState));
    else
        fields.empty();
    fields.text(taskStateName(event.toState));
    fields.number(event.attempt);
    fields.text(event.worker);
    fields.text(event.detail);
    if (event.durationMs >= 0)
        fields.number(event.durationMs);
    else
        fields.empty();
    fields.end();
}

QByteArray ExportCodec::csvHeader(const QList<QLatin1String>& columns)
{
    QByteArray line;
    for (qsizetype i = 0; i < columns.size(); ++i) {
        if (i > 0)
            line += ',';
        line += QByteArray(columns[i].data(), columns[i].size());
    }
    line += "\r\n";
    return line;
}

QByteArray ExportCodec::jsonLine(const QJsonObject& object)
{
    QByteArray line = QJsonDocument(object).toJson(QJsonDocument::Compact);
    line += '\n';
    return line;
}

} // namespace qd
