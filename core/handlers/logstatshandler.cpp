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
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

namespace qd {

namespace {

constexpr int defaultTopN = 10;
constexpr int maxTopN = 100;
constexpr qsizetype maxTrackedPaths = 100000;
constexpr int lineBufferBytes = 64 * 1024;
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

    std::vector<char> buffer(lineBufferBytes);
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
    QHash<qint64, qint64> perMinute;
    qint64 firstMs = std::numeric_limits<qint64>::max();
    qint64 lastMs = std::numeric_limits<qint64>::min();
    // Report about every percent, but neither more often than every 64 KiB nor less often than every MiB.
    const qint64 progressStep = std::clamp<qint64>(fileSize / 100, 64 * 1024, 1024 * 1024);
    qint64 nextProgressAt = progressStep;
    bool continuingLongLine = false;

    context.reportProgress(0.0, QStringLiteral("reading %1").arg(info.fileName()));
    while (gzgets(file.get(), buffer.data(), int(buffer.size())) != nullptr) {
        const auto length = qsizetype(std::strlen(buffer.data()));
        const bool complete = length > 0 && buffer[size_t(length - 1)] == '\n';
        if (continuingLongLine) {
            // The rest of a line longer than the buffer, already counted as malformed.
            continuingLongLine = !complete;
            continue;
        }
        ++lineNumber;
        ++lines;
        if (!complete && length == qsizetype(buffer.size()) - 1) {
            continuingLongLine = true;
            ++malformed;
            if (firstMalformed.size() < 3)
                firstMalformed.append(lineNumber);
            continue;
        }
        if (lines % cancelCheckLines == 0) {
            if (context.isCancelled())
                return HandlerResult::retryable(
                    QStringLiteral("stopped after %1 lines of \"%2\"").arg(lines).arg(path));
            const qint64 offset = gzoffset(file.get());
            if (offset >= nextProgressAt && fileSize > 0) {
                context.reportProgress(double(offset) / double(fileSize));
                nextProgressAt = offset + progressStep;
            }
        }

        const std::optional<AccessLogRecord> record = AccessLogParser::parseLine(QByteArrayView(buffer.data(), length));
        if (!record) {
            // A blank line (often the last one) is not worth a complaint.
            if (QByteArrayView(buffer.data(), length).trimmed().isEmpty()) {
                --lines;
                ++blankLines;
                continue;
            }
            ++malformed;
            if (firstMalformed.size() < 3)
                firstMalformed.append(lineNumber);
            continue;
        }
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
        }
    }
    int zError = Z_OK;
    const char* zMessage = gzerror(file.get(), &zError);
    if (zError != Z_OK && zError != Z_STREAM_END)
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
        {QStringLiteral("topPathsExact"), untrackedRequests == 0},
    };
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
