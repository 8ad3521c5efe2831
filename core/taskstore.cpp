#include "taskstore.h"

#include "databaseurl.h"
#include "diskreserve.h"
#include "sqldialect.h"
#include "sqlerrors.h"
#include "sqlitestatement.h"
#include "walcheckpointer.h"

#include <QAtomicInteger>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlDriver>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QThread>
#include <QUrl>

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <libpq-fe.h>
#include <sqlite3.h>

namespace qd {

namespace {

QAtomicInteger<quint64> connectionCounter;

// Database files this process has open through a TaskStore. Closing any file descriptor of a file drops every POSIX
// lock the process holds on it, SQLite's included: then another process thinks it is alone, checkpoints and
// deletes the WAL, and our later commits land in a deleted file. So the header is read (open, read, close) only
// while no TaskStore of this process has the file open; a file already open here was checked by the first opener.
std::mutex openFilesMutex;
QHash<QString, int> openFiles;

QString fileKey(const QString& path)
{
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? info.absoluteFilePath() : canonical;
}

QString stateSql(TaskState state)
{
    return QLatin1Char('\'') + taskStateName(state) + QLatin1Char('\'');
}

QVariant nullable(const QString& value)
{
    return value.isEmpty() ? QVariant() : QVariant(value);
}

QVariant nullable(const QByteArray& value)
{
    return value.isEmpty() ? QVariant() : QVariant(QString::fromUtf8(value));
}

// A row read through QSqlQuery, and one read through the SQLite C API (see SqliteStatement::columnText): the two ways
// taskFromRow() and eventFromRow() see a row.
struct QueryRow {
    const QSqlQuery& q;
    qint64 integer(int column) const { return q.value(column).toLongLong(); }
    int number(int column) const { return q.value(column).toInt(); }
    bool flag(int column) const { return q.value(column).toBool(); }
    QString text(int column) const { return q.value(column).toString(); }
    QByteArray utf8(int column) const { return q.value(column).toString().toUtf8(); }
    bool null(int column) const { return q.isNull(column); }
};

struct StatementRow {
    const SqliteStatement& s;
    qint64 integer(int column) const { return s.columnInt(column); }
    int number(int column) const { return int(s.columnInt(column)); }
    bool flag(int column) const { return s.columnInt(column) != 0; }
    QString text(int column) const { return s.columnText(column); }
    QByteArray utf8(int column) const { return s.columnTextUtf8(column); }
    bool null(int column) const { return s.columnIsNull(column); }
};

// The one mapping of a row of taskColumns() to a Task, whichever way the row was read.
template <typename Row> Task taskFromRow(const Row& row)
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

Task readTask(const QSqlQuery& q)
{
    return taskFromRow(QueryRow {q});
}

// The one mapping of a row of eventColumns to a TaskEvent, whichever way the row was read.
template <typename Row> TaskEvent eventFromRow(const Row& row)
{
    TaskEvent e;
    e.id = row.integer(0);
    e.taskId = row.integer(1);
    e.queue = row.text(2);
    e.at = row.integer(3);
    e.kind = row.text(4);
    if (!row.null(5))
        e.fromState = taskStateFromName(row.text(5));
    e.toState = taskStateFromName(row.text(6)).value_or(TaskState::Queued);
    e.attempt = row.number(7);
    e.worker = row.text(8);
    e.detail = row.text(9);
    e.durationMs = row.null(10) ? -1 : row.integer(10);
    return e;
}

TaskEvent readEvent(const QSqlQuery& q)
{
    return eventFromRow(QueryRow {q});
}

const QString eventColumns
    = QStringLiteral("id, task_id, queue, at, kind, from_state, to_state, attempt, worker, detail, duration_ms");

QString likePattern(const QString& text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('%'), QLatin1String("\\%"));
    escaped.replace(QLatin1Char('_'), QLatin1String("\\_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

// A WHERE clause with positional parameters.
struct WhereClause {
    QString sql = QStringLiteral("1 = 1");
    QList<QVariant> values;

    void add(const QString& condition, const QList<QVariant>& binds = {})
    {
        sql += QLatin1String(" AND ") + condition;
        values += binds;
    }
    template <typename T, typename ToVariant>
    void addIn(const QString& column, const QList<T>& items, ToVariant toVariant)
    {
        if (items.isEmpty())
            return;
        QStringList marks;
        for (const T& item : items) {
            marks.append(QStringLiteral("?"));
            values.append(toVariant(item));
        }
        sql += QLatin1String(" AND ") + column + QLatin1String(" IN (") + marks.join(QLatin1Char(','))
            + QLatin1Char(')');
    }
};

WhereClause whereFor(const TaskFilter& filter, const SqlDialect& dialect)
{
    WhereClause where;
    where.addIn(QStringLiteral("id"), filter.ids, [](qint64 id) { return QVariant(id); });
    where.addIn(QStringLiteral("queue"), filter.queues, [](const QString& q) { return QVariant(q); });
    where.addIn(QStringLiteral("state"), filter.states, [](TaskState s) { return QVariant(taskStateName(s)); });
    where.addIn(QStringLiteral("type"), filter.types, [](const QString& t) { return QVariant(t); });
    if (!filter.search.isEmpty()) {
        const QString pattern = likePattern(filter.search);
        where.add(dialect.searchCondition, {pattern, pattern});
    }
    if (filter.createdFrom > 0)
        where.add(QStringLiteral("created_at >= ?"), {filter.createdFrom});
    if (filter.createdTo > 0)
        where.add(QStringLiteral("created_at < ?"), {filter.createdTo});
    return where;
}

void bindAll(QSqlQuery& q, const QList<QVariant>& values)
{
    for (qsizetype i = 0; i < values.size(); ++i)
        q.bindValue(int(i), values.at(i));
}

QString sortColumn(TaskSortKey key)
{
    switch (key) {
    case TaskSortKey::Id:
        return {};
    case TaskSortKey::Queue:
        return QStringLiteral("queue");
    case TaskSortKey::Type:
        return QStringLiteral("type");
    case TaskSortKey::State:
        return QStringLiteral("state");
    case TaskSortKey::Priority:
        return QStringLiteral("priority");
    case TaskSortKey::Attempts:
        return QStringLiteral("attempts");
    case TaskSortKey::RunAt:
        return QStringLiteral("run_at");
    case TaskSortKey::FinishedAt:
        return QStringLiteral("finished_at");
    }
    return {};
}

constexpr int streamBatchSize = 1000;

// The SET list of the metrics upserts: a sample written again replaces the one stored.
const QString sampleUpdate = QStringLiteral(
    "queued = excluded.queued, scheduled = excluded.scheduled, running = excluded.running,"
    " succeeded = excluded.succeeded, failed = excluded.failed, cancelled = excluded.cancelled,"
    " enqueued_n = excluded.enqueued_n, completed_n = excluded.completed_n, failed_n = excluded.failed_n,"
    " wait_p50_ms = excluded.wait_p50_ms, wait_p95_ms = excluded.wait_p95_ms");

// What every fenced write (complete, fail, cancel, release) returns when its (attempt, owner) token no longer
// matches: the lease expired and the task went to someone else, so this result must change nothing.
Error leaseLost(qint64 id, int attempt, const QString& owner)
{
    return Error {ErrorCode::NotFound,
        QStringLiteral("Task %1 attempt %2 is no longer held by %3 (its lease expired)")
            .arg(id)
            .arg(attempt)
            .arg(owner)};
}

} // namespace

TaskStore::TaskStore(StoreOptions options, QString connectionName, const SqlDialect& dialect)
    : m_options(std::move(options))
    , m_connectionName(std::move(connectionName))
    , m_dialect(dialect)
{ }

TaskStore::~TaskStore()
{
    if (m_txDepth > 0)
        rollback();
    if (m_checkpointer)
        sqlite3_wal_hook(m_sqlite, nullptr, nullptr);
    m_preparedLiterals.clear();
    m_prepared.clear();
    m_control.reset();
    m_sqliteLiterals.clear();
    m_sqliteStatements.clear(); // finalised before the connection closes
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
    if (m_fileKey.isEmpty())
        return;
    std::lock_guard registry(openFilesMutex);
    if (--openFiles[m_fileKey] <= 0)
        openFiles.remove(m_fileKey);
}

bool TaskStore::isPostgres() const
{
    return m_dialect.postgres;
}

namespace {

// Qt registers the handle under the struct's own name, pg_conn*.
PGconn* postgresConnection(const QSqlDatabase& db)
{
    const QVariant handle = db.driver()->handle();
    return handle.isValid() && qstrcmp(handle.typeName(), "pg_conn*") == 0
        ? *static_cast<PGconn* const*>(handle.constData())
        : nullptr;
}

} // namespace

int TaskStore::serverProcessId() const
{
    PGconn* connection = m_dialect.postgres ? postgresConnection(m_db) : nullptr;
    return connection ? PQbackendPID(connection) : 0;
}

// A PostgreSQL server that restarted (or a network that dropped) leaves the connection broken; libpq notices at the
// next statement, which fails. The next transaction or read outside a transaction connects again: its statements
// are prepared afresh, so no reference into the old cache can be alive (none is held outside a transaction).
void TaskStore::reconnectIfLost()
{
    if (!m_dialect.postgres || m_txDepth > 0)
        return;
    PGconn* connection = postgresConnection(m_db);
    if (connection && PQstatus(connection) == CONNECTION_OK)
        return;
    qCInfo(lcStore) << "connection to" << m_url->displayName() << "lost; connecting again";
    m_preparedLiterals.clear();
    m_prepared.clear();
    m_control.reset();
    m_db.close();
    ++m_foreignCommits; // notifications sent meanwhile are lost: readers must look again
    if (Status s = connectPostgres(); !s)
        qCWarning(lcStore) << s.errorString();
}

int TaskStore::schemaVersion()
{
    return int(sqliteDialect().migrations.size());
}

Result<std::unique_ptr<TaskStore>> TaskStore::open(const StoreOptions& options)
{
    if (options.path.isEmpty())
        return Error {ErrorCode::InvalidArgument, QStringLiteral("No database path given")};
    auto url = DatabaseUrl::parse(options.path);
    if (!url)
        return url.error();
    if (url->isPostgres())
        return openPostgres(options, *url);
    if (url->sqlitePath != options.path) {
        StoreOptions bare = options;
        bare.path = url->sqlitePath;
        return open(bare);
    }
    auto opened = openSqlite(options);
    if (opened) {
        if (!options.readOnly)
            diskreserve::ensure(options.path);
        return opened;
    }
    // On a full disk SQLite cannot create the WAL index and log it opens with ("disk I/O error"): give back the
    // reserve kept for this moment and try once more, so that the admin can still look and purge.
    const auto nearlyFull = [&](qint64 bytes) {
        const qint64 free = diskreserve::freeBytes(options.path);
        return free >= 0 && free < bytes;
    };
    if (!nearlyFull(diskreserve::reserveBytes))
        return opened;
    if (diskreserve::release(options.path)) {
        qCWarning(lcStore) << "the disk holding" << options.path << "is full: gave back its reserve";
        opened = openSqlite(options);
        if (opened)
            return opened;
    }
    if (nearlyFull(1 << 20))
        return Error {ErrorCode::DatabaseFull,
            QStringLiteral("Cannot open %1: the disk is full (%2 KiB free). Free some space on it, then purge finished"
                           " tasks (queuedesk-cli purge --state succeeded)")
                .arg(options.path)
                .arg(diskreserve::freeBytes(options.path) / 1024)};
    return opened;
}

Result<std::unique_ptr<TaskStore>> TaskStore::openSqlite(const StoreOptions& options)
{

    const QFileInfo info(options.path);
    std::unique_lock registry(openFilesMutex);
    const QString key = fileKey(options.path);
    const bool openHere = openFiles.value(key) > 0;
    if (info.exists() && !openHere) {
        if (info.isDir())
            return Error {ErrorCode::Io, QStringLiteral("%1 is a directory, not a database file").arg(options.path)};
        // Look at the header ourselves before SQLite does anything: a file that is not a database must stay
        // exactly as it is.
        QFile file(options.path);
        if (!file.open(QIODevice::ReadOnly))
            return Error {ErrorCode::Io, QStringLiteral("Cannot read %1: %2").arg(options.path, file.errorString())};
        const QByteArray header = file.read(16);
        if (file.size() > 0 && header != QByteArray("SQLite format 3\0", 16))
            return Error {ErrorCode::Corrupt, QStringLiteral("%1 is not a SQLite database").arg(options.path)};
        if (!options.readOnly && !info.isWritable())
            return Error {ErrorCode::ReadOnly,
                QStringLiteral("%1 is read-only: open it read-only to inspect it").arg(options.path)};
    } else if (!info.exists()) {
        if (options.readOnly || !options.createIfMissing)
            return Error {ErrorCode::NotFound, QStringLiteral("%1 does not exist").arg(options.path)};
        if (!QDir().mkpath(info.absolutePath()))
            return Error {ErrorCode::Io, QStringLiteral("Cannot create the directory %1").arg(info.absolutePath())};
    }

    const QString name = QStringLiteral("qd-store-%1").arg(connectionCounter.fetchAndAddRelaxed(1));
    std::unique_ptr<TaskStore> store(new TaskStore(options, name, sqliteDialect()));
    // Registered before SQLite opens the file, so no other TaskStore of ours reads the header while we hold locks.
    store->m_fileKey = fileKey(options.path);
    ++openFiles[store->m_fileKey];
    registry.unlock();
    store->m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    store->m_db.setDatabaseName(options.path);
    QString connectOptions = QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(options.busyTimeoutMs);
    if (options.readOnly)
        connectOptions += QLatin1String(";QSQLITE_OPEN_READONLY");
    if (options.readOnly && info.exists() && !QFileInfo::exists(options.path + QLatin1String("-shm"))
        && !QFileInfo(info.absolutePath()).isWritable()) {
        // A copy in a folder nobody may write (a read-only mount, a CD, a post-mortem copy): SQLite cannot create
        // the WAL index (-shm) beside it, so the file is opened as immutable, which needs neither index nor locks.
        // Frames in a WAL would then be ignored: refuse rather than show an older state.
        if (QFileInfo(options.path + QLatin1String("-wal")).size() > 0)
            return Error {ErrorCode::ReadOnly,
                QStringLiteral("%1 has a write-ahead log (-wal) that SQLite can read only with write access to the"
                               " folder: copy the database and its -wal file to a writable folder")
                    .arg(options.path)};
        store->m_db.setDatabaseName(
            QUrl::fromLocalFile(info.absoluteFilePath()).toString(QUrl::FullyEncoded) + QLatin1String("?immutable=1"));
        connectOptions += QLatin1String(";QSQLITE_OPEN_URI");
    }
    store->m_db.setConnectOptions(connectOptions);
    if (!store->m_db.open())
        return sqlError(store->m_db.lastError(), QStringLiteral("Cannot open %1").arg(options.path));
    if (const QVariant handle = store->m_db.driver()->handle(); qstrcmp(handle.typeName(), "sqlite3*") == 0)
        store->m_sqlite = *static_cast<sqlite3* const*>(handle.constData());
    if (Status s = store->initialise(); !s)
        return s.error();
    return store;
}

Result<std::unique_ptr<TaskStore>> TaskStore::openPostgres(const StoreOptions& options, const DatabaseUrl& url)
{
    const QString name = QStringLiteral("qd-store-%1").arg(connectionCounter.fetchAndAddRelaxed(1));
    std::unique_ptr<TaskStore> store(new TaskStore(options, name, postgresDialect()));
    store->m_url = std::make_unique<DatabaseUrl>(url);
    store->m_db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
    if (!store->m_db.isValid())
        return Error {ErrorCode::Unavailable,
            QStringLiteral("Qt's PostgreSQL driver is not installed (Debian package libqt6sql6-psql)")};
    if (Status s = store->connectPostgres(); !s)
        return s.error();
    if (Status s = store->initialisePostgres(); !s)
        return s.error();
    return store;
}

Status TaskStore::connectPostgres()
{
    const DatabaseUrl& url = *m_url;
    m_db.setHostName(url.host);
    m_db.setPort(url.port);
    m_db.setUserName(url.user);
    m_db.setPassword(url.password);
    m_db.setDatabaseName(url.databaseName);
    // A server that does not answer must not hang the caller for minutes (libpq waits forever by default).
    m_db.setConnectOptions(QStringLiteral("connect_timeout=%1;application_name=queuedesk")
                               .arg(std::max(2, m_options.busyTimeoutMs / 1000)));
    if (!m_db.open())
        return sqlError(m_db.lastError(), QStringLiteral("Cannot connect to %1").arg(url.displayName()));
    QStringList setup {QStringLiteral("SET client_min_messages = warning")};
    if (!url.schema.isEmpty()) {
        if (!m_options.readOnly) {
            // Two sessions creating one schema at once can both pass IF NOT EXISTS and one then fails on the
            // catalogue's unique index: create it under a lock taken for this schema's name.
            setup.append(QStringLiteral("BEGIN"));
            setup.append(
                QStringLiteral("SELECT pg_advisory_xact_lock(hashtext('queuedesk-schema:%1'))").arg(url.schema));
            setup.append(QStringLiteral("CREATE SCHEMA IF NOT EXISTS \"%1\"").arg(url.schema));
            setup.append(QStringLiteral("COMMIT"));
        }
        setup.append(QStringLiteral("SET search_path = \"%1\"").arg(url.schema));
    }
    if (m_options.readOnly)
        setup.append(QStringLiteral("SET default_transaction_read_only = on"));
    // Full asks for what PostgreSQL does by default; Normal leaves the server's own setting alone.
    if (m_options.durability == Durability::Full)
        setup.append(QStringLiteral("SET synchronous_commit = on"));
    // Every write transaction notifies this channel at its commit (see commit()); dataVersion() counts the
    // notifications of other connections, as SQLite's data_version counts their commits.
    setup.append(QStringLiteral("LISTEN ") + changeChannel());
    m_notifyChanges = QStringLiteral("SELECT pg_notify('") + changeChannel() + QStringLiteral("', '')");
    for (const QString& statement : std::as_const(setup)) {
        if (Status s = exec(statement); !s) {
            static_cast<void>(exec(
                QStringLiteral("ROLLBACK"))); // a failed BEGIN ... COMMIT above must not leave its transaction open
            return s;
        }
    }
    return success();
}

QString TaskStore::changeChannel() const
{
    return m_url && !m_url->schema.isEmpty() ? QStringLiteral("queuedesk_") + m_url->schema
                                             : QStringLiteral("queuedesk");
}

Result<TaskStore::SchemaState> TaskStore::readPostgresSchemaState()
{
    const QString where = m_url->displayName();
    QSqlQuery q(m_db);
    // A catalogue query, not to_regclass(): that reads the catalogue cache, which within a transaction that waited for
    // the migration lock can still say "no such table" after another session created it.
    if (!q.exec(QStringLiteral("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
                               " AND tablename = 'queuedesk_schema')"))
        || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot read %1").arg(where));
    const bool known = q.value(0).toBool();
    q.finish();
    if (known) {
        if (!q.exec(QStringLiteral("SELECT COALESCE(max(version), 0) FROM queuedesk_schema")) || !q.next())
            return sqlError(q.lastError(), QStringLiteral("Cannot read %1").arg(where));
        return SchemaState {q.value(0).toInt(), 0};
    }
    // Not ours (yet): count the tables that a schema of ours would clash with.
    if (!q.exec(QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE table_schema ="
                               " current_schema() AND table_name IN ('tasks', 'queues', 'task_events', 'metrics')"))
        || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot read %1").arg(where));
    return SchemaState {0, q.value(0).toInt()};
}

Status TaskStore::initialisePostgres()
{
    const QString where = m_url->displayName();
    const auto check = [&](const SchemaState& state) -> Status {
        if (state.version == 0 && state.objects > 0)
            return Error {ErrorCode::Corrupt,
                QStringLiteral("%1 has tables of another program named like QueueDesk's (tasks, queues...): use "
                               "another database or ?schema=")
                    .arg(where)};
        if (state.version > schemaVersion())
            return Error {ErrorCode::SchemaTooNew,
                QStringLiteral("%1 was written by a newer QueueDesk (schema %2; this version knows up to %3)")
                    .arg(where)
                    .arg(state.version)
                    .arg(schemaVersion())};
        return success();
    };
    const Result<SchemaState> seen = readPostgresSchemaState();
    if (!seen)
        return seen.error();
    if (m_options.readOnly) {
        if (Status s = check(*seen); !s)
            return s;
        if (seen->version == 0)
            return Error {ErrorCode::NotFound, QStringLiteral("%1 holds no QueueDesk data").arg(where)};
        return success();
    }
    if (seen->version >= schemaVersion())
        return check(*seen);
    // Several hosts may start at once: what was read above is only a hint. Under this lock the first to come
    // migrates, and the others read again and find it done.
    if (Status s = begin(); !s)
        return s;
    const auto migrate = [&]() -> Status {
        if (Status s = exec(QStringLiteral("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.queuedesk'))"));
            !s)
            return s;
        const Result<SchemaState> locked = readPostgresSchemaState();
        if (!locked)
            return locked.error();
        if (Status s = check(*locked); !s)
            return s;
        if (locked->version == schemaVersion())
            return success();
        if (Status s = exec(QStringLiteral("CREATE TABLE IF NOT EXISTS queuedesk_schema (version INTEGER NOT NULL)"));
            !s)
            return s;
        if (Status s = runMigrations(locked->version); !s)
            return s;
        if (Status s = exec(QStringLiteral("DELETE FROM queuedesk_schema")); !s)
            return s;
        return exec(QStringLiteral("INSERT INTO queuedesk_schema VALUES (%1)").arg(schemaVersion()));
    };
    if (Status s = migrate(); !s) {
        rollback();
        return s;
    }
    return commit();
}

Status TaskStore::runMigrations(int fromVersion)
{
    for (int v = fromVersion; v < schemaVersion(); ++v) {
        for (const QString& statement : m_dialect.migrations.at(v)) {
            if (Status s = exec(statement); !s)
                return Error {s.error().code,
                    QStringLiteral("Cannot upgrade the schema to version %1: %2").arg(v + 1).arg(s.errorString())};
        }
    }
    return success();
}

Status TaskStore::enableWal()
{
    // Switching a new file to WAL needs it to itself, and SQLite answers "locked" at once, without its busy handler,
    // while other processes opening the same new file hold their read locks for a moment: try again for as long as
    // the busy timeout allows.
    const qint64 giveUpAt = QDateTime::currentMSecsSinceEpoch() + m_options.busyTimeoutMs;
    for (;;) {
        Status s = exec(QStringLiteral("PRAGMA journal_mode = WAL"));
        if (s || s.error().code != ErrorCode::DatabaseLocked || QDateTime::currentMSecsSinceEpoch() >= giveUpAt)
            return s;
        QThread::msleep(1 + QRandomGenerator::global()->bounded(5));
    }
}

Result<TaskStore::SchemaState> TaskStore::readSchemaState()
{
    // One statement, so both come from one snapshot even while another process creates the schema.
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT (SELECT user_version FROM pragma_user_version),"
                               " (SELECT count(*) FROM sqlite_master)"))
        || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot read %1").arg(m_options.path));
    return SchemaState {q.value(0).toInt(), q.value(1).toInt()};
}

Status TaskStore::initialise()
{
    const Result<SchemaState> read = readSchemaState();
    if (!read)
        return read.error();
    const int version = read->version;
    QSqlQuery q(m_db);
    if (version > schemaVersion())
        return Error {ErrorCode::SchemaTooNew,
            QStringLiteral("%1 was written by a newer QueueDesk (schema %2; this version knows up to %3)")
                .arg(m_options.path)
                .arg(version)
                .arg(schemaVersion())};
    if (version == 0) {
        if (read->objects > 0)
            return Error {ErrorCode::Corrupt,
                QStringLiteral("%1 is a SQLite database of another program, not a QueueDesk database")
                    .arg(m_options.path)};
    }

    // A file cut short (a copy that did not finish, a full disk) is refused before anything reads past its end.
    // With a non-empty WAL the database's size lives partly in the WAL, so only a bare file is checked.
    const QFileInfo wal(m_options.path + QLatin1String("-wal"));
    if (version > 0 && (!wal.exists() || wal.size() == 0)) {
        if (!q.exec(QStringLiteral("PRAGMA page_count")) || !q.next())
            return sqlError(q.lastError(), QStringLiteral("Cannot read %1").arg(m_options.path));
        const qint64 pages = q.value(0).toLongLong();
        q.finish();
        if (!q.exec(QStringLiteral("PRAGMA page_size")) || !q.next())
            return sqlError(q.lastError(), QStringLiteral("Cannot read %1").arg(m_options.path));
        const qint64 pageSize = q.value(0).toLongLong();
        q.finish();
        const qint64 fileSize = QFileInfo(m_options.path).size();
        if (fileSize < pages * pageSize)
            return Error {ErrorCode::Corrupt,
                QStringLiteral("%1 is truncated: it holds %2 bytes of the %3 its header promises")
                    .arg(m_options.path)
                    .arg(fileSize)
                    .arg(pages * pageSize)};
    }

    if (m_options.readOnly) {
        if (version == 0)
            return Error {ErrorCode::NotFound, QStringLiteral("%1 holds no QueueDesk data").arg(m_options.path)};
        return exec(QStringLiteral("PRAGMA query_only = 1"));
    }

    if (Status s = enableWal(); !s)
        return s;
    for (const QString& pragma :
        {m_options.durability == Durability::Full ? QStringLiteral("PRAGMA synchronous = FULL")
                                                  : QStringLiteral("PRAGMA synchronous = NORMAL"),
            QStringLiteral("PRAGMA temp_store = MEMORY"), QStringLiteral("PRAGMA cache_size = -16000")}) {
        if (Status s = exec(pragma); !s)
            return s;
    }

    if (version < schemaVersion()) {
        // All migrations in one transaction: an interrupted upgrade leaves the old schema intact. Other processes
        // may be opening the same file at this moment: the version read above is only a hint, so read it again
        // under the write lock and migrate from there (or not at all if another process just did).
        if (Status s = begin(); !s)
            return s;
        const Result<SchemaState> locked = readSchemaState();
        if (!locked) {
            rollback();
            return locked.error();
        }
        if (locked->version >= schemaVersion())
            return commit();
        if (Status s = runMigrations(locked->version); !s) {
            rollback();
            return s;
        }
        if (Status s = exec(QStringLiteral("PRAGMA user_version = %1").arg(schemaVersion())); !s) {
            rollback();
            return s;
        }
        if (Status s = commit(); !s)
            return s;
    }
    return success();
}

QSqlQuery& TaskStore::prepared(const QString& sql)
{
    if (m_dialect.postgres)
        reconnectIfLost();
    // Most statements are QStringLiterals, whose text never moves: find those by its address and skip hashing a few
    // hundred characters on every call (about 5% of an enqueue, callgrind). Other texts are found by content.
    // A literal's text has no header (d is null); d_ptr() only reads it, it has no const overload in Qt 6.4.
    const bool literal = const_cast<QString&>(sql).data_ptr().d_ptr() == nullptr;
    if (literal) {
        if (auto hit = m_preparedLiterals.find(sql.constData()); hit != m_preparedLiterals.end())
            return *hit->second;
    }
    auto it = m_prepared.find(sql);
    if (it == m_prepared.end()) {
        auto query = std::make_unique<QSqlQuery>(m_db);
        query->setForwardOnly(true);
        if (!query->prepare(sql))
            qCWarning(lcStore) << "prepare failed:" << query->lastError().text() << sql;
        it = m_prepared.emplace(sql, std::move(query)).first;
    }
    if (literal)
        m_preparedLiterals.emplace(sql.constData(), it->second.get());
    return *it->second;
}

Status TaskStore::execPrepared(const QString& sql)
{
    QSqlQuery& q = prepared(sql);
    if (!q.exec())
        return sqlError(q.lastError(), sql);
    return success();
}

Status TaskStore::execControl(const QString& sql)
{
    // SQLite: prepared once, as re-parsing these statements cost about a sixth of an enqueue (callgrind), and run
    // through the C API, as a QSqlQuery exec cost as much again. PostgreSQL cannot PREPARE transaction control, so
    // it gets them as simple queries.
    if (m_sqlite) {
        SqliteStatement& statement = sqliteStatement(sql);
        return statement.run() ? success() : Status(statement.error(sql));
    }
    if (!m_dialect.postgres)
        return execPrepared(sql);
    if (!m_control)
        m_control = std::make_unique<QSqlQuery>(m_db);
    if (!m_control->exec(sql))
        return sqlError(m_control->lastError(), sql.section(QLatin1Char(' '), 0, 1));
    return success();
}

SqliteStatement& TaskStore::sqliteStatement(const QString& sql)
{
    // Literals are found by address, as in prepared(); so are the dialect's statements (the claims, the enqueue
    // insert), whose text is as fixed: the dialect is a static object, and its strings are never changed, so their
    // text stays where it is as long as the program runs.
    const auto* self = reinterpret_cast<const char*>(&sql);
    const auto* dialect = reinterpret_cast<const char*>(&m_dialect);
    const bool literal = const_cast<QString&>(sql).data_ptr().d_ptr() == nullptr
        || (std::less_equal<>()(dialect, self) && std::less<>()(self, dialect + sizeof(SqlDialect)));
    if (literal) {
        if (auto hit = m_sqliteLiterals.find(sql.constData()); hit != m_sqliteLiterals.end())
            return *hit->second;
    }
    auto it = m_sqliteStatements.find(sql);
    if (it == m_sqliteStatements.end())
        it = m_sqliteStatements.emplace(sql, std::make_unique<SqliteStatement>(m_sqlite, sql)).first;
    if (literal)
        m_sqliteLiterals.emplace(sql.constData(), it->second.get());
    return *it->second;
}

Status TaskStore::exec(const QString& sql)
{
    QSqlQuery q(m_db);
    if (!q.exec(sql))
        return sqlError(q.lastError(), sql.section(QLatin1Char(' '), 0, 2));
    return success();
}

// --- transactions ---

Status TaskStore::begin()
{
    if (m_options.readOnly)
        return Error {ErrorCode::ReadOnly, QStringLiteral("The database is open read-only")};
    if (m_txDepth > 0)
        return Error {ErrorCode::Internal, QStringLiteral("A transaction is already open")};
    reconnectIfLost();
    Status began = execControl(m_dialect.beginWrite);
    if (!began && m_dialect.postgres) {
        // A server restart is noticed only by the first statement sent on the dead connection. Nothing has been
        // done yet, so connect again and begin once more instead of failing the caller.
        reconnectIfLost();
        began = execControl(m_dialect.beginWrite);
    }
    if (!began)
        return Error {began.error().code, QStringLiteral("Cannot start a write transaction: ") + began.errorString()};
    m_txDepth = 1;
    return success();
}

Status TaskStore::commit()
{
    if (m_dialect.postgres) {
        // Delivered when the commit is, to every other connection of this database (see dataVersion()).
        if (Status s = execPrepared(m_notifyChanges); !s) {
            rollback();
            return s;
        }
    }
    if (Status s = execControl(QStringLiteral("COMMIT")); !s) {
        rollback();
        return Error {s.error().code, QStringLiteral("Cannot commit: ") + s.errorString()};
    }
    m_txDepth = 0;
    return success();
}

void TaskStore::rollback()
{
    // SQLite has already rolled back a transaction that met a full disk or a lost lock: nothing to undo.
    if (m_sqlite && sqlite3_get_autocommit(m_sqlite))
        m_txDepth = 0;
    else if (Status s = execControl(QStringLiteral("ROLLBACK")); !s)
        qCDebug(lcStore) << "rollback:" << s.errorString(); // SQLite may already have rolled back (disk full)
    m_txDepth = 0;
    m_transitions.clear();
}

Status TaskStore::atomically(Undo undo, const std::function<Status()>& fn)
{
    if (m_txDepth == 0) {
        if (Status s = begin(); !s)
            return s;
        Status s = fn();
        if (!s) {
            rollback();
            return s;
        }
        return commit();
    }
    if (undo == Undo::Transaction && m_sqlite) {
        const sqlite3_int64 changesBefore = sqlite3_total_changes64(m_sqlite);
        const qsizetype mark = m_transitions.size();
        const int depth = m_txDepth++;
        Status s = fn();
        if (transactionEndedWithin())
            return transactionEnded(s);
        m_txDepth = depth;
        if (!s && sqlite3_total_changes64(m_sqlite) != changesBefore)
            rollback(); // fn wrote part of its change: only the whole transaction can take it back
        else if (!s)
            m_transitions.resize(mark);
        return s;
    }
    const QString savepoint = QStringLiteral("sp%1").arg(m_txDepth);
    if (Status s = execControl(QLatin1String("SAVEPOINT ") + savepoint); !s)
        return s;
    const qsizetype mark = m_transitions.size();
    const int depth = m_txDepth++;
    Status s = fn();
    if (transactionEndedWithin())
        return transactionEnded(s);
    m_txDepth = depth;
    if (!s) {
        execControl(QLatin1String("ROLLBACK TO ") + savepoint);
        m_transitions.resize(mark);
    }
    if (Status released = execControl(QLatin1String("RELEASE ") + savepoint); !released && s)
        return released;
    return s;
}

// After a nested fn: whether the whole transaction was rolled back meanwhile, by SQLite itself (disk full, I/O
// error) or by a nested write without a savepoint (Undo::Transaction).
bool TaskStore::transactionEndedWithin() const
{
    return m_txDepth == 0 || (m_sqlite && sqlite3_get_autocommit(m_sqlite) != 0);
}

// There is no savepoint to return to, and nothing of the enclosing transaction survives: a success of fn's would
// now be a lie.
Status TaskStore::transactionEnded(const Status& s)
{
    m_txDepth = 0;
    m_transitions.clear();
    return s ? Status(Error {ErrorCode::Internal, QStringLiteral("The transaction ended early")}) : s;
}

bool TaskStore::handOverCheckpoints(int walFrames, WalCheckpointer& checkpointer)
{
    if (m_options.readOnly || !m_sqlite || !exec(QStringLiteral("PRAGMA wal_autocheckpoint = 0")))
        return false;
    m_checkpointFrames = walFrames;
    m_checkpointer = &checkpointer;
    m_spacedCheckpoints = m_options.durability == Durability::Full;
    sqlite3_wal_hook(
        m_sqlite,
        [](void* self, sqlite3*, const char*, int frames) -> int {
            auto* store = static_cast<TaskStore*>(self);
            const int bound = store->m_checkpointFrames;
            store->m_walFrames = frames;
            if (frames < store->m_passAskedAt)
                store->m_passAskedAt = 0; // the WAL started over
            if (frames >= bound * 4) {
                store->finishCheckpoint();
            } else if (frames >= bound
                && (!store->m_spacedCheckpoints || store->m_passAskedAt == 0
                    || frames >= store->m_passAskedAt + bound)) {
                store->m_passAskedAt = frames;
                store->m_pass = store->m_checkpointer->request();
            }
            return SQLITE_OK;
        },
        this);
    return true;
}

bool TaskStore::checkpointDue() const
{
    if (m_truncateWal)
        return true;
    return m_spacedCheckpoints && m_pass != 0 && m_walFrames >= m_checkpointFrames
        && m_checkpointer->finishedPasses() >= m_pass;
}

void TaskStore::requestWalTruncation()
{
    m_truncateWal = m_sqlite != nullptr && m_checkpointer != nullptr;
}

void TaskStore::finishCheckpoint()
{
    // After the checkpointer's pass, if one runs: SQLite gives up at once, never waiting, on the checkpoint lock
    // another connection holds, and a checkpoint given up would leave the WAL to grow.
    m_checkpointer->waitUntilIdle();
    sqlite3_wal_checkpoint_v2(m_sqlite, nullptr,
        std::exchange(m_truncateWal, false) ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    m_pass = 0; // until the checkpointer's next pass: a WAL a reader holds on to would otherwise be copied at
                // every idle moment
}

QList<StateTransition> TaskStore::takeTransitions()
{
    return std::exchange(m_transitions, {});
}

Status TaskStore::addEvent(qint64 taskId, const QString& queue, qint64 at, const QString& kind,
    std::optional<TaskState> from, TaskState to, int attempt, const QString& worker, const QString& detail,
    qint64 durationMs, bool countTransition)
{
    // The parameters are numbered in order of appearance on both paths: ?1 is :task_id, ?10 is :duration.
    static const QString sql = QStringLiteral(
        "INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail, duration_ms) "
        "VALUES (:task_id, :queue, :at, :kind, :from_state, :to_state, :attempt, :worker, :detail, :duration)");
    const auto context = [taskId] { return QStringLiteral("Cannot record the history of task %1").arg(taskId); };
    if (m_sqlite) {
        // One history row per transition: the C API path (see sqlitestatement.h).
        SqliteStatement& q = sqliteStatement(sql);
        q.bindInt(1, taskId);
        q.bindText(2, queue);
        q.bindInt(3, at);
        q.bindText(4, kind);
        if (from)
            q.bindText(5, taskStateName(*from));
        q.bindText(6, taskStateName(to));
        q.bindInt(7, attempt);
        if (!worker.isEmpty())
            q.bindText(8, worker);
        if (!detail.isEmpty())
            q.bindText(9, detail);
        if (durationMs >= 0)
            q.bindInt(10, durationMs);
        if (!q.run())
            return q.error(context());
    } else {
        QSqlQuery& q = prepared(sql);
        q.bindValue(QStringLiteral(":task_id"), taskId);
        q.bindValue(QStringLiteral(":queue"), queue);
        q.bindValue(QStringLiteral(":at"), at);
        q.bindValue(QStringLiteral(":kind"), kind);
        q.bindValue(QStringLiteral(":from_state"), from ? QVariant(taskStateName(*from)) : QVariant());
        q.bindValue(QStringLiteral(":to_state"), taskStateName(to));
        q.bindValue(QStringLiteral(":attempt"), attempt);
        q.bindValue(QStringLiteral(":worker"), nullable(worker));
        q.bindValue(QStringLiteral(":detail"), nullable(detail));
        q.bindValue(QStringLiteral(":duration"), durationMs < 0 ? QVariant() : QVariant(durationMs));
        if (!q.exec())
            return sqlError(q.lastError(), context());
    }
    if (from != to && countTransition)
        m_transitions.append({taskId, queue, from, to});
    return success();
}

// --- tasks ---

Result<qint64> TaskStore::insertTask(
    const NewTask& t, TaskState state, qint64 runAt, qint64 now, QueueDefaults& defaults)
{
    if (m_sqlite) {
        // One row per task, the hottest statement of all: the C API path (see sqlitestatement.h), and a plain
        // INSERT ... VALUES with the queue's defaults bound (see sqliteDialect()).
        auto queue = defaults.constFind(t.queue);
        if (queue == defaults.cend()) {
            SqliteStatement& read
                = sqliteStatement(QStringLiteral("SELECT max_attempts, timeout_ms FROM queues WHERE name = ?1"));
            read.bindText(1, t.queue);
            const bool exists = read.step();
            const std::pair<qint64, qint64> values {read.columnInt(0), read.columnInt(1)};
            const bool failed = read.failed();
            read.reset();
            if (failed)
                return read.error(QStringLiteral("Cannot read the settings of queue %1").arg(t.queue));
            if (!exists)
                return 0;
            queue = defaults.insert(t.queue, values);
        }
        SqliteStatement& insert = sqliteStatement(m_dialect.insertTask);
        const auto text
            = [&](const char* name, const QString& value) { insert.bindText(insert.parameterIndex(name), value); };
        const auto integer = [&](const char* name, qint64 value, bool present = true) {
            if (present)
                insert.bindInt(insert.parameterIndex(name), value);
        };
        text(":type", t.type);
        insert.bindUtf8(insert.parameterIndex(":payload"), t.payload);
        integer(":priority", t.priority);
        text(":state", taskStateName(state));
        integer(":max_attempts", t.maxAttempts > 0 ? t.maxAttempts : queue->first);
        integer(":run_at", runAt);
        integer(":created_at", now);
        if (!t.idempotencyKey.isEmpty())
            text(":key", t.idempotencyKey);
        integer(":timeout_ms", t.timeoutMs > 0 ? t.timeoutMs : queue->second);
        if (t.retryPolicy) {
            integer(":backoff_base", t.retryPolicy->baseDelayMs);
            integer(":backoff_max", t.retryPolicy->maxDelayMs);
            insert.bindDouble(insert.parameterIndex(":jitter"), t.retryPolicy->jitter);
        }
        text(":queue", t.queue);
        if (!insert.run())
            return insert.error(QStringLiteral("Cannot store the task"));
        return qint64(sqlite3_last_insert_rowid(m_sqlite));
    }
    QSqlQuery& insert = prepared(m_dialect.insertTask);
    insert.bindValue(QStringLiteral(":type"), t.type);
    insert.bindValue(QStringLiteral(":payload"), QString::fromUtf8(t.payload));
    insert.bindValue(QStringLiteral(":priority"), t.priority);
    insert.bindValue(QStringLiteral(":state"), taskStateName(state));
    insert.bindValue(QStringLiteral(":max_attempts"), t.maxAttempts > 0 ? QVariant(t.maxAttempts) : QVariant());
    insert.bindValue(QStringLiteral(":run_at"), runAt);
    insert.bindValue(QStringLiteral(":created_at"), now);
    insert.bindValue(QStringLiteral(":key"), nullable(t.idempotencyKey));
    insert.bindValue(QStringLiteral(":timeout_ms"), t.timeoutMs > 0 ? QVariant(t.timeoutMs) : QVariant());
    insert.bindValue(
        QStringLiteral(":backoff_base"), t.retryPolicy ? QVariant(t.retryPolicy->baseDelayMs) : QVariant());
    insert.bindValue(QStringLiteral(":backoff_max"), t.retryPolicy ? QVariant(t.retryPolicy->maxDelayMs) : QVariant());
    insert.bindValue(QStringLiteral(":jitter"), t.retryPolicy ? QVariant(t.retryPolicy->jitter) : QVariant());
    insert.bindValue(QStringLiteral(":queue"), t.queue);
    if (!insert.exec())
        return sqlError(insert.lastError(), QStringLiteral("Cannot store the task"));
    const qint64 newId = insert.next() ? insert.value(0).toLongLong() : 0;
    insert.finish();
    return newId;
}

Result<QList<EnqueueResult>> TaskStore::enqueue(const QList<NewTask>& tasks, qint64 now)
{
    QList<EnqueueResult> results;
    results.reserve(tasks.size());
    QueueDefaults defaults;
    // SQLite: a batch's "enqueued" history rows are written by one statement after its tasks (see
    // addEnqueuedEvents()); a single task's by addEvent(), which needs no statement journal.
    const bool bulkHistory = m_sqlite && tasks.size() > 1;
    // One task is written by one INSERT, its queue's the first time, and its history row: the later ones fail
    // only when the database does (see Undo::Transaction). A batch keeps its savepoint, paid once for all.
    const Undo undo = tasks.size() == 1 ? Undo::Transaction : Undo::Savepoint;
    Status s = atomically(undo, [&]() -> Status {
        for (const NewTask& t : tasks) {
            if (!t.idempotencyKey.isEmpty()) {
                QSqlQuery& find = prepared(QStringLiteral("SELECT id FROM tasks WHERE idempotency_key = :key"));
                find.bindValue(QStringLiteral(":key"), t.idempotencyKey);
                if (!find.exec())
                    return sqlError(find.lastError(), QStringLiteral("Cannot look up the idempotency key"));
                if (find.next()) {
                    results.append({find.value(0).toLongLong(), true});
                    find.finish();
                    continue;
                }
                find.finish();
            }
            const qint64 runAt = t.runAt > 0 ? t.runAt : now + t.delayMs;
            const TaskState state = runAt > now ? TaskState::Scheduled : TaskState::Queued;
            // A queue seen for the first time makes the insert insert nothing: then the queue is created and the
            // insert runs again (see SqlDialect::insertTask).
            auto inserted = insertTask(t, state, runAt, now, defaults);
            if (inserted && *inserted == 0) {
                if (Status ensured = ensureQueue(t.queue, now); !ensured)
                    return ensured;
                inserted = insertTask(t, state, runAt, now, defaults);
                if (inserted && *inserted == 0)
                    return Error {ErrorCode::Internal, QStringLiteral("Queue %1 could not be created").arg(t.queue)};
            }
            if (!inserted)
                return inserted.error();
            const qint64 id = *inserted;
            results.append({id, false});
            if (bulkHistory) {
                m_transitions.append({id, t.queue, std::nullopt, state});
                continue;
            }
            const QString detail = state == TaskState::Scheduled
                ? QStringLiteral("runs at %1")
                      .arg(QDateTime::fromMSecsSinceEpoch(runAt, Qt::UTC).toString(Qt::ISODateWithMs))
                : QString();
            if (Status e
                = addEvent(id, t.queue, now, QStringLiteral("enqueued"), std::nullopt, state, 0, {}, detail, -1);
                !e)
                return e;
        }
        return bulkHistory ? addEnqueuedEvents(results) : success();
    });
    if (!s)
        return s.error();
    return results;
}

Status TaskStore::addEnqueuedEvents(const QList<EnqueueResult>& results)
{
    // The new tasks of one transaction have consecutive ids (SQLite's single writer, INTEGER PRIMARY KEY), and an
    // idempotent hit is an older task, below them: the range holds exactly this batch's new tasks. The detail is
    // what enqueue() writes for a single task, ISO 8601 in UTC with milliseconds.
    qint64 first = 0, last = 0;
    for (const EnqueueResult& r : results) {
        if (r.existed)
            continue;
        first = first == 0 ? r.id : std::min(first, r.id);
        last = std::max(last, r.id);
    }
    if (first == 0)
        return success();
    SqliteStatement& insert = sqliteStatement(QStringLiteral(
        "INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail, duration_ms)"
        " SELECT id, queue, created_at, 'enqueued', NULL, state, 0, NULL, CASE WHEN state = 'scheduled' THEN"
        " 'runs at ' || strftime('%Y-%m-%dT%H:%M:%S', run_at / 1000, 'unixepoch') || printf('.%03dZ', run_at % 1000)"
        " END, NULL FROM tasks WHERE id BETWEEN ?1 AND ?2 ORDER BY id"));
    insert.bindInt(1, first);
    insert.bindInt(2, last);
    if (!insert.run())
        return insert.error(QStringLiteral("Cannot record the history of tasks %1-%2").arg(first).arg(last));
    return success();
}

Result<QList<Task>> TaskStore::claim(
    const QString& queue, int limit, const QString& owner, qint64 leaseMs, qint64 now, bool ahead)
{
    QList<Task> tasks;
    const auto context = [&queue] { return QStringLiteral("Cannot claim tasks of queue %1").arg(queue); };
    if (m_sqlite) {
        // Once per task or more (see sqlitestatement.h); through QSqlQuery each exec also built a record of the 19
        // columns' names and types (callgrind, bench B4). The next tasks are read, then updated one by one by id:
        // SQLite runs an UPDATE ... RETURNING as a trigger, with a statement journal that copies every page the
        // update touches and a temporary table for the rows, which cost more than the claim itself (callgrind).
        // The read and the updates share one transaction, which holds SQLite's only write lock: nothing can take
        // the rows in between (the caller's transaction; no savepoint, see Undo::Transaction).
        Status claimed = atomically(Undo::Transaction, [&]() -> Status {
            SqliteStatement& pick = sqliteStatement(m_dialect.claim);
            pick.bindText(pick.parameterIndex(":queue"), queue);
            pick.bindInt(pick.parameterIndex(":limit"), limit);
            while (pick.step())
                tasks.append(taskFromRow(StatementRow {pick}));
            if (!pick.finish())
                return pick.error(context());
            SqliteStatement& take = sqliteStatement(ahead
                    ? QStringLiteral("UPDATE tasks SET state = 'running', attempts = attempts + 1, lease_owner = ?2,"
                                     " lease_expires_at = ?3, cancel_requested = 0 WHERE id = ?4")
                    : QStringLiteral("UPDATE tasks SET state = 'running', attempts = attempts + 1, started_at = ?1,"
                                     " lease_owner = ?2, lease_expires_at = ?3, cancel_requested = 0 WHERE id = ?4"));
            for (Task& task : tasks) {
                if (!ahead)
                    take.bindInt(1, now);
                take.bindText(2, owner);
                take.bindInt(3, now + leaseMs);
                take.bindInt(4, task.id);
                if (!take.run())
                    return take.error(context());
                // The row as the UPDATE left it, which is what PostgreSQL's RETURNING gives.
                task.state = TaskState::Running;
                ++task.attempts;
                if (!ahead)
                    task.startedAt = now;
                task.leaseOwner = owner;
                task.leaseExpiresAt = now + leaseMs;
                task.cancelRequested = false;
            }
            return success();
        });
        if (!claimed)
            return claimed.error();
    } else {
        QSqlQuery& q = prepared(ahead ? m_dialect.claimAhead : m_dialect.claim);
        if (!ahead)
            q.bindValue(QStringLiteral(":now"), now);
        q.bindValue(QStringLiteral(":owner"), owner);
        q.bindValue(QStringLiteral(":lease_until"), now + leaseMs);
        q.bindValue(QStringLiteral(":queue"), queue);
        q.bindValue(QStringLiteral(":limit"), limit);
        if (!q.exec())
            return sqlError(q.lastError(), context());
        while (q.next())
            tasks.append(readTask(q));
        q.finish();
    }
    if (ahead) {
        // No "started" event records this change (see recordAheadStart): the counts learn it here.
        for (const Task& task : std::as_const(tasks))
            m_transitions.append({task.id, task.queue, TaskState::Queued, TaskState::Running});
    }
    // RETURNING gives no order; dispatch in the order the queue promises.
    std::sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) {
        if (a.priority != b.priority)
            return a.priority > b.priority;
        if (a.runAt != b.runAt)
            return a.runAt < b.runAt;
        return a.id < b.id;
    });
    return tasks;
}

Result<bool> TaskStore::sqliteChanged(SqliteStatement& update, const QString& context)
{
    if (!update.run())
        return update.error(context);
    return sqlite3_changes(m_sqlite) > 0;
}

Result<std::pair<QString, qint64>> TaskStore::sqliteQueueAndStart(qint64 id)
{
    SqliteStatement& q = sqliteStatement(QStringLiteral("SELECT queue, started_at FROM tasks WHERE id = ?1"));
    q.bindInt(1, id);
    std::pair<QString, qint64> row;
    if (q.step())
        row = {q.columnText(0), q.columnInt(1)};
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read task %1").arg(id));
    return row;
}

Status TaskStore::recordStart(const Task& task, const QString& worker, qint64 now)
{
    return addEvent(task.id, task.queue, now, QStringLiteral("started"), TaskState::Queued, TaskState::Running,
        task.attempts, worker, {}, std::max<qint64>(0, now - task.runAt));
}

Status TaskStore::recordAheadStart(const Task& task, const QString& owner, const QString& worker, qint64 at)
{
    return atomically(Undo::Transaction, [&]() -> Status {
        static const QString sql = QStringLiteral("UPDATE tasks SET started_at = ? WHERE id = ? AND state = 'running'"
                                                  " AND attempts = ? AND lease_owner = ?");
        const auto context = [&task] { return QStringLiteral("Cannot record the start of task %1").arg(task.id); };
        if (m_sqlite) {
            SqliteStatement& q = sqliteStatement(sql);
            q.bindInt(1, at);
            q.bindInt(2, task.id);
            q.bindInt(3, task.attempts);
            q.bindText(4, owner);
            const auto changed = sqliteChanged(q, context());
            if (!changed)
                return changed.error();
            if (!*changed)
                return leaseLost(task.id, task.attempts, owner);
        } else {
            QSqlQuery& q = prepared(sql + QStringLiteral(" RETURNING id"));
            q.bindValue(0, at);
            q.bindValue(1, task.id);
            q.bindValue(2, task.attempts);
            q.bindValue(3, owner);
            if (!q.exec())
                return sqlError(q.lastError(), context());
            if (!q.next())
                return leaseLost(task.id, task.attempts, owner);
            q.finish();
        }
        return addEvent(task.id, task.queue, at, QStringLiteral("started"), TaskState::Queued, TaskState::Running,
            task.attempts, worker, {}, std::max<qint64>(0, at - task.runAt), false);
    });
}

Result<TaskState> TaskStore::giveBack(qint64 id, int attempt, const QString& owner, qint64 now)
{
    // Both statements bind (id, attempt, owner) and change the task when the fence holds; the cancelling one also
    // binds the time first.
    static const QString cancelSql
        = QStringLiteral("UPDATE tasks SET state = 'cancelled', attempts = attempts - 1, finished_at = ?,"
                         " lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND state = 'running'"
                         " AND attempts = ? AND lease_owner = ? AND cancel_requested <> 0");
    static const QString requeueSql
        = QStringLiteral("UPDATE tasks SET state = 'queued', attempts = attempts - 1, lease_owner = NULL,"
                         " lease_expires_at = NULL WHERE id = ? AND state = 'running' AND attempts = ?"
                         " AND lease_owner = ?");
    const auto context = [id] { return QStringLiteral("Cannot give back task %1").arg(id); };
    // The queue of the task when `sql` changed it; none when the fence did not hold.
    const auto fencedUpdate = [&](const QString& sql, std::optional<qint64> at) -> Result<std::optional<QString>> {
        const int first = at ? 1 : 0;
        if (m_sqlite) {
            SqliteStatement& q = sqliteStatement(sql);
            if (at)
                q.bindInt(1, *at);
            q.bindInt(first + 1, id);
            q.bindInt(first + 2, attempt);
            q.bindText(first + 3, owner);
            const auto changed = sqliteChanged(q, context());
            if (!changed)
                return changed.error();
            if (!*changed)
                return std::optional<QString>();
            auto row = sqliteQueueAndStart(id);
            if (!row)
                return row.error();
            return std::optional<QString>(row->first);
        }
        QSqlQuery& q = prepared(sql + QStringLiteral(" RETURNING queue"));
        if (at)
            q.bindValue(0, *at);
        q.bindValue(first, id);
        q.bindValue(first + 1, attempt);
        q.bindValue(first + 2, owner);
        if (!q.exec())
            return sqlError(q.lastError(), context());
        std::optional<QString> queue;
        if (q.next())
            queue = q.value(0).toString();
        q.finish();
        return queue;
    };
    TaskState newState = TaskState::Queued;
    Status s = atomically(Undo::Transaction, [&]() -> Status {
        // Cancelled by an admin while it waited (the flag a running task's worker would have seen): it ends here.
        auto cancelled = fencedUpdate(cancelSql, now);
        if (!cancelled)
            return cancelled.error();
        if (*cancelled) {
            newState = TaskState::Cancelled;
            return addEvent(id, **cancelled, now, QStringLiteral("cancelled"), TaskState::Running, TaskState::Cancelled,
                attempt - 1, {}, QStringLiteral("cancelled before it started"), -1);
        }
        auto requeued = fencedUpdate(requeueSql, std::nullopt);
        if (!requeued)
            return requeued.error();
        if (!*requeued)
            return leaseLost(id, attempt, owner);
        // No event: the claim wrote none either, so the history shows the task queued all along, which it was as
        // far as any handler is concerned.
        m_transitions.append({id, **requeued, TaskState::Running, TaskState::Queued});
        newState = TaskState::Queued;
        return success();
    });
    if (!s)
        return s.error();
    return newState;
}

Status TaskStore::complete(
    qint64 id, int attempt, const QString& owner, const QString& worker, const QByteArray& result, qint64 now)
{
    return atomically(Undo::Transaction, [&]() -> Status {
        static const QString sql = QStringLiteral(
            "UPDATE tasks SET state = 'succeeded', finished_at = :now, result = :result, lease_owner = NULL,"
            " lease_expires_at = NULL, last_error = NULL"
            " WHERE id = :id AND state = 'running' AND attempts = :attempt AND lease_owner = :owner");
        const auto context = [id] { return QStringLiteral("Cannot complete task %1").arg(id); };
        QString queue;
        qint64 startedAt = 0;
        if (m_sqlite) {
            SqliteStatement& q = sqliteStatement(sql);
            q.bindInt(q.parameterIndex(":now"), now);
            // Stored as the QSqlQuery path stores it: bad UTF-8 (no handler's JSON has any) decoded by Qt first.
            if (!result.isEmpty() && result.isValidUtf8())
                q.bindUtf8(q.parameterIndex(":result"), result);
            else if (!result.isEmpty())
                q.bindText(q.parameterIndex(":result"), QString::fromUtf8(result));
            q.bindInt(q.parameterIndex(":id"), id);
            q.bindInt(q.parameterIndex(":attempt"), attempt);
            q.bindText(q.parameterIndex(":owner"), owner);
            const auto changed = sqliteChanged(q, context());
            if (!changed)
                return changed.error();
            if (!*changed)
                return leaseLost(id, attempt, owner);
            auto row = sqliteQueueAndStart(id);
            if (!row)
                return row.error();
            std::tie(queue, startedAt) = *row;
        } else {
            QSqlQuery& q = prepared(sql + QStringLiteral(" RETURNING queue, started_at"));
            q.bindValue(QStringLiteral(":now"), now);
            q.bindValue(QStringLiteral(":result"), nullable(result));
            q.bindValue(QStringLiteral(":id"), id);
            q.bindValue(QStringLiteral(":attempt"), attempt);
            q.bindValue(QStringLiteral(":owner"), owner);
            if (!q.exec())
                return sqlError(q.lastError(), context());
            if (!q.next())
                return leaseLost(id, attempt, owner);
            queue = q.value(0).toString();
            startedAt = q.value(1).toLongLong();
            q.finish();
        }
        return addEvent(id, queue, now, QStringLiteral("succeeded"), TaskState::Running, TaskState::Succeeded, attempt,
            worker, {}, now - startedAt);
    });
}

Result<TaskState> TaskStore::fail(qint64 id, int attempt, const QString& owner, const QString& worker,
    const QString& error, bool permanent, std::optional<qint64> retryAfterMs, qint64 now)
{
    TaskState newState = TaskState::Failed;
    Status s = atomically(Undo::Transaction, [&]() -> Status {
        QSqlQuery& q = prepared(
            QStringLiteral("SELECT t.queue, t.attempts, t.max_attempts, t.started_at,"
                           " COALESCE(t.backoff_base_ms, q.backoff_base_ms, 1000), COALESCE(t.backoff_max_ms, "
                           "q.backoff_max_ms, 3600000),"
                           " COALESCE(t.backoff_jitter, q.backoff_jitter, 0.25)"
                           " FROM tasks t LEFT JOIN queues q ON q.name = t.queue"
                           " WHERE t.id = :id AND t.state = 'running' AND t.attempts = :attempt"
                           " AND t.lease_owner = :owner")
            + m_dialect.lockTaskRow);
        q.bindValue(QStringLiteral(":id"), id);
        q.bindValue(QStringLiteral(":attempt"), attempt);
        q.bindValue(QStringLiteral(":owner"), owner);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot fail task %1").arg(id));
        if (!q.next())
            return leaseLost(id, attempt, owner);
        const QString queue = q.value(0).toString();
        const int attempts = q.value(1).toInt();
        const int maxAttempts = q.value(2).toInt();
        const qint64 runTime = now - q.value(3).toLongLong();
        RetryPolicy policy {q.value(4).toLongLong(), q.value(5).toLongLong(), q.value(6).toDouble()};
        q.finish();

        if (permanent || attempts >= maxAttempts) {
            newState = TaskState::Failed;
            QSqlQuery& u
                = prepared(QStringLiteral("UPDATE tasks SET state = 'failed', finished_at = :now, last_error = :error,"
                                          " lease_owner = NULL, lease_expires_at = NULL WHERE id = :id"));
            u.bindValue(QStringLiteral(":now"), now);
            u.bindValue(QStringLiteral(":error"), error);
            u.bindValue(QStringLiteral(":id"), id);
            if (!u.exec())
                return sqlError(u.lastError(), QStringLiteral("Cannot fail task %1").arg(id));
            const QString detail = permanent
                ? error
                : QStringLiteral("%1 (attempts exhausted: %2 of %3)").arg(error).arg(attempts).arg(maxAttempts);
            return addEvent(id, queue, now, QStringLiteral("failed"), TaskState::Running, TaskState::Failed, attempt,
                worker, detail, runTime);
        }
        newState = TaskState::Scheduled;
        qint64 delay = backoffDelayMs(policy, attempts, QRandomGenerator::global()->generateDouble());
        if (retryAfterMs && *retryAfterMs > delay)
            delay = *retryAfterMs;
        QSqlQuery& u
            = prepared(QStringLiteral("UPDATE tasks SET state = 'scheduled', run_at = :run_at, last_error = :error,"
                                      " lease_owner = NULL, lease_expires_at = NULL WHERE id = :id"));
        u.bindValue(QStringLiteral(":run_at"), now + delay);
        u.bindValue(QStringLiteral(":error"), error);
        u.bindValue(QStringLiteral(":id"), id);
        if (!u.exec())
            return sqlError(u.lastError(), QStringLiteral("Cannot schedule the retry of task %1").arg(id));
        return addEvent(id, queue, now, QStringLiteral("retry_scheduled"), TaskState::Running, TaskState::Scheduled,
            attempt, worker, error, delay);
    });
    if (!s)
        return s.error();
    return newState;
}

Status TaskStore::finishCancelled(qint64 id, int attempt, const QString& owner, const QString& worker, qint64 now)
{
    return atomically(Undo::Transaction, [&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral(
            "UPDATE tasks SET state = 'cancelled', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL"
            " WHERE id = ? AND state = 'running' AND attempts = ? AND lease_owner = ? RETURNING queue, started_at"));
        q.bindValue(0, now);
        q.bindValue(1, id);
        q.bindValue(2, attempt);
        q.bindValue(3, owner);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot cancel task %1").arg(id));
        if (!q.next())
            return leaseLost(id, attempt, owner);
        const QString queue = q.value(0).toString();
        const qint64 runTime = now - q.value(1).toLongLong();
        q.finish();
        return addEvent(id, queue, now, QStringLiteral("cancelled"), TaskState::Running, TaskState::Cancelled, attempt,
            worker, QStringLiteral("stopped while running"), runTime);
    });
}

