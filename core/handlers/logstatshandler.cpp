#include "logstatshandler.h"

#include "../handlercontext.h"
#include "accesslogparser.h"
#include "payloadfields.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

namespace qd {

namespace {

constexpr int defaultTopN = 10;
constexpr int maxTopN = 100;
constexpr qsizetype maxTrackedPaths = 100000;
constexpr int cancelCheckLines = 2048;
constexpr qint64 msPerMinute = 60 * 1000;

const QLatin1String pathKey("path");
const QLatin1String topNKey("topN");

struct GzCloser {
    void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

// A 64-bit hash of a path for DistinctCounter: FNV-1a, then MurmurHash3's finaliser so that every bit of the
// result depends on every byte (FNV-1a alone mixes short keys poorly into the top bits, which pick the register).
// The same on every machine, so the same log always gives the same estimate.
quint64 pathHash(QByteArrayView bytes)
{
    quint64 hash = 14695981039346656037ULL;
    for (const char c : bytes) {
        hash ^= uchar(c);
        hash *= 1099511628211ULL;
    }
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    hash *= 0xc4ceb9fe1a85ec53ULL;
    hash ^= hash >> 33;
    return hash;
}

// HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007) with 2^14 one-byte registers (16 KiB): estimates how many
// distinct paths a log holds once the exact table is full, with a relative standard error of 1.04 / sqrt(2^14),
// about 0.81 %. Adding a value twice changes nothing, so it can start late, from the table's keys.
class DistinctCounter {
public:
    static constexpr int precision = 14;
    static constexpr qsizetype registerCount = qsizetype(1) << precision;
    static constexpr double standardErrorPercent = 100.0 * 1.04 / 128.0; // sqrt(2^14) = 128

    void add(QByteArrayView value)
    {
        const quint64 hash = pathHash(value);
        const auto index = size_t(hash >> (64 - precision));
        // The rank of the first 1 bit in the other 50 bits; a 1 set just below them bounds it at 51.
        const quint64 rest = (hash << precision) | (quint64(1) << (precision - 1));
        const auto rank = quint8(std::countl_zero(rest) + 1);
        m_registers[index] = std::max(m_registers[index], rank);
    }

    // The raw estimate, without the small-range correction: it is only asked beyond maxTrackedPaths, where the
    // raw estimate's bias is negligible (the correction matters below about 5 * registerCount); with 64-bit hashes
    // no large-range correction is needed.
    double estimate() const
    {
        double sum = 0;
        for (const quint8 rank : m_registers)
            sum += std::ldexp(1.0, -int(rank));
        const auto m = double(registerCount);
        const double alpha = 0.7213 / (1.0 + 1.079 / m);
        return alpha * m * m / sum;
    }

private:
    std::vector<quint8> m_registers = std::vector<quint8>(size_t(registerCount), 0);
};
static_assert(maxTrackedPaths > 5 * DistinctCounter::registerCount);

// Reads a plain or gzip file line by line, whatever bytes the lines hold (NULs included: a line is cut at '\n'
// only). A line longer than maxLineBytes is returned once, flagged, without its bytes. The last line need not end
// with '\n'.
class LineReader {
public:
    struct Line {
        QByteArrayView text; // without the '\n'; valid until the next call
        bool tooLong = false;
    };

    explicit LineReader(gzFile file)
        : m_file(file)
        , m_buffer(size_t(maxLineBytes + readChunkBytes))
    { }

