// Rows to Tasks and TaskEvents: the one mapping of each, whichever engine read the row.
#include "taskstore_p.h"

namespace qd::storeimpl {

Task taskFromRow(const StoreStatement& row)
{
    Task t;
    t.id = row.integer(0);
    t.queue = row.text(1);
    t.type = row.text(2);
    t.payload = row.utf8(3);
    t.priority = row.number(4);
    t.state = taskStateFromName(row.text(5)).value_or(TaskState::Queued);
    t.attempts = row.number(6);
    t.maxAttempts = row.number(7);
    t.runAt = row.integer(8);
    t.createdAt = row.integer(9);
    t.startedAt = row.integer(10);
    t.finishedAt = row.integer(11);
    t.leaseOwner = row.text(12);
    t.leaseExpiresAt = row.integer(13);
    t.lastError = row.text(14);
    t.result = row.utf8(15);
    t.idempotencyKey = row.text(16);
    t.timeoutMs = row.number(17);
    t.cancelRequested = row.flag(18);
    return t;
}

TaskEvent eventFromRow(const StoreStatement& row)
{
    TaskEvent e;
    e.id = row.integer(0);
    e.taskId = row.integer(1);
    e.queue = row.text(2);
    e.at = row.integer(3);
    e.kind = row.text(4);
    if (!row.isNull(5))
        e.fromState = taskStateFromName(row.text(5));
    e.toState = taskStateFromName(row.text(6)).value_or(TaskState::Queued);
    e.attempt = row.number(7);
    e.worker = row.text(8);
    e.detail = row.text(9);
    e.durationMs = row.isNull(10) ? -1 : row.integer(10);
    return e;
}

} // namespace qd::storeimpl