Status TaskStore::release(qint64 id, int attempt, const QString& owner, const QString& worker, qint64 now)
{
    return atomically(Undo::Transaction, [&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral(
            "UPDATE tasks SET state = 'queued', attempts = attempts - 1, run_at = ?, lease_owner = NULL,"
            " lease_expires_at = NULL WHERE id = ? AND state = 'running' AND attempts = ? AND lease_owner = ?"
            " RETURNING queue"));
        q.bindValue(0, now);
        q.bindValue(1, id);
        q.bindValue(2, attempt);
        q.bindValue(3, owner);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot release task %1").arg(id));
        if (!q.next())
            return leaseLost(id, attempt, owner);
        const QString queue = q.value(0).toString();
        q.finish();
        return addEvent(id, queue, now, QStringLiteral("released"), TaskState::Running, TaskState::Queued, attempt - 1,
            worker, QStringLiteral("worker shut down before the task finished"), -1);
    });
}

Result<qint64> TaskStore::transitionMatching(const TaskFilter& filter, TaskState from, const QString& setSql,
    const QList<QVariant>& setValues, TaskState to, const QString& eventKind, const QString& detail, qint64 now)
{
    if (!filter.states.isEmpty() && !filter.states.contains(from))
        return qint64(0);
    TaskFilter narrowed = filter;
    narrowed.states = {from};
    const WhereClause where = whereFor(narrowed, m_dialect);
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    const QString sql = QLatin1String("UPDATE tasks SET state = ") + stateSql(to) + QLatin1String(", ") + setSql
        + QLatin1String(" WHERE ") + where.sql + QLatin1String(" RETURNING id, queue, attempts");
    if (!q.prepare(sql))
        return sqlError(q.lastError(), QStringLiteral("Cannot prepare %1").arg(eventKind));
    bindAll(q, setValues + where.values);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot change tasks (%1)").arg(eventKind));
    struct Row {
        qint64 id;
        QString queue;
        int attempts;
    };
    QList<Row> rows;
    while (q.next())
        rows.append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toInt()});
    q.finish();
    for (const Row& row : rows) {
        if (Status e = addEvent(row.id, row.queue, now, eventKind, from, to, row.attempts, {}, detail, -1); !e)
            return e.error();
    }
    return qint64(rows.size());
}