    std::optional<Line> next()
    {
        for (;;) {
            if (const auto* newline
                = static_cast<const char*>(std::memchr(m_buffer.data() + m_scan, '\n', size_t(m_end - m_scan)))) {
                const qsizetype end = newline - m_buffer.data();
                const bool tooLong = m_skipping || end - m_begin > maxLineBytes;
                const Line line {
                    tooLong ? QByteArrayView() : QByteArrayView(m_buffer.data() + m_begin, end - m_begin), tooLong};
                m_begin = m_scan = end + 1;
                m_skipping = false;
                return line;
            }
            m_scan = m_end;
            if (m_end - m_begin > maxLineBytes)
                m_skipping = true; // keep none of it: only the '\n' that ends it matters now
            if (m_skipping)
                m_begin = m_end;
            if (m_atEnd) {
                if (m_skipping) {
                    m_skipping = false;
                    return Line {{}, true};
                }
                if (m_begin == m_end)
                    return std::nullopt;
                const Line last {QByteArrayView(m_buffer.data() + m_begin, m_end - m_begin), false};
                m_begin = m_scan = m_end;
                return last;
            }
            // Keep the unfinished line at the front (at most maxLineBytes), then read more behind it.
            std::memmove(m_buffer.data(), m_buffer.data() + m_begin, size_t(m_end - m_begin));
            m_end -= m_begin;
            m_scan = m_end;
            m_begin = 0;
            const int read = gzread(m_file, m_buffer.data() + m_end, unsigned(qsizetype(m_buffer.size()) - m_end));
            if (read <= 0) {
                m_atEnd = true;
                m_failed = read < 0;
            } else {
                m_end += read;
            }
        }
    }

    // Whether reading stopped on an error rather than at the end (gzerror() says which).
    bool failed() const { return m_failed; }

private:
    static constexpr qsizetype maxLineBytes = 64 * 1024;
    static constexpr qsizetype readChunkBytes = 128 * 1024;

