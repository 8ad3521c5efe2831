#pragma once

#include "result.h"
#include "task.h"

#include <QByteArray>
#include <QJsonObject>

namespace qd {

class HandlerRegistry;

// One task written as JSON, as `queuedesk-cli enqueue --file` lines and spool task files hold them: an object with
// the keys queue, type, payload (an object, or a string holding one), priority, delayMs, runAt (ISO 8601 or ms since
// the epoch), maxAttempts, timeoutMs, idempotencyKey, and for a signed task signature (base64) and signatureKeyId
// (the signature covers the payload as stored: the object in compact JSON, keys sorted; see tasksignature.h). Unknown
// keys are refused so that a typo does not silently drop a setting, and the task is checked against the handler
// registry (validateNewTask). Stateless, any thread.
Result<NewTask> parseTaskJson(const QByteArray& json, const HandlerRegistry& handlers);
// The same for a caller that parsed the JSON already.
Result<NewTask> parseTaskJson(const QJsonObject& object, const HandlerRegistry& handlers);

} // namespace qd
