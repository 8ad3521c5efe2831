#pragma once

#include "core/result.h"
#include "core/source.h"

#include <QString>

namespace qd {

// The idempotency keys of the tasks a source creates start with its prefix: "spool:NAME:" for a spool,
// "amqp:FROM:" for an AMQP bridge (FROM is the AMQP queue it consumes). The one definition, used by the code that
// makes the keys and by the readers that count a source's tasks. A task whose producer set its own key (a task JSON
// with "idempotencyKey") does not carry the prefix. Any thread.
QString spoolTaskKeyPrefix(const QString& sourceName);
QString amqpTaskKeyPrefix(const QString& from);
// The prefix of a row of the `sources` table; an error for an unknown kind or a configuration that does not parse.
Result<QString> sourceTaskKeyPrefix(const SourceRecord& source);

} // namespace qd
