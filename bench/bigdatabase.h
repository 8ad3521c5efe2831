#pragma once

#include <QString>

namespace qd::bench {

// A database of `tasks` finished-looking tasks for the figures that need scale (B7 table, B9 memory, B10 export):
// QueueDesk's own schema (created by TaskStore), filled through the SQLite C API with the indexes dropped and
// recreated afterwards, which takes seconds instead of minutes. The mix: four queues, five types, mostly succeeded,
// some failed (with an error text), cancelled, queued and scheduled (far in the future); no running tasks, so an
// engine without workers changes nothing. No event history: none of these figures reads it.
//
// The file is cached in `directory` and reused while its schema version, size and generator version match (a
// marker file is written only once the build has finished, so an interrupted build is not reused).
// Returns the path; any failure ends the run. Thread contract: one thread.
QString ensureBigDatabase(const QString& directory, int tasks);

// Creates QueueDesk's schema (through TaskStore, so the baselines measure the same tables and indexes) in a new file
// at `path`, with no tasks. Any failure ends the run.
void createSchemaFile(const QString& path);

} // namespace qd::bench
