#pragma once

#include <QString>

namespace qd::bench {

// What the task row and history of QueueDesk cost without QueueDesk: the SQLite C API, prepared statements reused,
// explicit BEGIN IMMEDIATE ... COMMIT around each group. Each returns operations per second.

// Inserts `rows` task rows like QueueEngine::enqueue stores them, `rowsPerCommit` per transaction. With
// `withEvents`, each row also gets its "enqueued" history row, as the engine writes it.
double rawInsertRate(const QString& path, int rows, int rowsPerCommit, bool withEvents, bool fullSync);

// The durable-commit ceiling of the disk: 4 KiB write() + fdatasync() per operation, appended to a new file.
double rawFsyncRate(const QString& path, int operations);

// Claims and completes every queued task of queue "default", `perTransaction` tasks per transaction, as TaskStore
// does it on SQLite: read the next tasks and update each by id, their "started" events, the fenced complete UPDATEs
// (checked by sqlite3_changes) and their "succeeded" events. No RETURNING: it costs SQLite more than the claim
// itself. Returns tasks per second; `expected` is checked so a wrong setup cannot pass as fast.
double rawDrainRate(const QString& path, int expected, int perTransaction = 1);

// The task-row insert of rawInsertRate (no events), through QSqlQuery instead of the C API, to measure what the Qt
// SQL layer adds: positional ("?", bindValue(int)) or named (":queue", bindValue(QString)) placeholders.
double qtInsertRate(const QString& path, int rows, int rowsPerCommit, bool named);

} // namespace qd::bench
