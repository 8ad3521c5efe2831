#include "accesslogparser.h"

#include <array>

namespace qd {

namespace {

// A forward-only reader over the line; every accessor checks bounds.
class Cursor {
public:
    explicit Cursor(QByteArrayView text)
        : m_text(text)
    { }

    bool atEnd() const { return m_pos >= m_text.size(); }
    char peek() const { return atEnd() ? '\0' : m_text.at(m_pos); }
    qsizetype position() const { return m_pos; }

    bool consume(char c)
    {
        if (peek() != c || atEnd())
            return false;
        ++m_pos;
        return true;
    }

    // A run of non-space characters; empty when at a space or the end.
    QByteArrayView token()
    {
        const qsizetype start = m_pos;
        while (!atEnd() && m_text.at(m_pos) != ' ')
            ++m_pos;
        return m_text.sliced(start, m_pos - start);
    }

    // Up to (not including) `c`, which is consumed. Nothing when `c` does not follow.
    std::optional<QByteArrayView> until(char c)
    {
        const qsizetype end = m_text.indexOf(c, m_pos);
        if (end < 0)
            return std::nullopt;
        const QByteArrayView result = m_text.sliced(m_pos, end - m_pos);
        m_pos = end + 1;
        return result;
    }

    // A double-quoted string with backslash escapes (Apache writes \" and \\), quotes consumed, escapes kept.
    std::optional<QByteArrayView> quoted()
    {
        if (!consume('"'))
            return std::nullopt;
        const qsizetype start = m_pos;
        while (!atEnd()) {
            const char c = m_text.at(m_pos);
            if (c == '\\') {
                m_pos += 2;
                continue;
            }
            if (c == '"') {
                const QByteArrayView result = m_text.sliced(start, m_pos - start);
                ++m_pos;
                return result;
            }
            ++m_pos;
        }
        m_pos = m_text.size();
        return std::nullopt;
    }

private:
    QByteArrayView m_text;
    qsizetype m_pos = 0;
};

std::optional<int> digits(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 9)
        return std::nullopt;
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
qint64 daysFromCivil(qint64 y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const qint64 era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + qint64(doe) - 719468;
}

// "10/Oct/2000:13:55:36 -0700" -> UTC ms since the epoch.
std::optional<qint64> parseTimestamp(QByteArrayView text)
{
    if (text.size() != 26 || text.at(2) != '/' || text.at(6) != '/' || text.at(11) != ':' || text.at(14) != ':'
        || text.at(17) != ':' || text.at(20) != ' ' || (text.at(21) != '+' && text.at(21) != '-'))
        return std::nullopt;
    static constexpr std::array<const char*, 12> months {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const QByteArrayView monthName = text.sliced(3, 3);
    unsigned month = 0;
    for (unsigned i = 0; i < months.size(); ++i) {
        if (monthName == QByteArrayView(months[i]))
            month = i + 1;
    }
    const auto day = digits(text.sliced(0, 2));
    const auto year = digits(text.sliced(7, 4));
    const auto hour = digits(text.sliced(12, 2));
    const auto minute = digits(text.sliced(15, 2));
    const auto second = digits(text.sliced(18, 2));
    const auto zoneHours = digits(text.sliced(22, 2));
    const auto zoneMinutes = digits(text.sliced(24, 2));
    if (month == 0 || !day || !year || !hour || !minute || !second || !zoneHours || !zoneMinutes || *day < 1
        || *day > 31 || *hour > 23 || *minute > 59 || *second > 60 || *zoneHours > 23 || *zoneMinutes > 59)
        return std::nullopt;
    const qint64 offsetSeconds = (qint64(*zoneHours) * 3600 + *zoneMinutes * 60) * (text.at(21) == '-' ? -1 : 1);
    const qint64 seconds = daysFromCivil(*year, month, unsigned(*day)) * 86400 + qint64(*hour) * 3600
        + qint64(*minute) * 60 + *second - offsetSeconds;
    return seconds * 1000;
}

} // namespace

QByteArrayView AccessLogRecord::path() const
{
    const qsizetype query = target.indexOf('?');
    return query < 0 ? target : target.first(query);
}

std::optional<AccessLogRecord> AccessLogParser::parseLine(QByteArrayView line)
{
    while (!line.isEmpty() && (line.back() == '\n' || line.back() == '\r'))
        line.chop(1);
    Cursor cursor(line);
    AccessLogRecord record;

    record.remoteHost = cursor.token();
    if (record.remoteHost.isEmpty() || !cursor.consume(' '))
        return std::nullopt;
    if (cursor.token().isEmpty() || !cursor.consume(' ')) // ident, almost always "-"
        return std::nullopt;
    record.user = cursor.token();
    if (record.user.isEmpty() || !cursor.consume(' ') || !cursor.consume('['))
        return std::nullopt;
    const auto timestamp = cursor.until(']');
    if (!timestamp)
        return std::nullopt;
    const auto timestampMs = parseTimestamp(*timestamp);
    if (!timestampMs || !cursor.consume(' '))
        return std::nullopt;
    record.timestampMs = *timestampMs;

    const auto request = cursor.quoted();
    if (!request || !cursor.consume(' '))
        return std::nullopt;
    record.request = *request;
    // "METHOD TARGET PROTOCOL" (or "METHOD TARGET"); anything else ("-", garbage from scanners) keeps the
    // record but leaves method and target empty.
    const qsizetype firstSpace = request->indexOf(' ');
    if (firstSpace > 0) {
        const qsizetype lastSpace = request->lastIndexOf(' ');
        const QByteArrayView tail = request->sliced(lastSpace + 1);
        record.method = request->first(firstSpace);
        if (lastSpace > firstSpace && tail.startsWith("HTTP/")) {
            record.target = request->sliced(firstSpace + 1, lastSpace - firstSpace - 1);
            record.protocol = tail;
        } else {
            record.target = request->sliced(firstSpace + 1);
        }
        if (record.target.isEmpty() || record.target.contains(' '))
            record.method = record.target = record.protocol = {};
    }

    const auto status = digits(cursor.token());
    if (!status || *status < 100 || *status > 599)
        return std::nullopt;
    record.status = *status;
    if (!cursor.consume(' '))
        return std::nullopt;
    const QByteArrayView bytes = cursor.token();
    if (bytes == "-") {
        record.bytes = 0;
    } else {
        if (bytes.isEmpty() || bytes.size() > 18)
            return std::nullopt;
        qint64 value = 0;
        for (char c : bytes) {
            if (c < '0' || c > '9')
                return std::nullopt;
            value = value * 10 + (c - '0');
        }
        record.bytes = value;
    }

    if (cursor.atEnd())
        return record;
    if (!cursor.consume(' '))
        return std::nullopt;
    if (cursor.peek() != '"') // custom formats append fields such as %D to the common format
        return record;
    const auto referer = cursor.quoted();
    if (!referer || !cursor.consume(' '))
        return std::nullopt;
    const auto userAgent = cursor.quoted();
    if (!userAgent)
        return std::nullopt;
    record.combined = true;
    record.referer = *referer;
    record.userAgent = *userAgent;
    return record;
}

} // namespace qd