Result<qint64> TaskStore::retry(const TaskFilter& filter, qint64 now)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        for (TaskState from : {TaskState::Failed, TaskState::Cancelled}) {
            // Attempts keep counting (they are the fencing token); the budget is topped up instead.
            auto n = transitionMatching(filter, from,
                QStringLiteral("run_at = ?, finished_at = NULL, cancel_requested = 0, max_attempts = attempts +"
                               " COALESCE((SELECT max_attempts FROM queues WHERE queues.name = tasks.queue), 3)"),
                {now}, TaskState::Queued, QStringLiteral("retried"), QStringLiteral("retried by an admin"), now);
            if (!n)
                return n.error();
            total += *n;
        }
        return success();
    });
    if (!s)
        return s.error();
    return total;
}

Result<qint64> TaskStore::runNow(const TaskFilter& filter, qint64 now)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        auto n = transitionMatching(filter, TaskState::Scheduled, QStringLiteral("run_at = ?"), {now},
            TaskState::Queued, QStringLiteral("ready"), QStringLiteral("run now by an admin"), now);
        if (!n)
            return n.error();
        total = *n;
        return success();
    });
    if (!s)
        return s.error();
    return total;
}

Result<qint64> TaskStore::cancel(const TaskFilter& filter, qint64 now, QList<qint64>* flaggedRunning)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        for (TaskState from : {TaskState::Queued, TaskState::Scheduled}) {
            auto n = transitionMatching(filter, from, QStringLiteral("finished_at = ?"), {now}, TaskState::Cancelled,
                QStringLiteral("cancelled"), QStringLiteral("cancelled by an admin"), now);
            if (!n)
                return n.error();
            total += *n;
        }
        if (!filter.states.isEmpty() && !filter.states.contains(TaskState::Running))
            return success();
        // A running task stops cooperatively: its worker sees the flag (at once in this process, at the next
        // lease renewal in another) and its handler returns.
        TaskFilter running = filter;
        running.states = {TaskState::Running};
        const WhereClause where = whereFor(running, m_dialect);
        QSqlQuery q(m_db);
        if (!q.prepare(QLatin1String("UPDATE tasks SET cancel_requested = 1 WHERE cancel_requested = 0 AND ")
                + where.sql + QLatin1String(" RETURNING id, queue, attempts")))
            return sqlError(q.lastError(), QStringLiteral("Cannot prepare the cancellation"));
        bindAll(q, where.values);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot request cancellation"));
        QList<std::tuple<qint64, QString, int>> rows;
        while (q.next())
            rows.append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toInt()});
        q.finish();
        for (const auto& [id, queue, attempts] : rows) {
            if (Status e = addEvent(id, queue, now, QStringLiteral("cancel_requested"), TaskState::Running,
                    TaskState::Running, attempts, {}, QStringLiteral("cancellation requested by an admin"), -1);
                !e)
                return e;
            if (flaggedRunning)
                flaggedRunning->append(id);
        }
        total += rows.size();
        return success();
    });
    if (!s)
        return s.error();
    return total;
}

