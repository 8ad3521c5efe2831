#include "sqldialect.h"

namespace qd {

QString taskColumns()
{
    return QStringLiteral("id, queue, type, payload, priority, state, attempts, max_attempts, run_at, created_at, "
                          "started_at, finished_at, lease_owner, lease_expires_at, last_error, result, "
                          "idempotency_key, timeout_ms, cancel_requested");
}

QString eventActivityType()
{
    return QStringLiteral("CASE WHEN e.kind IN ('succeeded', 'failed', 'retry_scheduled')"
                          " THEN (SELECT t.type FROM tasks t WHERE t.id = e.task_id) END");
}

namespace {

QStringList schemaVersion1()
{
    return {
        QStringLiteral("CREATE TABLE queues ("
                       " name TEXT PRIMARY KEY,"
                       " paused INTEGER NOT NULL DEFAULT 0,"
                       " concurrency INTEGER NOT NULL DEFAULT 0,"
                       " max_attempts INTEGER NOT NULL DEFAULT 3,"
                       " timeout_ms INTEGER NOT NULL DEFAULT 0,"
                       " backoff_base_ms INTEGER NOT NULL DEFAULT 1000,"
                       " backoff_max_ms INTEGER NOT NULL DEFAULT 3600000,"
                       " backoff_jitter REAL NOT NULL DEFAULT 0.25,"
                       " created_at INTEGER NOT NULL)"),
        QStringLiteral("CREATE TABLE tasks ("
                       " id INTEGER PRIMARY KEY,"
                       " queue TEXT NOT NULL,"
                       " type TEXT NOT NULL,"
                       " payload TEXT NOT NULL,"
                       " priority INTEGER NOT NULL DEFAULT 0,"
                       " state TEXT NOT NULL,"
                       " attempts INTEGER NOT NULL DEFAULT 0,"
                       " max_attempts INTEGER NOT NULL,"
                       " run_at INTEGER NOT NULL,"
                       " created_at INTEGER NOT NULL,"
                       " started_at INTEGER,"
                       " finished_at INTEGER,"
                       " lease_owner TEXT,"
                       " lease_expires_at INTEGER,"
                       " last_error TEXT,"
                       " result TEXT,"
                       " idempotency_key TEXT,"
                       " timeout_ms INTEGER NOT NULL DEFAULT 0,"
                       " backoff_base_ms INTEGER,"
                       " backoff_max_ms INTEGER,"
                       " backoff_jitter REAL,"
                       " cancel_requested INTEGER NOT NULL DEFAULT 0)"),
        // The claim walks this partial index in dispatch order, so its cost does not grow with finished rows.
        QStringLiteral("CREATE INDEX tasks_ready ON tasks(queue, priority DESC, run_at, id) WHERE state = 'queued'"),
        QStringLiteral("CREATE INDEX tasks_scheduled ON tasks(run_at) WHERE state = 'scheduled'"),
        QStringLiteral("CREATE INDEX tasks_leases ON tasks(lease_expires_at) WHERE state = 'running'"),
        QStringLiteral(
            "CREATE UNIQUE INDEX tasks_idempotency ON tasks(idempotency_key) WHERE idempotency_key IS NOT NULL"),
        // Browsing: filter by state or queue (also covers the counts per queue and state), by type, sort by
        // priority. created_at follows id, so sorting by id serves "newest first".
        QStringLiteral("CREATE INDEX tasks_state ON tasks(state, id)"),
        QStringLiteral("CREATE INDEX tasks_queue_state ON tasks(queue, state, id)"),
        QStringLiteral("CREATE INDEX tasks_type ON tasks(type, id)"),
        QStringLiteral("CREATE TABLE task_events ("
                       " id INTEGER PRIMARY KEY,"
                       " task_id INTEGER NOT NULL,"
                       " queue TEXT NOT NULL,"
                       " at INTEGER NOT NULL,"
                       " kind TEXT NOT NULL,"
                       " from_state TEXT,"
                       " to_state TEXT NOT NULL,"
                       " attempt INTEGER NOT NULL,"
                       " worker TEXT,"
                       " detail TEXT,"
                       " duration_ms INTEGER)"),
        QStringLiteral("CREATE INDEX task_events_task ON task_events(task_id, id)"),
        QStringLiteral("CREATE INDEX task_events_at ON task_events(at)"),
        QStringLiteral("CREATE TABLE metrics ("
                       " resolution INTEGER NOT NULL,"
                       " queue TEXT NOT NULL,"
                       " ts INTEGER NOT NULL,"
                       " queued INTEGER NOT NULL, scheduled INTEGER NOT NULL, running INTEGER NOT NULL,"
                       " succeeded INTEGER NOT NULL, failed INTEGER NOT NULL, cancelled INTEGER NOT NULL,"
                       " enqueued_n INTEGER NOT NULL, completed_n INTEGER NOT NULL, failed_n INTEGER NOT NULL,"
                       " wait_p50_ms REAL NOT NULL, wait_p95_ms REAL NOT NULL,"
                       " PRIMARY KEY (resolution, queue, ts)) WITHOUT ROWID"),
        QStringLiteral(
            "INSERT INTO queues(name, created_at) VALUES ('default', CAST(strftime('%s','now') AS INTEGER) * 1000)"),
    };
}

// The metrics history's cursor: the last task event counted into it, one row shared by every process that samples,
// so what happened while no process sampled is counted by the next one, and nothing twice.
QStringList schemaVersion2()
{
    return {
        QStringLiteral("CREATE TABLE metrics_cursor (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),"
                       " last_event_id INTEGER NOT NULL)"),
        // An existing history goes on from here; what came before was counted (or not) by the old sampler.
        QStringLiteral("INSERT INTO metrics_cursor VALUES (1, (SELECT COALESCE(max(id), 0) FROM task_events))"),
    };
}

// Sources: what feeds tasks into the queue from outside (spool directories today; AMQP bridges and the like later).
// The table is generic: `kind` says which code runs a source, `config` is that kind's settings as JSON text.
QStringList schemaVersion3()
{
    return {
        QStringLiteral("CREATE TABLE sources ("
                       " id INTEGER PRIMARY KEY,"
                       " kind TEXT NOT NULL,"
                       " name TEXT NOT NULL UNIQUE,"
                       " config TEXT NOT NULL,"
                       " paused INTEGER NOT NULL DEFAULT 0,"
                       " created_at INTEGER NOT NULL)"),
    };
}

// Alert rules (core/monitoring): their definitions, every firing and resolution, and the one row that says which
// process evaluates them (a lease) and where each rule stood at its last evaluation.
QStringList schemaVersion4()
{
    return {
        QStringLiteral("CREATE TABLE alert_rules ("
                       " id INTEGER PRIMARY KEY,"
                       " definition TEXT NOT NULL,"
                       " created_at INTEGER NOT NULL,"
                       " updated_at INTEGER NOT NULL)"),
        QStringLiteral("CREATE TABLE alert_history ("
                       " id INTEGER PRIMARY KEY,"
                       " rule_id INTEGER NOT NULL,"
                       " rule_name TEXT NOT NULL,"
                       " kind TEXT NOT NULL,"
                       " at INTEGER NOT NULL,"
                       " figure REAL,"
                       " message TEXT NOT NULL)"),
        QStringLiteral("CREATE INDEX alert_history_at ON alert_history(at)"),
        QStringLiteral("CREATE TABLE alert_monitor ("
                       " id INTEGER PRIMARY KEY,"
                       " owner TEXT,"
                       " lease_expires_at INTEGER NOT NULL,"
                       " states TEXT NOT NULL)"),
        QStringLiteral("INSERT INTO alert_monitor(id, owner, lease_expires_at, states) VALUES (1, NULL, 0, '{}')"),
    };
}

// Encryption at rest: the keys a database is sealed with, by id (see core/crypto/). No row: not encrypted. The
// newest unretired key seals new values; check_value is a known text sealed with the key, to tell a wrong key.
QStringList schemaVersion5()
{
    return {
        QStringLiteral("CREATE TABLE encryption_keys ("
                       " key_id TEXT PRIMARY KEY,"
                       " check_value TEXT NOT NULL,"
                       " created_at INTEGER NOT NULL,"
                       " retired_at INTEGER)"),
    };
}

// Processes: one row per running engine that announces itself (the GUI, `queuedesk-cli work`), keyed by its lease
// owner name so that running tasks name their process; refreshed every beat_ms, removed at a clean stop, pruned a
// day after it was last seen. queues: "*" for every queue.
QStringList schemaVersion6()
{
    return {
        QStringLiteral("CREATE TABLE processes ("
                       " id TEXT PRIMARY KEY,"
                       " host TEXT NOT NULL,"
                       " pid INTEGER NOT NULL,"
                       " kind TEXT NOT NULL,"
                       " version TEXT NOT NULL,"
                       " user_name TEXT NOT NULL,"
                       " started_at INTEGER NOT NULL,"
                       " last_seen INTEGER NOT NULL,"
                       " beat_ms INTEGER NOT NULL,"
                       " workers INTEGER NOT NULL,"
                       " queues TEXT NOT NULL)"),
    };
}

// Events out (the `amqp-out` sources): where each source's relay stands in task_events, the last event id it had
// confirmed by the broker (an outbox read off the history, so a restart resends only what was not confirmed).
QStringList schemaVersion7()
{
    return {
        QStringLiteral("CREATE TABLE source_cursors ("
                       " source_name TEXT PRIMARY KEY,"
                       " last_event_id INTEGER NOT NULL)"),
    };
}

// The number of tasks per queue and state, kept by every write transaction (TaskStore::writeCountDeltas()) so
// that counts never read every task. A row per writer slot on a server; a count is the sum of its slots' rows.
QStringList schemaVersion8()
{
    return {
        QStringLiteral("CREATE TABLE task_counts ("
                       " slot INTEGER NOT NULL,"
                       " queue TEXT NOT NULL,"
                       " state TEXT NOT NULL,"
                       " n INTEGER NOT NULL,"
                       " PRIMARY KEY (slot, queue, state)) WITHOUT ROWID"),
        QStringLiteral("INSERT INTO task_counts(slot, queue, state, n)"
                       " SELECT 0, queue, state, count(*) FROM tasks GROUP BY queue, state"),
    };
}

// SQLite's payload search index: an FTS5 trigram index of the payloads (contentless: no second copy of the text;
// detail=none: no positions, so a search is the AND of its trigrams and every candidate is checked by LIKE), filled
// after the engine's writes by a background pass (TaskStore::indexSearchBatch) up to the cursor's task id. The
// servers keep LIKE (see isSqliteOnlyStatement).
QStringList schemaVersion9()
{
    return {
        QStringLiteral("CREATE VIRTUAL TABLE task_search USING fts5(payload, tokenize = 'trigram', content = '',"
                       " columnsize = 0, detail = none)"),
        QStringLiteral("CREATE TABLE task_search_cursor ("
                       " only INTEGER PRIMARY KEY CHECK (only = 1),"
                       " last_task_id INTEGER NOT NULL)"),
        QStringLiteral("INSERT INTO task_search_cursor(only, last_task_id) VALUES (1, 0)"),
        // The errors, for the same search: few rows (a success clears its error), read from the index alone.
        QStringLiteral("CREATE INDEX task_search_errors ON tasks(last_error) WHERE last_error IS NOT NULL"),
    };
}

// What each process running a source says it is doing (core/sourcerunstate.h): a row per source and process,
// written on a change, removed with the process's heartbeat row (and pruned when that row is gone).
QStringList schemaVersion10()
{
    return {
        QStringLiteral("CREATE TABLE source_states ("
                       " source_name TEXT NOT NULL,"
                       " process_id TEXT NOT NULL,"
                       " state TEXT NOT NULL,"
                       " detail TEXT NOT NULL,"
                       " since INTEGER NOT NULL,"
                       " next_try_at INTEGER NOT NULL,"
                       " updated_at INTEGER NOT NULL,"
                       " PRIMARY KEY (source_name, process_id))"),
    };
}

// The database's own settings, shared by every process that uses it (see core/databasesettings.h): one row per
// setting set, its value as JSON text; a setting without a row has its default.
QStringList schemaVersion11()
{
    return {
        QStringLiteral("CREATE TABLE settings ("
                       " name TEXT PRIMARY KEY,"
                       " value_json TEXT NOT NULL,"
                       " updated_at INTEGER NOT NULL)"),
    };
}

// Signed tasks (core/crypto/tasksignature.h): the producers' public keys by id, a queue's demand for signatures, and
// the key that verified each task (NULL: unsigned).
QStringList schemaVersion12()
{
    return {
        QStringLiteral("CREATE TABLE producer_keys ("
                       " key_id TEXT PRIMARY KEY,"
                       " name TEXT NOT NULL,"
                       " public_key TEXT NOT NULL,"
                       " added_at INTEGER NOT NULL,"
                       " revoked_at INTEGER)"),
        QStringLiteral("ALTER TABLE queues ADD COLUMN require_signed INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral("ALTER TABLE tasks ADD COLUMN producer_key_id TEXT"),
    };
}

// The audit log: every admin action with who, when, what, the filter and how many tasks (core/auditentry.h). Written
// in the action's own transaction; purges never touch it. Schema 13.
QStringList schemaVersion13()
{
    return {
        QStringLiteral("CREATE TABLE audit_log ("
                       " id INTEGER PRIMARY KEY,"
                       " at INTEGER NOT NULL,"
                       " actor TEXT NOT NULL,"
                       " host TEXT NOT NULL,"
                       " client TEXT NOT NULL,"
                       " db_role TEXT,"
                       " action TEXT NOT NULL,"
                       " target TEXT,"
                       " task_filter TEXT,"
                       " task_count INTEGER,"
                       " detail TEXT)"),
        QStringLiteral("CREATE INDEX audit_log_at ON audit_log(at)"),
        QStringLiteral("CREATE INDEX audit_log_action ON audit_log(action, id)"),
    };
}

// Keys of one queue: encryption_keys.queue names the queue a key seals (NULL: every queue without a key of its own).
// Schema 14.
QStringList schemaVersion14()
{
    return {
        QStringLiteral("ALTER TABLE encryption_keys ADD COLUMN queue TEXT"),
    };
}

} // namespace

bool isSqliteOnlyStatement(const QString& statement)
{
    return statement.contains(QLatin1String("task_search"));
}

const SqlDialect& sqliteDialect()
{
    static const SqlDialect dialect = [] {
        SqlDialect d;
        d.name = QStringLiteral("sqlite");
        d.postgres = false;
        d.migrations = {schemaVersion1(), schemaVersion2(), schemaVersion3(), schemaVersion4(), schemaVersion5(),
            schemaVersion6(), schemaVersion7(), schemaVersion8(), schemaVersion9(), schemaVersion10(),
            schemaVersion11(), schemaVersion12(), schemaVersion13(), schemaVersion14()};
        d.addCountDelta
            = QStringLiteral("INSERT INTO task_counts(slot, queue, state, n) VALUES (?, ?, ?, ?)"
                             " ON CONFLICT(slot, queue, state) DO UPDATE SET n = task_counts.n + excluded.n");
        d.beginWrite = QStringLiteral("BEGIN IMMEDIATE");
        // The next tasks in dispatch order; TaskStore::claim() then updates each by id. SQLite has a single writer,
        // so nothing can take them in between.
        d.claim = QStringLiteral("SELECT ") + taskColumns()
            + QStringLiteral(" FROM tasks WHERE state = 'queued' AND queue = :queue"
                             " ORDER BY priority DESC, run_at, id LIMIT :limit");
        d.ensureQueue
            = QStringLiteral("INSERT INTO queues(name, created_at) VALUES (:name, :now) ON CONFLICT(name) DO NOTHING");
        d.searchCondition = QStringLiteral("(payload LIKE ? ESCAPE '\\' OR last_error LIKE ? ESCAPE '\\')");
        d.searchPlainCondition
            = QStringLiteral("((payload LIKE ? ESCAPE '\\' AND payload NOT LIKE 'qdenc1:%')"
                             " OR (last_error LIKE ? ESCAPE '\\' AND last_error NOT LIKE 'qdenc1:%'))");
        // One row of VALUES, so SQLite needs no statement journal for it (an INSERT ... SELECT may write several
        // rows and gets one). Every value is bound, the queue's defaults included: TaskStore reads them once per
        // enqueue call (see TaskStore::insertTask).
        d.insertTask = QStringLiteral(
            "INSERT INTO tasks(queue, type, payload, priority, state, max_attempts, run_at, created_at, "
            "idempotency_key, timeout_ms, backoff_base_ms, backoff_max_ms, backoff_jitter) "
            "VALUES (:queue, :type, :payload, :priority, :state, :max_attempts, :run_at, :created_at, :key, "
            ":timeout_ms, :backoff_base, :backoff_max, :jitter)");
        d.insertTaskNewKey = d.insertTask + QLatin1String(" ON CONFLICT DO NOTHING");
        // Without ANALYZE statistics SQLite prefers tasks_state(state, id) to the partial indexes and reads every
        // scheduled (or running) row's table entry, slow in a big table. INDEXED BY pins the partial index (and makes
        // the statement fail, not crawl, should the index ever go missing).
        d.stageDueTasks = QStringLiteral("UPDATE tasks INDEXED BY tasks_scheduled SET state = 'queued'"
                                         " WHERE state = 'scheduled' AND run_at <= :now RETURNING id, queue, attempts");
        d.recoverLeasesExhausted = QStringLiteral(
            "UPDATE tasks INDEXED BY tasks_leases SET state = 'failed', finished_at = :now,"
            " lease_expires_at = NULL, last_error = 'lease expired: the worker (' || lease_owner || ') was"
            " lost, and no attempts are left'"
            " WHERE state = 'running' AND lease_expires_at < :now AND attempts >= max_attempts"
            " AND started_at IS NOT NULL RETURNING id, queue, attempts, lease_owner");
        d.recoverLeasesRequeue = QStringLiteral(
            "UPDATE tasks INDEXED BY tasks_leases SET state = 'queued', run_at = :now,"
            " lease_expires_at = NULL, last_error = 'lease expired: the worker (' || lease_owner || ') was"
            " lost'"
            " WHERE state = 'running' AND lease_expires_at < :now RETURNING id, queue, attempts, lease_owner");
        d.nextScheduledRunAt
            = QStringLiteral("SELECT min(run_at) FROM tasks INDEXED BY tasks_scheduled WHERE state = 'scheduled'");

        d.claimAhead = d.claim; // the rows are picked alike; claimTakeAhead clears started_at until the real start
        d.claimTake = QStringLiteral("UPDATE tasks SET state = 'running', attempts = attempts + 1, started_at = ?1,"
                                     " lease_owner = ?2, lease_expires_at = ?3, cancel_requested = 0 WHERE id = ?4");
        d.claimTakeAhead
            = QStringLiteral("UPDATE tasks SET state = 'running', attempts = attempts + 1, started_at = NULL,"
                             " lease_owner = ?2, lease_expires_at = ?3, cancel_requested = 0 WHERE id = ?4");
        d.bindsQueueDefaults = true;
        // The new tasks of one transaction have consecutive ids (SQLite's single writer, INTEGER PRIMARY KEY). The
        // detail is what TaskStore::enqueue() writes for a single task, ISO 8601 in UTC with milliseconds.
        d.addEnqueuedEvents = QStringLiteral(
            "INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail, "
            "duration_ms)"
            " SELECT id, queue, created_at, 'enqueued', NULL, state, 0, NULL, CASE WHEN state = 'scheduled' THEN"
            " 'runs at ' || strftime('%Y-%m-%dT%H:%M:%S', run_at / 1000, 'unixepoch') || printf('.%03dZ', run_at % "
            "1000)"
            " END, NULL FROM tasks WHERE id BETWEEN ?1 AND ?2 ORDER BY id");
        d.completeTask = QStringLiteral(
            "UPDATE tasks SET state = 'succeeded', started_at = COALESCE(:started, started_at), finished_at = :now,"
            " result = :result, lease_owner = NULL,"
            " lease_expires_at = NULL, last_error = NULL"
            " WHERE id = :id AND state = 'running' AND attempts = :attempt AND lease_owner = :owner");
        d.startClaimedAhead = QStringLiteral("UPDATE tasks SET started_at = ? WHERE id = ? AND state = 'running'"
                                             " AND attempts = ? AND lease_owner = ?");
        d.giveBackCancelled
            = QStringLiteral("UPDATE tasks SET state = 'cancelled', attempts = attempts - 1, finished_at = ?,"
                             " lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND state = 'running'"
                             " AND attempts = ? AND lease_owner = ? AND cancel_requested <> 0");
        d.giveBackQueued
            = QStringLiteral("UPDATE tasks SET state = 'queued', attempts = attempts - 1, lease_owner = NULL,"
                             " lease_expires_at = NULL WHERE id = ? AND state = 'running' AND attempts = ?"
                             " AND lease_owner = ?");
        d.finishCancelled = QStringLiteral(
            "UPDATE tasks SET state = 'cancelled', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL"
            " WHERE id = ? AND state = 'running' AND attempts = ? AND lease_owner = ?");
        d.releaseTask = QStringLiteral(
            "UPDATE tasks SET state = 'queued', attempts = attempts - 1, run_at = ?, lease_owner = NULL,"
            " lease_expires_at = NULL WHERE id = ? AND state = 'running' AND attempts = ? AND lease_owner = ?");
        d.taskQueueAndStart = QStringLiteral("SELECT queue, started_at FROM tasks WHERE id = ?1");
        d.eventActivity = QStringLiteral("SELECT e.id, e.queue, e.kind, e.duration_ms, ") + eventActivityType()
            + QStringLiteral(" FROM task_events e WHERE e.id > ?1 AND e.kind IN"
                             " ('enqueued', 'started', 'succeeded', 'failed', 'retry_scheduled') ORDER BY e.id");
        return d;
    }();
    return dialect;
}

} // namespace qd
