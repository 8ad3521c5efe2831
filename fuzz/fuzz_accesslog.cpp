// libFuzzer target: one access-log line through AccessLogParser::parseLine, the parser the logstats handler runs
// over untrusted log files. The record's views must stay inside the input (ASan checks every byte read).
#include "core/handlers/accesslogparser.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArrayView line(reinterpret_cast<const char*>(data), qsizetype(size));
    const std::optional<qd::AccessLogRecord> record = qd::AccessLogParser::parseLine(line);
    if (!record)
        return 0;
    // Touch every byte each view claims, so a view pointing outside the input is caught here.
    volatile char sink = 0;
    for (const QByteArrayView view : {record->remoteHost, record->user, record->request, record->method, record->target,
             record->protocol, record->referer, record->userAgent, record->path()}) {
        for (char c : view)
            sink = char(sink ^ c);
    }
    (void)sink;
    return 0;
}