Result<qint64> TaskStore::purge(const TaskFilter& filter, qint64 limit)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        for (TaskState state : allTaskStates) {
            if (state == TaskState::Running || (!filter.states.isEmpty() && !filter.states.contains(state)))
                continue;
            if (limit > 0 && total >= limit)
                break;
            TaskFilter narrowed = filter;
            narrowed.states = {state};
            const WhereClause where = whereFor(narrowed, m_dialect);
            // The same rows for both statements: one transaction, and the lowest ids first.
            const QString chosen = QLatin1String("SELECT id FROM tasks WHERE ") + where.sql
                + (limit > 0 ? QStringLiteral(" ORDER BY id LIMIT %1").arg(limit - total) : QString());
            QSqlQuery events(m_db);
            if (!events.prepare(
                    QLatin1String("DELETE FROM task_events WHERE task_id IN (") + chosen + QLatin1Char(')')))
                return sqlError(events.lastError(), QStringLiteral("Cannot prepare the purge"));
            bindAll(events, where.values);
            if (!events.exec())
                return sqlError(events.lastError(), QStringLiteral("Cannot purge task history"));
            QSqlQuery tasks(m_db);
            tasks.setForwardOnly(true);
            if (!tasks.prepare(
                    QLatin1String("DELETE FROM tasks WHERE id IN (") + chosen + QLatin1String(") RETURNING id, queue")))
                return sqlError(tasks.lastError(), QStringLiteral("Cannot prepare the purge"));
            bindAll(tasks, where.values);
            if (!tasks.exec())
                return sqlError(tasks.lastError(), QStringLiteral("Cannot purge tasks"));
            while (tasks.next()) {
                m_transitions.append({tasks.value(0).toLongLong(), tasks.value(1).toString(), state, std::nullopt});
                ++total;
            }
        }
        return success();
    });
    if (!s)
        return s.error();
    return total;
}

