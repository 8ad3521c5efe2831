// The MariaDB/MySQL connection: session setup (utf8mb4, strict ANSI SQL, READ COMMITTED, InnoDB), the server version
// check, the schema migrated under GET_LOCK, the change counter that stands in for PostgreSQL's notifications, and
// the note of a lost connection that reconnectIfLost() acts on.
#include "taskstore_p.h"

#include "core/databaseurl.h"
#include "mariadbtls.h"

#include <QRegularExpression>
#include <QSqlDriver>

#include <mysql.h>

namespace qd {

using namespace storeimpl;

namespace {

// The statements of a session, before anything else runs: standard SQL's quotes and ||, no backslash escapes (the
// shared statements' LIKE ... ESCAPE '\'), strict values (a too-long name fails instead of being cut), row locks
// without gap locks (READ COMMITTED), and the client's text as utf8mb4.
QStringList sessionSetup(int lockWaitSeconds, bool readOnly)
{
    QStringList setup {
        QStringLiteral("SET NAMES utf8mb4 COLLATE utf8mb4_bin"),
        QStringLiteral("SET SESSION sql_mode = 'PIPES_AS_CONCAT,ANSI_QUOTES,IGNORE_SPACE,STRICT_TRANS_TABLES,"
                       "NO_BACKSLASH_ESCAPES,NO_ENGINE_SUBSTITUTION,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO'"),
        QStringLiteral("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"),
        QStringLiteral("SET SESSION default_storage_engine = InnoDB"),
        QStringLiteral("SET SESSION innodb_lock_wait_timeout = %1").arg(lockWaitSeconds),
    };
    if (readOnly)
        setup.append(QStringLiteral("SET SESSION TRANSACTION READ ONLY"));
    return setup;
}

// FOR UPDATE SKIP LOCKED came with MariaDB 10.6 and MySQL 8.0.1.
Status checkServerVersion(const QString& version, const QString& where)
{
    static const QRegularExpression numbers(QStringLiteral(R"(^(\d+)\.(\d+)\.(\d+))"));
    const QRegularExpressionMatch m = numbers.match(version);
    const bool mariaDb = version.contains(QLatin1String("MariaDB"), Qt::CaseInsensitive);
    const int major = m.captured(1).toInt(), minor = m.captured(2).toInt(), patch = m.captured(3).toInt();
    const bool recent = mariaDb ? (major > 10 || (major == 10 && minor >= 6))
                                : (major > 8 || (major == 8 && (minor > 0 || patch >= 1)));
    if (m.hasMatch() && recent)
        return success();
    return Error {ErrorCode::Unavailable,
        QStringLiteral("%1 runs %2 %3, which is too old: QueueDesk needs MariaDB 10.6 or later, or MySQL 8.0.1 or "
                       "later (for FOR UPDATE SKIP LOCKED)")
            .arg(where, mariaDb ? QStringLiteral("MariaDB") : QStringLiteral("MySQL"), version)};
}

// Qt registers the handle under the struct's name, st_mysql*.
MYSQL* mysqlHandle(const QSqlDatabase& db)
{
    const QVariant handle = db.driver()->handle();
    return handle.isValid() && qstrcmp(handle.typeName(), "st_mysql*") == 0
        ? *static_cast<MYSQL* const*>(handle.constData())
        : nullptr;
}

} // namespace

bool TaskStore::isMariaDb() const
{
    return m_dialect.engine == SqlDialect::Engine::MariaDb;
}

Status TaskStore::connectMariaDb()
{
    const DatabaseUrl& url = *m_url;
    const QString where = url.displayName();
    m_db.setHostName(url.socket.isEmpty() ? url.host : QStringLiteral("localhost"));
    m_db.setPort(url.port);
    m_db.setUserName(url.user);
    m_db.setPassword(url.password);
    // With ?schema= the session works in that database alone (USE below): connecting to the URL's one too would ask
    // a login for rights there that its role need not have.
    m_db.setDatabaseName(url.schema.isEmpty() ? url.databaseName : QString());
    // A server that does not answer must not hang the caller; CLIENT_FOUND_ROWS: an UPDATE counts the rows it
    // matched, as SQLite and PostgreSQL do, not only those whose values changed.
    const int timeoutSeconds = std::max(2, m_options.busyTimeoutMs / 1000);
    QString options = QStringLiteral("MYSQL_OPT_CONNECT_TIMEOUT=%1;CLIENT_FOUND_ROWS").arg(timeoutSeconds);
    if (!url.socket.isEmpty())
        options += QLatin1String(";UNIX_SOCKET=") + url.socket;
    options += mariaDbTlsConnectOptions(url.tls);
    m_db.setConnectOptions(options);
    if (Status s = checkTlsFilesReadable(url.tls); !s)
        return Error {s.error().code, QStringLiteral("Cannot connect to %1: %2").arg(where, s.errorString())};
    if (!m_db.open()) {
        Error e = sqlError(m_db.lastError(), QStringLiteral("Cannot connect to %1").arg(where));
        e.message = explainTlsFailure(e.message, url.tls);
        return e;
    }
    // Before any statement: what QMYSQL cannot ask of the client library (TLS insisted on, the host name).
    if (Status s = checkMariaDbTls(mysqlHandle(m_db), url); !s) {
        m_db.close();
        return Error {s.error().code, QStringLiteral("Cannot connect to %1: %2").arg(where, s.errorString())};
    }
    QSqlQuery version(m_db);
    if (!version.exec(QStringLiteral("SELECT VERSION()")) || !version.next())
        return sqlError(version.lastError(), QStringLiteral("Cannot read the server version of %1").arg(where));
    if (Status s = checkServerVersion(version.value(0).toString(), where); !s)
        return s;
    // Before the database is looked for and used: the rights to do so may come from the role.
    if (Status s = activateMariaDbRole(); !s)
        return s;
    QStringList setup = sessionSetup(timeoutSeconds, m_options.readOnly);
    // On MariaDB a schema is a database: ?schema=NAME keeps QueueDesk's tables in the database NAME.
    if (!url.schema.isEmpty()) {
        // Created only when missing: CREATE DATABASE IF NOT EXISTS needs the right to create one even when it exists.
        QSqlQuery exists(m_db);
        const bool missing
            = !exists.exec(QStringLiteral("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '%1'")
                               .arg(QString(url.schema).replace(QLatin1Char('\''), QLatin1String("''"))))
            || !exists.next();
        if (!m_options.readOnly && missing)
            setup.append(
                QStringLiteral("CREATE DATABASE IF NOT EXISTS \"%1\" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                    .arg(url.schema));
        setup.append(QStringLiteral("USE \"%1\"").arg(url.schema));
    }
    for (const QString& statement : std::as_const(setup)) {
        if (Status s = exec(statement); !s)
            return Error {s.error().code, QStringLiteral("%1: %2").arg(where, s.errorString())};
    }
    m_connectionLost = false;
    return success();
}

Result<TaskStore::SchemaState> TaskStore::readMariaDbSchemaState()
{
    const QString where = m_url->displayName();
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                               " AND table_name = 'queuedesk_schema'"))
        || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot read %1").arg(where));
    const bool known = q.value(0).toInt() > 0;
    q.finish();
    if (known) {
        if (!q.exec(QStringLiteral("SELECT COALESCE(max(version), 0) FROM queuedesk_schema")) || !q.next())
            return sqlError(q.lastError(), QStringLiteral("Cannot read %1").arg(where));
        return SchemaState {q.value(0).toInt(), 0};
    }
    if (!q.exec(QStringLiteral("SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
                               " AND table_name IN ('tasks', 'queues', 'task_events', 'metrics')"))
        || !q.next())
        return sqlError(q.lastError(), QStringLiteral("Cannot read %1").arg(where));
    return SchemaState {0, q.value(0).toInt()};
}

Status TaskStore::initialiseMariaDb()
{
    const QString where = m_url->displayName();
    const auto check = [this](const SchemaState& state) { return checkServerSchemaState(state); };
    const Result<SchemaState> seen = readMariaDbSchemaState();
    if (!seen)
        return seen.error();
    if (m_options.readOnly)
        m_databaseVersion = seen->version;
    if (Status s = check(*seen); !s || (m_options.readOnly && seen->version > 0) || seen->version >= schemaVersion())
        return s;
    if (m_options.readOnly)
        return Error {ErrorCode::NotFound, QStringLiteral("%1 holds no QueueDesk data").arg(where)};
    // Several hosts may start at once: under this lock (the session's, as MariaDB's DDL commits by itself) the first
    // migrates, and the others read again and find it done. Each step records its version as it ends, and its
    // statements may run again (see mariadbdialect.cpp), so a migration cut short goes on at the next open.
    QSqlQuery lock(m_db);
    const QString lockName = QStringLiteral("'queuedesk-migrate:' || DATABASE()");
    if (!lock.exec(
            QStringLiteral("SELECT GET_LOCK(%1, %2)").arg(lockName).arg(std::max(10, m_options.busyTimeoutMs / 1000)))
        || !lock.next())
        return sqlError(lock.lastError(), QStringLiteral("Cannot lock %1 to upgrade its schema").arg(where));
    if (lock.value(0).toInt() != 1)
        return Error {ErrorCode::DatabaseLocked,
            QStringLiteral("%1: another program has been upgrading the schema for too long").arg(where)};
    lock.finish();
    const auto migrate = [&]() -> Status {
        const Result<SchemaState> locked = readMariaDbSchemaState();
        if (!locked)
            return locked.error();
        if (Status s = check(*locked); !s)
            return s;
        for (const QString& statement :
            {QStringLiteral("CREATE TABLE IF NOT EXISTS queuedesk_schema (version INTEGER NOT NULL) ENGINE=InnoDB"),
                // The change counter: one row, bumped by every write transaction (see TaskStore::commit()).
                QStringLiteral("CREATE TABLE IF NOT EXISTS queuedesk_changes (id INTEGER NOT NULL PRIMARY KEY,"
                               " version BIGINT NOT NULL) ENGINE=InnoDB"),
                QStringLiteral("INSERT IGNORE INTO queuedesk_changes VALUES (1, 0)")}) {
            if (Status s = exec(statement); !s)
                return s;
        }
        for (int v = locked->version; v < schemaVersion(); ++v) {
            QStringList step = m_dialect.migrations.at(v);
            step.append(QStringLiteral("DELETE FROM queuedesk_schema"));
            step.append(QStringLiteral("INSERT INTO queuedesk_schema VALUES (%1)").arg(v + 1));
            for (const QString& statement : std::as_const(step)) {
                if (Status s = exec(statement); !s)
                    return Error {s.error().code,
                        QStringLiteral("Cannot upgrade the schema of %1 to version %2: %3")
                            .arg(where)
                            .arg(v + 1)
                            .arg(s.errorString())};
            }
        }
        return success();
    };
    const Status migrated = migrate();
    static_cast<void>(exec(QStringLiteral("DO RELEASE_LOCK(%1)").arg(lockName)));
    return migrated;
}

// Bumped as the last statement of every write transaction, so its row lock is held only for the commit; the value
// it reaches is this connection's own, which its change watcher ignores.
Status TaskStore::bumpChangeCounter()
{
    if (Status s = execPrepared(QStringLiteral("UPDATE queuedesk_changes SET version = version + 1 WHERE id = 1")); !s)
        return s;
    auto reached = singleInteger(
        QStringLiteral("SELECT version FROM queuedesk_changes WHERE id = 1"), "Cannot read the change counter");
    if (!reached)
        return reached.error();
    m_ownChangeVersion->store(*reached);
    return success();
}

// Other connections' commits: the counter less this connection's own bumps, plus one per reconnection (what was
// missed meanwhile is unknown).
Result<qint64> TaskStore::mariaDbDataVersion()
{
    reconnectIfLost();
    auto version = singleInteger(
        QStringLiteral("SELECT version FROM queuedesk_changes WHERE id = 1"), "Cannot read the change counter");
    if (!version) {
        noteFailure(version.error());
        return version.error();
    }
    return *version - m_ownChanges + m_foreignCommits;
}

// A statement that finds the connection broken (2006 server gone away, 2013 lost during a query) makes the client
// library close its socket: a read outside a transaction, which nothing else notes, is then followed by a reconnection
// at the next statement instead of failing for ever.
bool TaskStore::mariaDbConnectionDropped() const
{
    MYSQL* connection = mysqlHandle(m_db);
    return connection && mysql_get_socket(connection) == MARIADB_INVALID_SOCKET;
}

// MariaDB's client library does not say that a connection broke until a statement fails on it (see sqlerrors.cpp:
// such failures are Unavailable).
void TaskStore::noteFailure(const Error& error)
{
    if (isMariaDb() && error.code == ErrorCode::Unavailable)
        m_connectionLost = true;
}

} // namespace qd
