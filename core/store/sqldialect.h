#pragma once

#include <QString>
#include <QStringList>

namespace qd {

// The schema versions that added what reads touch. A read-only store cannot migrate an older database: it reads
// around what that schema lacks (TaskStore::databaseSchemaVersion()).
constexpr int processesSchemaVersion = 6; // `processes` (heartbeats)
constexpr int sourceCursorsSchemaVersion = 7; // `source_cursors` (events-out relays): no cursor yet
constexpr int taskCountsSchemaVersion = 8; // `task_counts`: the tasks are counted instead
constexpr int searchIndexSchemaVersion = 9; // `task_search`: searches read by LIKE
constexpr int sourceStatesSchemaVersion = 10; // `source_states`: no states reported
constexpr int settingsSchemaVersion = 11; // `settings`: the defaults
constexpr int signedTasksSchemaVersion = 12; // `producer_keys`, `queues.require_signed`, `tasks.producer_key_id`
constexpr int auditLogSchemaVersion = 13; // `audit_log`: no rows

// Every statement whose text differs between database engines, in one place per backend, so that a PostgreSQL
// twin is a second instance of this struct rather than a rewrite of TaskStore.
struct SqlDialect {
    enum class Engine { Sqlite, Postgres, MariaDb };
    QString name;
    Engine engine = Engine::Sqlite;
    bool postgres = false;
    // A database server (PostgreSQL, MariaDB), reached through QSqlQuery: several writers, a connection that may drop.
    bool server = false;
    // UPDATE and DELETE ... RETURNING work (SQLite, PostgreSQL). Otherwise (MariaDB has no UPDATE ... RETURNING, and
    // Qt's driver reads no rows of a prepared DELETE ... RETURNING) TaskStore::updateReturning() locks and reads the
    // rows first, then changes them by id.
    bool updateReturning = true;
    // Rewrites a statement written for SQLite and PostgreSQL into this engine's words when they differ only in
    // spelling (MariaDB: ON CONFLICT, excluded.x); null when nothing needs rewriting.
    QString (*adapt)(const QString& sql) = nullptr;
    // migrations[i] brings the schema from version i to i + 1; each entry is a list of statements.
    QList<QStringList> migrations;
    // Takes the write lock at the start, so a transaction never fails half-way on a lock upgrade.
    QString beginWrite;
    // PostgreSQL: claims tasks in one UPDATE ... RETURNING; binds :now, :owner, :lease_until, :queue, :limit and
    // returns the claimed rows' columns (taskColumns order). SQLite: the SELECT of those rows, binding :queue and
    // :limit; TaskStore::claim() then updates each by id (SQLite's RETURNING costs more than the claim itself).
    QString claim;
    // Inserts a queue row unless it exists. Binds :name, :now.
    QString ensureQueue;
    // Case-insensitive substring match, two positional parameters holding the pattern with % around it.
    QString searchCondition;
    // The same in an encrypted database: sealed values never match (their text is ciphertext, not the payload).
    QString searchPlainCondition;
    // PostgreSQL: inserts one task reading its queue's defaults, and nothing when the queue does not exist. SQLite:
    // inserts the row as bound, :max_attempts and :timeout_ms included (see sqliteDialect()). Binds :type,
    // :payload, :priority, :state, :max_attempts, :run_at, :created_at, :key, :timeout_ms, :backoff_base,
    // :backoff_max, :jitter, :queue. On PostgreSQL it returns the new id as a row.
    QString insertTask;
    // insertTask that inserts nothing when the idempotency key is taken (the caller then reads the key's task), so a
    // new key costs no lookup. Empty (MariaDB): the key is looked up before insertTask.
    QString insertTaskNewKey;
    // Adds ?4 to the count of task_counts's row (slot ?1, queue ?2, state ?3), creating it.
    QString addCountDelta;
    // Appended to the SELECT that reads a running task before failing it: keeps another host from changing the row
    // between the read and the update.
    QString lockTaskRow;
    // Maintenance, run by the writer every second; each returns id, queue, attempts (and lease_owner). Bind :now.
    QString stageDueTasks;
    QString recoverLeasesExhausted; // only tasks that started: one claimed ahead and never run is requeued
    QString recoverLeasesRequeue;
    QString nextScheduledRunAt;
    // The claim of a task "ahead" for a worker that is still busy (EngineCore's prefetch): the same as `claim` but
    // started_at is left alone until the handler really starts (TaskStore::recordAheadStart). Binds :owner,
    // :lease_until, :queue, :limit. SQLite: empty (`claim` picks the rows).
    QString claimAhead;
    // SQLite only (empty on PostgreSQL, whose `claim` takes the rows itself): takes one claimed task by id, binding
    // ?1 now (started_at; not in the ahead variant), ?2 owner, ?3 lease_until, ?4 id.
    QString claimTake;
    QString claimTakeAhead;
    // SQLite and MariaDB: insertTask binds the queue's max_attempts and timeout_ms (TaskStore::enqueueQueueRow);
    // PostgreSQL's insert reads them itself.
    bool bindsQueueDefaults = false;
    // SQLite only: the "enqueued" history rows of a batch's new tasks, ids ?1 to ?2 (see TaskStore::enqueue).
    QString addEnqueuedEvents;
    // The writes fenced by a task's lease: they change the row only while (id, attempt, owner) still hold it.
    // PostgreSQL's return the task's queue and started_at (RETURNING); SQLite's return nothing, as its RETURNING
    // runs as a trigger with a statement journal that costs more than the update: the store then reads them with
    // taskQueueAndStart (SQLite only; binds ?1 id).
    QString completeTask; // binds :started (NULL: unchanged), :now, :result, :id, :attempt, :owner
    QString startClaimedAhead; // sets started_at; binds ?1 started_at, ?2 id, ?3 attempt, ?4 owner
    QString giveBackCancelled; // binds ?1 now, ?2 id, ?3 attempt, ?4 owner
    QString giveBackQueued; // binds ?1 id, ?2 attempt, ?3 owner
    QString finishCancelled; // a running task an admin cancelled; binds ?1 now, ?2 id, ?3 attempt, ?4 owner
    QString releaseTask; // queued again, its attempt refunded; binds ?1 now (run_at), ?2 id, ?3 attempt, ?4 owner
    QString taskQueueAndStart;
    // The events the metrics sampler counts, after id ?1, in id order: id, queue, kind, duration_ms, at. SQLite reads
    // only the kinds it counts; PostgreSQL reads every event, to see holes in the ids (eventActivitySince()).
    QString eventActivity;
    // The audit log's db_role value, evaluated by the INSERT itself: the session's database role on a server, NULL
    // on SQLite.
    QString auditRole = QStringLiteral("NULL");
};

const SqlDialect& sqliteDialect();
// A migration statement of SQLite's alone (the payload search index), which the servers' translations leave out.
bool isSqliteOnlyStatement(const QString& statement);
const SqlDialect& postgresDialect();
const SqlDialect& mariaDbDialect();

// An UPDATE or DELETE ... RETURNING taken apart for an engine without it (see SqlDialect::updateReturning): `pick`
// selects the returned columns of the rows it would change, locking them (its last column is the id); `update`
// changes (or deletes) rows by id, the ids and a closing parenthesis to be appended; `setParameters` is how many of
// the statement's `?` belong to the SET clause.
struct SplitUpdate {
    QString pick;
    QString update;
    int setParameters = 0;
};
SplitUpdate splitUpdateReturning(const QString& sql, const QString& lock);

// The columns of `tasks` in the order TaskStore reads them.
QString taskColumns();

// The eventActivity statements' task-type column of an event `e`: looked up only for events that end an attempt
// (the per-type rates and run times), NULL for the others and for a task purged since.
QString eventActivityType();

} // namespace qd