// The writer runs these maintenance statements every second; their texts are the dialect's (index hints on SQLite,
// row locks on PostgreSQL).
Result<qint64> TaskStore::stageDueTasks(qint64 now)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        QSqlQuery& q = prepared(m_dialect.stageDueTasks);
        q.bindValue(QStringLiteral(":now"), now);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot stage due tasks"));
        QList<std::tuple<qint64, QString, int>> rows;
        while (q.next())
            rows.append({q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toInt()});
        q.finish();
        for (const auto& [id, queue, attempts] : rows) {
            if (Status e = addEvent(id, queue, now, QStringLiteral("ready"), TaskState::Scheduled, TaskState::Queued,
                    attempts, {}, {}, -1);
                !e)
                return e;
        }
        total = rows.size();
        return success();
    });
    if (!s)
        return s.error();
    return total;
}

Result<qint64> TaskStore::recoverExpiredLeases(qint64 now)
{
    qint64 total = 0;
    Status s = atomically([&]() -> Status {
        for (bool exhausted : {true, false}) {
            QSqlQuery& q = prepared(exhausted ? m_dialect.recoverLeasesExhausted : m_dialect.recoverLeasesRequeue);
            q.bindValue(QStringLiteral(":now"), now);
            if (!q.exec())
                return sqlError(q.lastError(), QStringLiteral("Cannot recover expired leases"));
            QList<std::tuple<qint64, QString, int, QString>> rows;
            while (q.next())
                rows.append(
                    {q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toInt(), q.value(3).toString()});
            q.finish();
            for (const auto& [id, queue, attempts, owner] : rows) {
                if (Status e = addEvent(id, queue, now, QStringLiteral("lease_expired"), TaskState::Running,
                        exhausted ? TaskState::Failed : TaskState::Queued, attempts, owner,
                        QStringLiteral("lease of %1 expired").arg(owner), -1);
                    !e)
                    return e;
            }
            total += rows.size();
        }
        return success();
    });
    if (!s)
        return s.error();
    return total;
}

