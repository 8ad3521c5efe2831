#pragma once

#include "core/task.h"

#include <QHash>
#include <QMap>
#include <QString>

namespace qd {
class TaskStore;
}

namespace qd::cli {

class CliContext;

// `queuedesk-cli stats --capacity`: per queue and for all, the rates measured over the last `windowSeconds` (λ from
// the tasks enqueued, μ from the run times of ended attempts, c from the workers seen starting tasks), the M/M/c
// predictions beside the measured wait, and the drain forecast (core/monitoring). Returns the exit code.
int printCapacityReport(CliContext& context, TaskStore& store, const QHash<QString, StateCounts>& counts,
    const QMap<QString, QueueConfig>& queues, qint64 now, int windowSeconds);

} // namespace qd::cli
