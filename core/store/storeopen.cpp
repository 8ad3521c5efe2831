// Opening a store: the SQLite file checks before SQLite touches a file, the SQLite schema and its migrations.
#include "taskstore_p.h"

#include "core/databaseurl.h"
#include "core/diskreserve.h"
#include "core/ownerfile.h"
#include "core/walcheckpointer.h"

#include <QAtomicInteger>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSqlDriver>
#include <QThread>
#include <QUrl>

#include <mutex>

#include <sqlite3.h>

namespace qd {

using namespace storeimpl;

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

} // namespace

TaskStore::TaskStore(StoreOptions options, QString connectionName, const SqlDialect& dialect)
    : m_options(std::move(options))
    , m_actor(m_options.actor.completed())
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
    if (url->isMariaDb())
        return openMariaDb(options, *url);
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
        // Another process may be creating the file this moment: its first page can show as short or zeroed for a
        // few milliseconds, so only a header that stays wrong means "not a database".
        const QByteArray sqliteHeader("SQLite format 3\0", 16);
        for (int attempt = 0;; ++attempt) {
            QFile file(options.path);
            if (!file.open(QIODevice::ReadOnly))
                return Error {
                    ErrorCode::Io, QStringLiteral("Cannot read %1: %2").arg(options.path, file.errorString())};
            const QByteArray header = file.read(16);
            if (file.size() == 0 || header == sqliteHeader)
                break;
            const bool mayBeUnwritten = header.size() < 16 || header.count('\0') == header.size();
            if (!mayBeUnwritten || attempt >= 50)
                return Error {ErrorCode::Corrupt, QStringLiteral("%1 is not a SQLite database").arg(options.path)};
            QThread::msleep(10);
        }
        if (!options.readOnly && !info.isWritable())
            return Error {ErrorCode::ReadOnly,
                QStringLiteral("%1 is read-only: open it read-only to inspect it").arg(options.path)};
    } else if (!info.exists()) {
        if (options.readOnly || !options.createIfMissing)
            return Error {ErrorCode::NotFound, QStringLiteral("%1 does not exist").arg(options.path)};
        if (!QDir().mkpath(info.absolutePath()))
            return Error {ErrorCode::Io, QStringLiteral("Cannot create the directory %1").arg(info.absolutePath())};
        // Created here, empty, with mode 0600 whatever the umask: SQLite gives its -wal and -shm files the mode of
        // the database file.
        if (!createOwnerOnlyFile(options.path))
            return Error {ErrorCode::Io, QStringLiteral("Cannot create %1").arg(options.path)};
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
    if (Status s = store->loadEncryption(); !s)
        return s.error();
    if (Status s = store->detectSearchIndex(); !s)
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
    if (Status s = store->detectAccessLevel(); !s)
        return s.error();
    if (Status s = store->initialisePostgres(); !s)
        return s.error();
    if (Status s = store->loadEncryption(); !s)
        return s.error();
    return store;
}

Result<std::unique_ptr<TaskStore>> TaskStore::openMariaDb(const StoreOptions& options, const DatabaseUrl& url)
{
    const QString name = QStringLiteral("qd-store-%1").arg(connectionCounter.fetchAndAddRelaxed(1));
    std::unique_ptr<TaskStore> store(new TaskStore(options, name, mariaDbDialect()));
    store->m_url = std::make_unique<DatabaseUrl>(url);
    store->m_ownChangeVersion = std::make_shared<std::atomic<qint64>>(0);
    store->m_db = QSqlDatabase::addDatabase(QStringLiteral("QMYSQL"), name);
    if (!store->m_db.isValid())
        return Error {ErrorCode::Unavailable,
            QStringLiteral("Qt's MariaDB/MySQL driver is not installed (Debian package libqt6sql6-mysql)")};
    if (Status s = store->connectMariaDb(); !s)
        return s.error();
    if (Status s = store->detectAccessLevel(); !s)
        return s.error();
    if (Status s = store->initialiseMariaDb(); !s)
        return s.error();
    if (Status s = store->loadEncryption(); !s)
        return s.error();
    return store;
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
        m_databaseVersion = version;
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

} // namespace qd
