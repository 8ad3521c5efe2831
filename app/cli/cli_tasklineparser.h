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
    static Result<NewTask> parse(const QByteArray& line, const HandlerRegistry& handlers);
};

} // namespace cli
} // namespace qd
