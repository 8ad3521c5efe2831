#pragma once

#include "core/result.h"
#include "core/task.h"

#include <QByteArray>

namespace qd {

class HandlerRegistry;

namespace cli {

// Turns one line of an enqueue file into a NewTask (parseTaskJson, core/taskjson.h), and says how long a line and a
// payload may be. Thread contract: stateless, any thread.
class TaskLineParser {
public:
    // The payload limit of validateNewTask (core/taskvalidation.cpp; tst_clilinereader checks the two agree).
    static constexpr qsizetype maxPayloadBytes = 1 << 20;
    // A longer line is refused unread (LineReader): the payload's limit plus 1 MiB for the other fields and for a
    // payload written with spaces or as an escaped string, which compacts to less.
    static constexpr qsizetype maxLineBytes = maxPayloadBytes + (1 << 20);

    static Result<NewTask> parse(const QByteArray& line, const HandlerRegistry& handlers);
};

} // namespace cli
} // namespace qd