Result<QList<qint64>> TaskStore::renewLeases(const QString& owner, qint64 leaseMs, qint64 now)
{
    QList<qint64> cancelled;
    Status s = atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("UPDATE tasks SET lease_expires_at = ? WHERE state = 'running' AND"
                                               " lease_owner = ? RETURNING id, cancel_requested"));
        q.bindValue(0, now + leaseMs);
        q.bindValue(1, owner);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot renew leases"));
        while (q.next()) {
            if (q.value(1).toBool())
                cancelled.append(q.value(0).toLongLong());
        }
        q.finish();
        return success();
    });
    if (!s)
        return s.error();
    return cancelled;
}

qint64 TaskStore::nextScheduledRunAt()
{
    QSqlQuery& q = prepared(m_dialect.nextScheduledRunAt);
    qint64 result = 0;
    if (q.exec() && q.next())
        result = q.value(0).toLongLong();
    q.finish();
    return result;
}

// --- queues ---

Result<QList<QueueConfig>> TaskStore::queues()
{
    QSqlQuery& q
        = prepared(QStringLiteral("SELECT name, paused, concurrency, max_attempts, timeout_ms, backoff_base_ms,"
                                  " backoff_max_ms, backoff_jitter FROM queues ORDER BY name"));
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read queues"));
    QList<QueueConfig> result;
    while (q.next()) {
        QueueConfig c;
        c.name = q.value(0).toString();
        c.paused = q.value(1).toBool();
        c.concurrency = q.value(2).toInt();
        c.maxAttempts = q.value(3).toInt();
        c.timeoutMs = q.value(4).toInt();
        c.retryPolicy = {q.value(5).toLongLong(), q.value(6).toLongLong(), q.value(7).toDouble()};
        result.append(c);
    }
    q.finish();
    return result;
}

Status TaskStore::ensureQueue(const QString& name, qint64 now)
{
    QSqlQuery& q = prepared(m_dialect.ensureQueue);
    q.bindValue(QStringLiteral(":name"), name);
    q.bindValue(QStringLiteral(":now"), now);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot create queue %1").arg(name));
    return success();
}

