#pragma once

#include <QByteArrayView>

#include <optional>

namespace qd {

// One request from a web server access log. The views point into the line that was parsed, so a record is only
// valid while that line's bytes are.
struct AccessLogRecord {
    QByteArrayView remoteHost;
    QByteArrayView user; // "-" when none
    qint64 timestampMs = 0; // UTC, ms since the Unix epoch
    QByteArrayView request; // the whole quoted request line, without the quotes
    QByteArrayView method; // empty when the request line is not "METHOD TARGET [PROTOCOL]" (e.g. "-")
    QByteArrayView target; // path and query, as logged
    QByteArrayView protocol; // empty for HTTP/0.9-style requests
    int status = 0;
    qint64 bytes = 0; // "-" counts as 0
    bool combined = false; // referer and user agent were present
    QByteArrayView referer;
    QByteArrayView userAgent;

    // The target without its query string.
    QByteArrayView path() const;
};

// Parses lines of the Common Log Format and the Combined Log Format (Apache, nginx):
//   host ident user [dd/Mon/yyyy:HH:MM:SS +zzzz] "request" status bytes ["referer" "user-agent"]
// Unquoted fields after the byte count (custom formats adding %D and the like) and any fields after the user agent
// are ignored; a trailing "\n" or "\r\n" is allowed.
//
// Thread contract: parseLine is a pure function of its input (no state, no allocation), callable from any thread,
// and never reads outside the given view, whatever the bytes, so it can be fuzzed directly.
class AccessLogParser {
public:
    static std::optional<AccessLogRecord> parseLine(QByteArrayView line);
};

} // namespace qd
