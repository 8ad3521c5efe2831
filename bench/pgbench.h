#pragma once

#include <QString>

namespace qd::bench {

// The PostgreSQL figures (B11, B12): a schema per measurement in the database of a server that scripts/bench.sh
// started (fsync on). URLs are postgresql:// URLs with ?schema=; the schema is created by TaskStore, so the tables,
// indexes and queue defaults are the product's own.

// Creates `schema` with QueueDesk's tables (through TaskStore) and returns its URL.
QString pgCreateSchema(const QString& serverUrl, const QString& schema);
void pgDropSchema(const QString& serverUrl, const QString& schema);

// Raw libpq: inserts `rows` task rows and their "enqueued" history rows, `rowsPerCommit` tasks per BEGIN/COMMIT,
// each row with its own PQexecPrepared (the task's INSERT ... RETURNING id, then the event). Returns tasks/s.
double pgRawInsertRate(const QString& url, int rows, int rowsPerCommit);

// Puts `count` queued noop tasks (with their "enqueued" events) into queue "default" in one statement each, pauses
// the queue, then VACUUM ANALYZE and CHECKPOINT, so every drain starts from the same state.
void pgFillQueue(const QString& url, int count);

// Raw libpq, one process, one transaction per task: the claim UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
// LOCKED LIMIT 1) RETURNING <the task columns>, its "started" event, the fenced complete UPDATE and its "succeeded"
// event. Ignores the pause. Returns tasks/s; `expected` is checked.
double pgRawDrainRate(const QString& url, int expected);

// Starts `processes` worker processes (`cli` --db URL work --concurrency `threads`), waits until each says it is
// working, resumes the paused queue "default" (UPDATE + pg_notify in one commit, as the product's own resume) and
// times until every task succeeded (counted in the database). Returns tasks/s.
double pgProcessDrainRate(const QString& cli, const QString& url, int expected, int processes, int threads);

} // namespace qd::bench