Status TaskStore::setQueueConfig(const QueueConfig& c, qint64 now)
{
    return atomically([&]() -> Status {
        if (Status s = ensureQueue(c.name, now); !s)
            return s;
        QSqlQuery& q = prepared(QStringLiteral("UPDATE queues SET paused = ?, concurrency = ?, max_attempts = ?,"
                                               " timeout_ms = ?, backoff_base_ms = ?, backoff_max_ms = ?,"
                                               " backoff_jitter = ? WHERE name = ?"));
        q.bindValue(0, c.paused ? 1 : 0);
        q.bindValue(1, c.concurrency);
        q.bindValue(2, c.maxAttempts);
        q.bindValue(3, c.timeoutMs);
        q.bindValue(4, c.retryPolicy.baseDelayMs);
        q.bindValue(5, c.retryPolicy.maxDelayMs);
        q.bindValue(6, c.retryPolicy.jitter);
        q.bindValue(7, c.name);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot configure queue %1").arg(c.name));
        return success();
    });
}

Status TaskStore::setPaused(const QString& queue, bool paused, qint64 now)
{
    return atomically([&]() -> Status {
        if (!queue.isEmpty()) {
            if (Status s = ensureQueue(queue, now); !s)
                return s;
        }
        QSqlQuery q(m_db);
        q.prepare(queue.isEmpty() ? QStringLiteral("UPDATE queues SET paused = ?")
                                  : QStringLiteral("UPDATE queues SET paused = ? WHERE name = ?"));
        q.bindValue(0, paused ? 1 : 0);
        if (!queue.isEmpty())
            q.bindValue(1, queue);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot pause or resume"));
        return success();
    });
}

Status TaskStore::setConcurrency(const QString& queue, int concurrency, qint64 now)
{
    return atomically([&]() -> Status {
        if (Status s = ensureQueue(queue, now); !s)
            return s;
        QSqlQuery& q = prepared(QStringLiteral("UPDATE queues SET concurrency = ? WHERE name = ?"));
        q.bindValue(0, concurrency);
        q.bindValue(1, queue);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot set the concurrency of %1").arg(queue));
        return success();
    });
}

// --- reads ---

Result<QHash<QString, StateCounts>> TaskStore::countByQueueAndState()
{
    QHash<QString, StateCounts> result;
    auto configs = queues();
    if (!configs)
        return configs.error();
    for (const QueueConfig& c : *configs)
        result.insert(c.name, StateCounts {});
    QSqlQuery& q = prepared(QStringLiteral("SELECT queue, state, count(*) FROM tasks GROUP BY queue, state"));
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot count tasks"));
    while (q.next()) {
        if (auto state = taskStateFromName(q.value(1).toString()))
            result[q.value(0).toString()][std::size_t(*state)] = q.value(2).toLongLong();
    }
    q.finish();
    return result;
}

