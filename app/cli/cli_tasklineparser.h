#pragma once

#include "core/result.h"
#include "core/task.h"

#include <QByteArray>

namespace qd {

class HandlerRegistry;

namespace cli {

// Turns one line of an enqueue file into a NewTask: a JSON object with the keys queue, type, payload (an object,
// or a string holding one), priority, delayMs, runAt (ISO 8601 or ms since the epoch), maxAttempts, timeoutMs
// and idempotencyKey. Unknown keys are rejected so that a typo does not silently drop a setting. The task is
// also checked against the handler registry (validateNewTask). Thread contract: stateless, any thread.
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