    gzFile m_file;
    std::vector<char> m_buffer;
    qsizetype m_begin = 0; // start of the current line
    qsizetype m_scan = 0; // where to look for '\n' next
    qsizetype m_end = 0; // end of the bytes read
    bool m_skipping = false; // in a line longer than maxLineBytes
    bool m_atEnd = false;
    bool m_failed = false;
};

bool isGzip(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    return file.read(2) == QByteArray("\x1f\x8b", 2);
}

} // namespace

QString LogStatsHandler::description() const
{
    return QStringLiteral("Summarises a web server access log (common/combined format, plain or .gz): status classes, "
                          "top paths, bytes served, requests per minute.");
}

QJsonObject LogStatsHandler::payloadTemplate() const
{
    return QJsonObject {{pathKey, QStringLiteral("/var/log/nginx/access.log")}, {topNKey, defaultTopN}};
}

std::optional<QString> LogStatsHandler::validate(const QJsonObject& payload) const
{
    if (auto error = payload::checkRequiredString(payload, pathKey))
        return error;
    if (auto error = payload::checkOptionalInteger(payload, topNKey, 1, maxTopN))
        return error;
    return std::nullopt;
}

HandlerResult LogStatsHandler::run(const QJsonObject& payload, HandlerContext& context) const
{
    if (auto error = validate(payload))
        return HandlerResult::permanent(*error);
    const QString path = payload.value(pathKey).toString();
    const int topN = int(payload::integer(payload, topNKey, defaultTopN));

    const QFileInfo info(path);
    if (!info.exists())
        return HandlerResult::permanent(QStringLiteral("log file \"%1\" does not exist").arg(path));
    if (!info.isFile())
        return HandlerResult::permanent(QStringLiteral("\"%1\" is not a file").arg(path));
    const qint64 fileSize = info.size();
    const bool compressed = isGzip(path);

    // zlib reads plain files too ("transparent" mode), so one loop serves both; gzoffset() is the position in the
    // file itself, which makes progress exact for compressed logs as well.
    GzFile file(gzopen(QFile::encodeName(path).constData(), "rb"));
    if (!file)
        return HandlerResult::permanent(
            QStringLiteral("cannot open \"%1\": %2").arg(path, QString::fromLocal8Bit(std::strerror(errno))));
    gzbuffer(file.get(), 128 * 1024);

    LineReader reader(file.get());
    qint64 lineNumber = 0; // in the file, as an editor numbers them
    qint64 lines = 0;
    qint64 blankLines = 0;
    qint64 requests = 0;
    qint64 malformed = 0;
    QJsonArray firstMalformed;
    qint64 bytesServed = 0;
    std::array<qint64, 5> statusClasses {};
    QHash<QByteArray, qint64> pathCounts;
    qint64 untrackedRequests = 0;
    std::optional<DistinctCounter> beyondCap; // once a path could not be tracked
    QHash<qint64, qint64> perMinute;
    qint64 firstMs = std::numeric_limits<qint64>::max();
    qint64 lastMs = std::numeric_limits<qint64>::min();
    // Report about every percent, but neither more often than every 64 KiB nor less often than every MiB.
    const qint64 progressStep = std::clamp<qint64>(fileSize / 100, 64 * 1024, 1024 * 1024);
    qint64 nextProgressAt = progressStep;

    const auto countMalformed = [&] {
        ++lines;
        ++malformed;
        if (firstMalformed.size() < 3 && (firstMalformed.isEmpty() || firstMalformed.last().toInteger() != lineNumber))
            firstMalformed.append(lineNumber);
    };
    // One line of the log (or the part of one between NUL runs): a request or malformed.
    const auto count = [&](QByteArrayView text) {
        const std::optional<AccessLogRecord> record = AccessLogParser::parseLine(text);
        if (!record) {
            countMalformed();
            return;
        }
        ++lines;
        ++requests;
        bytesServed += record->bytes;
        ++statusClasses[size_t(record->status / 100 - 1)];
        firstMs = std::min(firstMs, record->timestampMs);
        lastMs = std::max(lastMs, record->timestampMs);
        ++perMinute[record->timestampMs / msPerMinute];

        const QByteArrayView requestPath = record->path();
        if (!requestPath.isEmpty()) {
            // Look up without copying the bytes; copy only when a new path is stored.
            const QByteArray key = QByteArray::fromRawData(requestPath.data(), requestPath.size());
            auto it = pathCounts.find(key);
            if (it != pathCounts.end())
                ++it.value();
            else if (pathCounts.size() < maxTrackedPaths)
                pathCounts.insert(requestPath.toByteArray(), 1);
            else
                ++untrackedRequests;
            // Past the cap, every path also goes to the estimator, which starts with the table's keys.
            if (untrackedRequests > 0) {
                if (!beyondCap) {
                    beyondCap.emplace();
                    for (auto tracked = pathCounts.keyBegin(); tracked != pathCounts.keyEnd(); ++tracked)
                        beyondCap->add(*tracked);
                }
                beyondCap->add(requestPath);
            }
        }
    };

    context.reportProgress(0.0, QStringLiteral("reading %1").arg(info.fileName()));
    while (const std::optional<LineReader::Line> line = reader.next()) {
        ++lineNumber;
        if (lineNumber % cancelCheckLines == 0) {
            if (context.isCancelled())
                return HandlerResult::retryable(
                    QStringLiteral("stopped after %1 lines of \"%2\"").arg(lineNumber).arg(path));
            const qint64 offset = gzoffset(file.get());
            if (offset >= nextProgressAt && fileSize > 0) {
                context.reportProgress(double(offset) / double(fileSize));
                nextProgressAt = offset + progressStep;
            }
        }
        if (line->tooLong) {
            countMalformed();
            continue;
        }
        // A run of NUL bytes is what a crash leaves where data was never written: it ends whatever came before it,
        // and what follows (often the first request logged after the restart) is a line of its own. Parts that are
        // empty or white space are not lines; a line of nothing but NULs (and white space) is malformed.
        const QByteArrayView text = line->text;
        bool counted = false;
        bool hadNul = false;
        for (qsizetype from = 0; from <= text.size();) {
            qsizetype nul = text.indexOf('\0', from);
            if (nul < 0)
                nul = text.size();
            else
                hadNul = true;
            const QByteArrayView part = text.sliced(from, nul - from);
            if (!part.trimmed().isEmpty()) {
                count(part);
                counted = true;
            }
            from = nul + 1;
        }
        if (!counted) {
            if (hadNul)
                countMalformed();
            else
                ++blankLines; // often the last line; not worth a complaint
        }
    }
    int zError = Z_OK;
    const char* zMessage = gzerror(file.get(), &zError);
    if (reader.failed() || (zError != Z_OK && zError != Z_STREAM_END))
        return HandlerResult::permanent(
            QStringLiteral("cannot read \"%1\": %2")
                .arg(path,
                    zError == Z_ERRNO ? QString::fromLocal8Bit(std::strerror(errno)) : QString::fromLatin1(zMessage)));
    if (requests == 0 && malformed > 0)
        return HandlerResult::permanent(
            QStringLiteral("no line of \"%1\" is in common or combined log format (%2 lines)").arg(path).arg(lines));

    // Top paths: a partial sort over the distinct paths, once.
    std::vector<std::pair<qint64, QByteArray>> ranked;
    ranked.reserve(size_t(pathCounts.size()));
    for (auto it = pathCounts.cbegin(); it != pathCounts.cend(); ++it)
        ranked.emplace_back(it.value(), it.key());
    const auto topEnd = ranked.begin() + std::min<qsizetype>(topN, qsizetype(ranked.size()));
    std::partial_sort(ranked.begin(), topEnd, ranked.end(),
        [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    QJsonArray topPaths;
    for (auto it = ranked.begin(); it != topEnd; ++it)
        topPaths.append(
            QJsonObject {{pathKey, QString::fromUtf8(it->second)}, {QStringLiteral("requests"), it->first}});

    qint64 busiestMinute = 0;
    qint64 busiestCount = 0;
    for (auto it = perMinute.cbegin(); it != perMinute.cend(); ++it) {
        if (it.value() > busiestCount || (it.value() == busiestCount && it.key() < busiestMinute)) {
            busiestCount = it.value();
            busiestMinute = it.key();
        }
    }

    QJsonObject classes;
    for (size_t i = 0; i < statusClasses.size(); ++i)
        classes.insert(QStringLiteral("%1xx").arg(i + 1), statusClasses[i]);

    QJsonObject result {
        {pathKey, path},
        {QStringLiteral("compressed"), compressed},
        {QStringLiteral("lines"), lines},
        {QStringLiteral("blankLines"), blankLines},
        {QStringLiteral("requests"), requests},
        {QStringLiteral("malformedLines"), malformed},
        {QStringLiteral("firstMalformedLines"), firstMalformed},
        {QStringLiteral("bytesServed"), bytesServed},
        {QStringLiteral("statusClasses"), classes},
        {QStringLiteral("topPaths"), topPaths},
        {QStringLiteral("distinctPaths"), pathCounts.size()},
        {QStringLiteral("distinctPathsEstimated"), bool(beyondCap)},
        {QStringLiteral("topPathsExact"), untrackedRequests == 0},
    };
    if (beyondCap) {
        // At least one path more than the table holds was seen, whatever the estimate says.
        result.insert(QStringLiteral("distinctPaths"),
            std::max(qint64(std::llround(beyondCap->estimate())), qint64(pathCounts.size()) + 1));
        result.insert(QStringLiteral("distinctPathsStandardErrorPercent"), DistinctCounter::standardErrorPercent);
    }
    if (requests > 0) {
        const qint64 minutes = lastMs / msPerMinute - firstMs / msPerMinute + 1;
        result.insert(QStringLiteral("firstRequestAt"), isoTime(firstMs));
        result.insert(QStringLiteral("lastRequestAt"), isoTime(lastMs));
        result.insert(QStringLiteral("averageRequestsPerMinute"), double(requests) / double(minutes));
        result.insert(QStringLiteral("busiestMinute"), isoTime(busiestMinute * msPerMinute));
        result.insert(QStringLiteral("busiestMinuteRequests"), busiestCount);
    }
    context.reportProgress(1.0);
    return HandlerResult::success(result);
}

} // namespace qd
