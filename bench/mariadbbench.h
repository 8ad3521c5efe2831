#pragma once

#include <QString>

namespace qd::bench {

// The MariaDB figures (B20, B21): a database per measurement on a server that scripts/bench.sh started
// (innodb_flush_log_at_trx_commit=1, the server's default: a log flush per commit). URLs are mariadb:// URLs with
// ?schema=, which names the database; TaskStore creates it, so the tables, indexes and queue defaults are the
// product's own.

// Creates the database `name` with QueueDesk's tables (through TaskStore) and returns its URL.
QString mariaDbCreateDatabase(const QString& serverUrl, const QString& name);
void mariaDbDropDatabase(const QString& serverUrl, const QString& name);

// Raw libmariadb: inserts `rows` task rows and their "enqueued" history rows, `rowsPerCommit` tasks per START
// TRANSACTION/COMMIT, each row with its own prepared INSERT (the task, then the event with the task's new id).
// Returns tasks/s.
double mariaDbRawInsertRate(const QString& url, int rows, int rowsPerCommit);

// Puts `count` queued noop tasks (with their "enqueued" events) into queue "default" in one statement each, pauses
// the queue, then ANALYZE TABLE, so every drain starts from the same state.
void mariaDbFillQueue(const QString& url, int count);

// Raw libmariadb, one process, one transaction per task: the pick SELECT <task columns> ... LIMIT 1 FOR UPDATE SKIP
// LOCKED, the claim UPDATE by id, its "started" event, the fenced complete UPDATE and its "succeeded" event. Ignores
// the pause. Returns tasks/s; `expected` is checked.
double mariaDbRawDrainRate(const QString& url, int expected);

// B12's drain by `processes` queuedesk-cli work processes (processdrain.h), resumed as the product resumes a queue
// on MariaDB: the UPDATE and a bump of the change counter in one commit. Returns tasks/s.
double mariaDbProcessDrainRate(const QString& cli, const QString& url, int expected, int processes, int threads);

} // namespace qd::bench
