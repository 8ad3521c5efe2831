#pragma once

#include "amqpeventsoutconfig.h"
#include "amqppublisher.h"

#include "core/source.h"

namespace qd {

// The message that publishes one ended task's event (mandatory, so an unroutable one is noticed): JSON {eventId,
// taskId, queue, type, state, event, attempt, at, createdAt, durationMs, worker, detail} (times ISO 8601 UTC; detail is
// the error of a failed task), persistent, message id qd-event-<event id>, routing key PREFIX + state + "." + queue.
// Never the payload or the result; a sealed detail (encryption at rest) is left out and "detailSealed": true says so.
// Any thread.
AmqpOutgoing terminalEventMessage(const TerminalEvent& event, const AmqpEventsOutConfig& config);

} // namespace qd
