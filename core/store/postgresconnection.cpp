// The PostgreSQL connection: session setup, the schema migrated under an advisory lock, reconnection, and the
// change notifications that dataVersion() counts.
#include "taskstore_p.h"

#include "core/databaseurl.h"

#include <QSqlDriver>

#include <libpq-fe.h>

namespace qd {

using namespace storeimpl;

namespace {

// Qt registers the handle under the struct's own name, pg_conn*.
PGconn* postgresConnection(const QSqlDatabase& db)
{
    const QVariant handle = db.driver()->handle();
    return handle.isValid() && qstrcmp(handle.typeName(), "pg_conn*") == 0
        ? *static_cast<PGconn* const*>(handle.constData())
        : nullptr;
}

// A value in a libpq connection string: quoted, with quotes and backslashes escaped (QPSQL passes its connect options
// on as they are, ';' turned into ' ').
QString libpqQuoted(const QByteArray& value)
{
    QString text = QString::fromLocal8Bit(value);
    text.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('\''), QLatin1String("\\'"));
    return QLatin1Char('\'') + text + QLatin1Char('\'');
}

} // namespace

int TaskStore::serverProcessId() const
{
    PGconn* connection = m_dialect.postgres ? postgresConnection(m_db) : nullptr;
    return connection ? PQbackendPID(connection) : 0;
}

// A server that restarted (or a network that dropped) leaves the connection broken; libpq notices at the next
// statement, which fails (MariaDB: a failure noted by noteFailure()). The next transaction or read outside a
// transaction connects again: its statements are prepared afresh, so no reference into the old cache can be alive
// (none is held outside a transaction). Serves both servers; it lives here as PostgreSQL's came first.
void TaskStore::reconnectIfLost()
{
    if (!m_dialect.server || m_txDepth > 0)
        return;
    if (m_dialect.postgres) {
        PGconn* connection = postgresConnection(m_db);
        if (connection && PQstatus(connection) == CONNECTION_OK)
            return;
    } else if (!m_connectionLost && m_db.isOpen() && !mariaDbConnectionDropped()) {
        return;
    }
    // While the server is down, a caller that retries at once (the writer's next cycle) tries again and again:
    // the outage is reported once, and its end.
    const bool outage = m_reconnectFailed;
    if (!outage)
        qCInfo(lcStore) << "connection to" << m_url->displayName() << "lost; connecting again";
    m_preparedLiterals.clear();
    m_prepared.clear();
    m_control.reset();
    m_db.close();
    ++m_foreignCommits; // changes announced meanwhile are lost: readers must look again
    if (Status s = m_dialect.postgres ? connectPostgres() : connectMariaDb(); !s) {
        m_connectionLost = true;
        m_reconnectFailed = true;
        if (!outage)
            qCWarning(lcStore) << s.errorString() << "- trying again at each use";
        return;
    }
    if (outage)
        qCInfo(lcStore) << "connected to" << m_url->displayName() << "again";
    m_reconnectFailed = false;
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
    QString options = QStringLiteral("connect_timeout=%1;application_name=queuedesk")
                          .arg(std::max(2, m_options.busyTimeoutMs / 1000));
    for (const auto& [key, value] : libpqTlsParameters(url.tls))
        options += QLatin1Char(';') + QString::fromLatin1(key) + QLatin1Char('=') + libpqQuoted(value);
    m_db.setConnectOptions(options);
    if (Status s = checkTlsFilesReadable(url.tls); !s)
        return Error {
            s.error().code, QStringLiteral("Cannot connect to %1: %2").arg(url.displayName(), s.errorString())};
    if (!m_db.open()) {
        Error e = sqlError(m_db.lastError(), QStringLiteral("Cannot connect to %1").arg(url.displayName()));
        e.message = explainTlsFailure(e.message, url.tls);
        return e;
    }
    QStringList setup {QStringLiteral("SET client_min_messages = warning")};
    if (!url.schema.isEmpty()) {
        // Created only when missing: CREATE SCHEMA IF NOT EXISTS asks for the right to create one even when it
        // exists, which an operator or viewer login does not have.
        QSqlQuery exists(m_db);
        const bool missing = !exists.exec(QStringLiteral("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = '%1'")
                                              .arg(QString(url.schema).replace(QLatin1Char('\''), QLatin1String("''"))))
            || !exists.next();
        if (!m_options.readOnly && missing) {
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

Status TaskStore::checkServerSchemaState(const SchemaState& state) const
{
    const QString where = m_url->displayName();
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
}

Status TaskStore::initialisePostgres()
{
    const QString where = m_url->displayName();
    const auto check = [this](const SchemaState& state) { return checkServerSchemaState(state); };
    const Result<SchemaState> seen = readPostgresSchemaState();
    if (!seen)
        return seen.error();
    if (m_options.readOnly) {
        if (Status s = check(*seen); !s)
            return s;
        if (seen->version == 0)
            return Error {ErrorCode::NotFound, QStringLiteral("%1 holds no QueueDesk data").arg(where)};
        m_databaseVersion = seen->version;
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

// Counts the notifications other connections' commits sent (see connectPostgres()), read without waiting.
Result<qint64> TaskStore::postgresDataVersion()
{
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

} // namespace qd
