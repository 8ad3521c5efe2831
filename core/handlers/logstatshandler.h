#pragma once

#include "../taskhandler.h"

namespace qd {

// Type "logstats": streams a web server access log (common or combined format, plain or gzip-compressed, detected
// from the content) and summarises it.
//
// Payload:
//   path  (string, required)  the log file
//   topN  (1..100, optional)  how many top paths to report, default 10
//
// Result: path, compressed, lines (requests + malformedLines), blankLines (empty or white-space lines, not counted in
// lines), requests, malformedLines, firstMalformedLines (up to 3 numbers of lines in the file, blank ones counted),
// bytesServed, statusClasses {"1xx".."5xx"}, topPaths [{path, requests}] (query strings stripped), distinctPaths,
// distinctPathsEstimated, distinctPathsStandardErrorPercent (only when estimated), topPathsExact, firstRequestAt /
// lastRequestAt (ISO 8601 UTC), averageRequestsPerMinute (over the minutes from the first to the last request),
// busiestMinute, busiestMinuteRequests.
//
// Lines: every line of the file counts, as a request, as malformed or as blank; lines == requests + malformedLines.
// A run of NUL bytes (what a crash leaves where data was never written) ends whatever came before it, and what
// follows is parsed as a line of its own: "\0\0\0<request>" is a request, "<cut line>\0\0<request>" a malformed
// line plus a request (both under the file's line number), a line of nothing but NULs is malformed. Lines may end
// in "\n" or "\r\n"; the last one needs no end.
// Memory: the line loop uses a fixed 192 KiB buffer (lines longer than 64 KiB count as malformed). Counting paths
// needs one hash entry per distinct path: it is capped at 100000 paths; requests for paths first seen after that
// are not ranked (topPathsExact turns false, but the counts of paths already tracked stay exact), and from then on
// distinctPaths is a HyperLogLog estimate (16 KiB; distinctPathsEstimated true, relative standard error 0.81 %,
// never less than the 100001 paths known to exist). Requests per minute keep one entry per distinct minute (about
// half a megabyte per year of log).
// Malformed lines are counted, not fatal; but a file in which no line parses fails permanently (it is most likely
// not an access log), as do a missing or unreadable file and corrupt gzip data. Progress is bytes read / file size.
//
// Thread contract: stateless; run() and validate() may be called from any number of threads at once.
class LogStatsHandler final : public TaskHandler {
public:
    QString type() const override { return QStringLiteral("logstats"); }
    QString description() const override;
    QJsonObject payloadTemplate() const override;
    std::optional<QString> validate(const QJsonObject& payload) const override;
    HandlerResult run(const QJsonObject& payload, HandlerContext& context) const override;
};

} // namespace qd