Result<qint64> TaskStore::countTasks(const TaskFilter& filter)
{
    const WhereClause where = whereFor(filter, m_dialect);
    QSqlQuery& q = prepared(QLatin1String("SELECT count(*) FROM tasks WHERE ") + where.sql);
    bindAll(q, where.values);
    if (!q.exec() || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot count tasks"));
    const qint64 n = q.value(0).toLongLong();
    q.finish();
    return n;
}

Result<QList<Task>> TaskStore::listTasks(const TaskQuery& query)
{
    const WhereClause where = whereFor(query.filter, m_dialect);
    const QString direction = query.descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
    const QString column = sortColumn(query.sortKey);
    const QString order = column.isEmpty() ? QString(QLatin1String("id") + direction)
                                           : QString(column + direction + QLatin1String(", id") + direction);
    QSqlQuery& q = prepared(QLatin1String("SELECT ") + taskColumns() + QLatin1String(" FROM tasks WHERE ") + where.sql
        + QLatin1String(" ORDER BY ") + order + QLatin1String(" LIMIT ? OFFSET ?"));
    bindAll(q, where.values);
    q.bindValue(int(where.values.size()), query.limit);
    q.bindValue(int(where.values.size()) + 1, query.offset);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot list tasks"));
    QList<Task> result;
    result.reserve(query.limit);
    while (q.next())
        result.append(readTask(q));
    q.finish();
    return result;
}

Result<Task> TaskStore::task(qint64 id)
{
    QSqlQuery& q = prepared(QLatin1String("SELECT ") + taskColumns() + QLatin1String(" FROM tasks WHERE id = ?"));
    q.bindValue(0, id);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read task %1").arg(id));
    if (!q.next())
        return Error {ErrorCode::NotFound, QStringLiteral("There is no task %1").arg(id)};
    Task t = readTask(q);
    q.finish();
    return t;
}

Result<TaskWithEvents> TaskStore::taskWithEvents(qint64 id)
{
    auto t = task(id);
    if (!t)
        return t.error();
    TaskWithEvents result {*t, {}};
    QSqlQuery& q = prepared(
        QLatin1String("SELECT ") + eventColumns + QLatin1String(" FROM task_events WHERE task_id = ? ORDER BY id"));
    q.bindValue(0, id);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the history of task %1").arg(id));
    while (q.next())
        result.events.append(readEvent(q));
    q.finish();
    return result;
}

namespace {

// Runs a keyset-paged query ("... AND id > ? ORDER BY id LIMIT n") batch after batch until it runs dry or fn
// says stop: constant memory, and no read snapshot held for the whole stream (a long-lived reader would stop WAL
// checkpoints while workers write).
template <typename Row, typename ReadFn>
Status streamByKeyset(QSqlQuery& q, const QList<QVariant>& binds, ReadFn read,
    const std::function<bool(const Row&)>& fn, const QString& context)
{
    qint64 lastId = 0;
    for (;;) {
        bindAll(q, binds);
        q.bindValue(int(binds.size()), lastId);
        if (!q.exec())
            return sqlError(q.lastError(), context);
        int rows = 0;
        while (q.next()) {
            const Row row = read(q);
            lastId = row.id;
            ++rows;
            if (!fn(row)) {
                q.finish();
                return success();
            }
        }
        q.finish();
        if (rows < streamBatchSize)
            return success();
    }
}

// WhereClause's values are ids, times and text; SqliteStatement numbers its parameters from 1.
void bindAll(SqliteStatement& q, const QList<QVariant>& values)
{
    for (qsizetype i = 0; i < values.size(); ++i) {
        const QVariant& value = values.at(i);
        if (value.typeId() == QMetaType::QString)
            q.bindText(int(i + 1), value.toString());
        else
            q.bindInt(int(i + 1), value.toLongLong());
    }
}

// streamByKeyset through the SQLite C API: a CSV export of a million tasks spent more time in QSqlQuery's
// per-row QVariants and UTF-16 copies than in SQLite itself (perf, bench B10).
template <typename Row, typename ReadFn>
Status streamStatementByKeyset(SqliteStatement& q, const QList<QVariant>& binds, ReadFn read,
    const std::function<bool(const Row&)>& fn, const QString& context)
{
    qint64 lastId = 0;
    for (;;) {
        bindAll(q, binds);
        q.bindInt(int(binds.size() + 1), lastId);
        int rows = 0;
        while (q.step()) {
            const Row row = read(q);
            lastId = row.id;
            ++rows;
            if (!fn(row)) {
                q.reset();
                return success();
            }
        }
        if (q.failed()) {
            const Error error = q.error(context);
            q.reset();
            return error;
        }
        q.reset();
        if (rows < streamBatchSize)
            return success();
    }
}

// The keyset-paged read of one table's rows under a WHERE clause (see streamByKeyset).
QString keysetPagedSelect(const QString& columns, QLatin1String table, const QString& where)
{
    return QLatin1String("SELECT ") + columns + QLatin1String(" FROM ") + table + QLatin1String(" WHERE ") + where
        + QLatin1String(" AND id > ? ORDER BY id LIMIT ") + QString::number(streamBatchSize);
}

} // namespace

Status TaskStore::forEachTask(const TaskFilter& filter, const std::function<bool(const Task&)>& fn)
{
    const WhereClause where = whereFor(filter, m_dialect);
    const QString sql = keysetPagedSelect(taskColumns(), QLatin1String("tasks"), where.sql);
    const QString context = QStringLiteral("Cannot read tasks");
    if (m_sqlite) {
        return streamStatementByKeyset<Task>(
            sqliteStatement(sql), where.values, [](const SqliteStatement& s) { return taskFromRow(StatementRow {s}); },
            fn, context);
    }
    return streamByKeyset<Task>(prepared(sql), where.values, readTask, fn, context);
}

Status TaskStore::forEachEvent(
    qint64 from, qint64 to, const QStringList& queues, const std::function<bool(const TaskEvent&)>& fn)
{
    WhereClause where;
    if (from > 0)
        where.add(QStringLiteral("at >= ?"), {from});
    if (to > 0)
        where.add(QStringLiteral("at < ?"), {to});
    where.addIn(QStringLiteral("queue"), queues, [](const QString& q) { return QVariant(q); });
    const QString sql = keysetPagedSelect(eventColumns, QLatin1String("task_events"), where.sql);
    const QString context = QStringLiteral("Cannot read task history");
    if (m_sqlite) {
        return streamStatementByKeyset<TaskEvent>(
            sqliteStatement(sql), where.values, [](const SqliteStatement& s) { return eventFromRow(StatementRow {s}); },
            fn, context);
    }
    return streamByKeyset<TaskEvent>(prepared(sql), where.values, readEvent, fn, context);
}

Result<QStringList> TaskStore::distinctTypes()
{
    QSqlQuery& q = prepared(QStringLiteral("SELECT DISTINCT type FROM tasks ORDER BY type"));
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot list task types"));
    QStringList result;
    while (q.next())
        result.append(q.value(0).toString());
    q.finish();
    return result;
}

namespace {

// Adds events up into an EventActivity. The sampler reads every event since its last sample on the writer's thread
// (thousands a second under load), and most of them share a queue: that queue's tallies are looked up again only
// when the name changes from one event to the next, so an event costs two byte comparisons and an increment.
class ActivityTally {
public:
    // Kinds that are not rates (ready, retried, ...) add nothing.
    void add(QUtf8StringView queue, QUtf8StringView kind, qint64 durationMs)
    {
        if (!m_current || std::string_view(queue.data(), std::size_t(queue.size())) != m_currentName) {
            m_currentName.assign(queue.data(), std::size_t(queue.size()));
            m_current = &m_queues[m_currentName];
        }
        const std::string_view k(kind.data(), std::size_t(kind.size()));
        if (k == "enqueued")
            ++m_current->enqueued;
        else if (k == "succeeded")
            ++m_current->completed;
        else if (k == "started")
            m_current->waitTimesMs.append(durationMs);
        else if (k == "failed" || k == "retry_scheduled")
            ++m_current->failed;
    }

    // Per queue, only the figures that have events (as EventActivity's readers expect).
    void addTo(EventActivity& activity) const
    {
        for (const auto& [name, tally] : m_queues) {
            const QString queue = QString::fromUtf8(name.data(), qsizetype(name.size()));
            if (tally.enqueued > 0)
                activity.enqueued[queue] += tally.enqueued;
            if (tally.completed > 0)
                activity.completed[queue] += tally.completed;
            if (tally.failed > 0)
                activity.failed[queue] += tally.failed;
            if (!tally.waitTimesMs.isEmpty())
                activity.waitTimesMs[queue] += tally.waitTimesMs;
        }
    }

private:
    struct QueueTally {
        qint64 enqueued = 0, completed = 0, failed = 0;
        QList<qint64> waitTimesMs;
    };
    std::map<std::string, QueueTally> m_queues; // node-based: m_current stays valid as queues are added
    std::string m_currentName;
    QueueTally* m_current = nullptr;
};

} // namespace

Result<EventActivity> TaskStore::eventActivitySince(qint64 afterEventId)
{
    if (m_dialect.postgres)
        return postgresEventActivitySince(afterEventId);
    EventActivity activity;
    activity.lastEventId = afterEventId;
    // Every event since the last sample, a row each: the C API path (see sqlitestatement.h), where QSqlQuery's
    // per-row QVariants cost more than the rest of the sampler.
    SqliteStatement& q = sqliteStatement(
        QStringLiteral("SELECT id, queue, kind, duration_ms FROM task_events WHERE id > ?1 AND kind IN"
                       " ('enqueued', 'started', 'succeeded', 'failed', 'retry_scheduled') ORDER BY id"));
    q.bindInt(1, afterEventId);
    ActivityTally tally;
    while (q.step()) {
        activity.lastEventId = q.columnInt(0);
        tally.add(q.columnUtf8(1), q.columnUtf8(2), q.columnInt(3));
    }
    const bool failed = q.failed();
    q.reset();
    if (failed)
        return q.error(QStringLiteral("Cannot read recent activity"));
    tally.addTo(activity);
    // Events of other kinds may be newer than the last counted one.
    if (auto last = lastEventId(); last && *last > activity.lastEventId)
        activity.lastEventId = *last;
    return activity;
}

// With several writers an event id is taken at insert and becomes visible at commit, so id 7 may show up after
// id 8 was read. Reading "id > last" would skip 7 for good. So this stops at the first missing id and reads on
// from there next time, unless the event after the hole is older than holeTimeoutMs: then the hole is taken to be
// for good (a rolled-back transaction's id, or ids a server restart skipped), since no transaction runs that long.
Result<EventActivity> TaskStore::postgresEventActivitySince(qint64 afterEventId)
{
    constexpr qint64 holeTimeoutMs = 5000;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    EventActivity activity;
    activity.lastEventId = afterEventId;
    QSqlQuery& q = prepared(
        QStringLiteral("SELECT id, queue, kind, duration_ms, at FROM task_events WHERE id > :after ORDER BY id"));
    q.bindValue(QStringLiteral(":after"), afterEventId);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read recent activity"));
    ActivityTally tally;
    while (q.next()) {
        const qint64 id = q.value(0).toLongLong();
        if (id != activity.lastEventId + 1 && q.value(4).toLongLong() > now - holeTimeoutMs)
            break;
        activity.lastEventId = id;
        tally.add(q.value(1).toString().toUtf8(), q.value(2).toString().toUtf8(), q.value(3).toLongLong());
    }
    q.finish();
    tally.addTo(activity);
    return activity;
}

Result<qint64> TaskStore::lastEventId()
{
    QSqlQuery& q = prepared(QStringLiteral("SELECT COALESCE(max(id), 0) FROM task_events"));
    if (!q.exec() || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the history"));
    const qint64 id = q.value(0).toLongLong();
    q.finish();
    return id;
}

Result<qint64> TaskStore::dataVersion()
{
    if (m_dialect.postgres) {
        reconnectIfLost();
        PGconn* connection = postgresConnection(m_db);
        // Reads what the server has sent without waiting; the driver's own queries queue notifications too.
        if (!connection || PQconsumeInput(connection) == 0 || PQstatus(connection) != CONNECTION_OK)
            return Error {
                ErrorCode::Unavailable, QStringLiteral("The connection to %1 was lost").arg(m_url->displayName())};
        const int self = PQbackendPID(connection);
        while (PGnotify* notification = PQnotifies(connection)) {
            if (notification->be_pid != self)
                ++m_foreignCommits;
            PQfreemem(notification);
        }
        return m_foreignCommits;
    }
    QSqlQuery& q = prepared(QStringLiteral("PRAGMA data_version"));
    if (!q.exec() || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the data version"));
    const qint64 v = q.value(0).toLongLong();
    q.finish();
    return v;
}

// --- metrics ---

Result<qint64> TaskStore::metricsCursor()
{
    QSqlQuery& q = prepared(m_dialect.postgres
            ? QStringLiteral("SELECT last_event_id FROM metrics_cursor WHERE id = 1 FOR UPDATE")
            : QStringLiteral("SELECT last_event_id FROM metrics_cursor WHERE id = 1"));
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the metrics cursor"));
    const qint64 cursor = q.next() ? q.value(0).toLongLong() : 0;
    q.finish();
    return cursor;
}

Status TaskStore::setMetricsCursor(qint64 lastEventId)
{
    QSqlQuery& q = prepared(QStringLiteral("UPDATE metrics_cursor SET last_event_id = ? WHERE id = 1"));
    q.bindValue(0, lastEventId);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot move the metrics cursor"));
    return success();
}

Status TaskStore::insertSamples(const QList<QueueSample>& samples)
{
    return atomically([&]() -> Status {
        // Counts are those at the sample; rates add up, as two samples of one second count disjoint events.
        QSqlQuery& q = prepared(QStringLiteral(
            "INSERT INTO metrics VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (resolution, queue, ts) DO UPDATE"
            " SET queued = excluded.queued, scheduled = excluded.scheduled, running = excluded.running,"
            " succeeded = excluded.succeeded, failed = excluded.failed, cancelled = excluded.cancelled,"
            " enqueued_n = metrics.enqueued_n + excluded.enqueued_n,"
            " completed_n = metrics.completed_n + excluded.completed_n,"
            " failed_n = metrics.failed_n + excluded.failed_n,"
            " wait_p50_ms = excluded.wait_p50_ms, wait_p95_ms = excluded.wait_p95_ms"));
        for (const QueueSample& s : samples) {
            q.bindValue(0, s.resolutionSeconds);
            q.bindValue(1, s.queue);
            q.bindValue(2, s.at);
            for (int i = 0; i < taskStateCount; ++i)
                q.bindValue(3 + i, s.counts[std::size_t(i)]);
            q.bindValue(9, s.enqueued);
            q.bindValue(10, s.completed);
            q.bindValue(11, s.failed);
            q.bindValue(12, s.waitP50Ms);
            q.bindValue(13, s.waitP95Ms);
            if (!q.exec())
                return sqlError(q.lastError(), QStringLiteral("Cannot store metrics"));
        }
        return success();
    });
}

Status TaskStore::downsampleAndPrune(qint64 minuteStart, qint64 now)
{
    return atomically([&]() -> Status {
        // The counts are those at the end of the minute (the row of max(ts)); the rates are summed. Written so that
        // SQLite and PostgreSQL both run it ("WHERE true" lets SQLite parse the upsert after a join).
        QSqlQuery& fold = prepared(
            QStringLiteral(
                "INSERT INTO metrics SELECT 60, m.queue, CAST(? AS BIGINT), m.queued, m.scheduled, m.running, "
                "m.succeeded,"
                " m.failed, m.cancelled, a.e, a.c, a.f, a.p50, a.p95 FROM (SELECT queue, max(ts) AS last_ts,"
                " sum(enqueued_n) AS e, sum(completed_n) AS c, sum(failed_n) AS f, avg(wait_p50_ms) AS p50,"
                " avg(wait_p95_ms) AS p95 FROM metrics WHERE resolution = 1 AND ts >= ? AND ts < ? GROUP BY queue) a"
                " JOIN metrics m ON m.resolution = 1 AND m.queue = a.queue AND m.ts = a.last_ts WHERE true"
                " ON CONFLICT (resolution, queue, ts) DO UPDATE SET ")
            + sampleUpdate);
        fold.bindValue(0, minuteStart);
        fold.bindValue(1, minuteStart);
        fold.bindValue(2, minuteStart + 60'000);
        if (!fold.exec())
            return sqlError(fold.lastError(), QStringLiteral("Cannot downsample metrics"));
        QSqlQuery& prune = prepared(
            QStringLiteral("DELETE FROM metrics WHERE (resolution = 1 AND ts < ?) OR (resolution = 60 AND ts < ?)"));
        prune.bindValue(0, now - 3600'000);
        prune.bindValue(1, now - 30LL * 24 * 3600'000);
        if (!prune.exec())
            return sqlError(prune.lastError(), QStringLiteral("Cannot prune metrics"));
        return success();
    });
}

Result<QList<QueueSample>> TaskStore::samples(const QString& queue, int resolutionSeconds, qint64 from, qint64 to)
{
    QSqlQuery& q = prepared(QStringLiteral(
        "SELECT queue, ts, queued, scheduled, running, succeeded, failed, cancelled, enqueued_n, completed_n, failed_n,"
        " wait_p50_ms, wait_p95_ms FROM metrics WHERE resolution = ? AND (? = '' OR queue = ?) AND ts >= ? AND ts < ?"
        " ORDER BY ts, queue"));
    q.bindValue(0, resolutionSeconds);
    q.bindValue(1, queue);
    q.bindValue(2, queue);
    q.bindValue(3, from);
    q.bindValue(4, to > 0 ? to : std::numeric_limits<qint64>::max());
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read metrics"));
    QList<QueueSample> result;
    while (q.next()) {
        QueueSample s;
        s.queue = q.value(0).toString();
        s.at = q.value(1).toLongLong();
        s.resolutionSeconds = resolutionSeconds;
        for (int i = 0; i < taskStateCount; ++i)
            s.counts[std::size_t(i)] = q.value(2 + i).toLongLong();
        s.enqueued = q.value(8).toLongLong();
        s.completed = q.value(9).toLongLong();
        s.failed = q.value(10).toLongLong();
        s.waitP50Ms = q.value(11).toDouble();
        s.waitP95Ms = q.value(12).toDouble();
        result.append(s);
    }
    q.finish();
    return result;
}

} // namespace qd

// --- sources ---

namespace qd {

Result<QList<SourceRecord>> TaskStore::sources(const QString& kind)
{
    QSqlQuery& q = prepared(QStringLiteral(
        "SELECT id, kind, name, config, paused, created_at FROM sources WHERE (? = '' OR kind = ?) ORDER BY name"));
    q.bindValue(0, kind);
    q.bindValue(1, kind);
    if (!q.exec())
        return sqlError(q.lastError(), QStringLiteral("Cannot read the sources"));
    QList<SourceRecord> result;
    while (q.next()) {
        result.append(SourceRecord {q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toString(),
            q.value(3).toString().toUtf8(), q.value(4).toLongLong() != 0, q.value(5).toLongLong()});
    }
    q.finish();
    return result;
}

Status TaskStore::addSource(const SourceRecord& source, qint64 now)
{
    return atomically([&]() -> Status {
        QSqlQuery& find = prepared(QStringLiteral("SELECT count(*) FROM sources WHERE name = ?"));
        find.bindValue(0, source.name);
        if (!find.exec() || !find.next())
            return sqlError(find.lastError(), QStringLiteral("Cannot read the sources"));
        const bool taken = find.value(0).toLongLong() > 0;
        find.finish();
        if (taken)
            return Error {ErrorCode::InvalidArgument, QStringLiteral("There is already a source %1").arg(source.name)};
        QSqlQuery& q = prepared(
            QStringLiteral("INSERT INTO sources(kind, name, config, paused, created_at) VALUES (?, ?, ?, ?, ?)"));
        q.bindValue(0, source.kind);
        q.bindValue(1, source.name);
        q.bindValue(2, QString::fromUtf8(source.config));
        q.bindValue(3, source.paused ? 1 : 0);
        q.bindValue(4, now);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot add the source %1").arg(source.name));
        return success();
    });
}

Status TaskStore::removeSource(const QString& name)
{
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("DELETE FROM sources WHERE name = ?"));
        q.bindValue(0, name);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot remove the source %1").arg(name));
        if (q.numRowsAffected() == 0)
            return Error {ErrorCode::NotFound, QStringLiteral("There is no source %1").arg(name)};
        return success();
    });
}

Status TaskStore::setSourcePaused(const QString& name, bool paused)
{
    return atomically([&]() -> Status {
        QSqlQuery& q = prepared(QStringLiteral("UPDATE sources SET paused = ? WHERE name = ?"));
        q.bindValue(0, paused ? 1 : 0);
        q.bindValue(1, name);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot change the source %1").arg(name));
        if (q.numRowsAffected() == 0)
            return Error {ErrorCode::NotFound, QStringLiteral("There is no source %1").arg(name)};
        return success();
    });
}

Result<QList<Task>> TaskStore::tasksWithIdempotencyKeys(const QStringList& keys)
{
    QList<Task> result;
    // One statement per key, prepared once: each is a lookup in the unique index tasks_idempotency.
    QSqlQuery& q
        = prepared(QLatin1String("SELECT ") + taskColumns() + QLatin1String(" FROM tasks WHERE idempotency_key = ?"));
    for (const QString& key : keys) {
        q.bindValue(0, key);
        if (!q.exec())
            return sqlError(q.lastError(), QStringLiteral("Cannot look up idempotency keys"));
        if (q.next())
            result.append(readTask(q));
        q.finish();
    }
    return result;
}

} // namespace qd
