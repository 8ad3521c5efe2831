#include "cli_context.h"

#include "core/databaseurl.h"

#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace qd::cli {

namespace {

QString errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument:
        return QStringLiteral("invalid_argument");
    case ErrorCode::NotFound:
        return QStringLiteral("not_found");
    case ErrorCode::WrongState:
        return QStringLiteral("wrong_state");
    case ErrorCode::DatabaseLocked:
        return QStringLiteral("database_locked");
    case ErrorCode::DatabaseFull:
        return QStringLiteral("database_full");
    case ErrorCode::ReadOnly:
        return QStringLiteral("read_only");
    case ErrorCode::Corrupt:
        return QStringLiteral("corrupt");
    case ErrorCode::SchemaTooNew:
        return QStringLiteral("schema_too_new");
    case ErrorCode::Io:
        return QStringLiteral("io");
    case ErrorCode::Unavailable:
        return QStringLiteral("unavailable");
    case ErrorCode::Cancelled:
        return QStringLiteral("cancelled");
    case ErrorCode::Internal:
        return QStringLiteral("internal");
    }
    return QStringLiteral("internal");
}

} // namespace

int exitCodeFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument:
        return ExitInvalidInput;
    case ErrorCode::NotFound:
        return ExitNotFound;
    case ErrorCode::DatabaseLocked:
    case ErrorCode::DatabaseFull:
    case ErrorCode::ReadOnly:
    case ErrorCode::Corrupt:
    case ErrorCode::SchemaTooNew:
    case ErrorCode::Unavailable:
        return ExitDatabase;
    case ErrorCode::WrongState:
    case ErrorCode::Io:
    case ErrorCode::Cancelled:
    case ErrorCode::Internal:
        return ExitOther;
    }
    return ExitOther;
}

CliContext::CliContext()
    : m_databasePath(defaultDatabasePath())
    , m_out(stdout)
    , m_err(stderr)
{ }

CliContext::~CliContext()
{
    close();
}

QList<QCommandLineOption> CliContext::globalOptions()
{
    return {
        QCommandLineOption(QStringLiteral("db"),
            QStringLiteral("The database: a SQLite file (default: the one the GUI opens, %1) or a "
                           "postgresql://user@host:port/dbname URL.")
                .arg(defaultDatabasePath()),
            QStringLiteral("path|url")),
        QCommandLineOption(QStringLiteral("json"), QStringLiteral("Machine-readable output: one JSON document.")),
        QCommandLineOption(QStringLiteral("read-only"), QStringLiteral("Open the database without writing to it.")),
    };
}

void CliContext::applyGlobalOptions(const QCommandLineParser& parser)
{
    if (parser.isSet(QStringLiteral("db")))
        m_databasePath = parser.value(QStringLiteral("db"));
    if (parser.isSet(QStringLiteral("json")))
        m_json = true;
    if (parser.isSet(QStringLiteral("read-only")))
        m_readOnly = true;
}

StoreOptions CliContext::storeOptions() const
{
    StoreOptions options;
    options.path = m_databasePath;
    options.readOnly = m_readOnly;
    return options;
}

Result<TaskStore*> CliContext::store()
{
    if (m_store)
        return m_store.get();
    StoreOptions options = storeOptions();
    if (!m_engine) {
        // Looking must not create a database as a side effect (a typo in --db would leave files behind).
        if (!isPostgresUrl(options.path) && !QFileInfo::exists(options.path)) {
            return Error {ErrorCode::NotFound,
                QStringLiteral("There is no database at %1.").arg(QDir::toNativeSeparators(options.path))};
        }
        options.createIfMissing = false;
    }
    Result<std::unique_ptr<TaskStore>> opened = TaskStore::open(options);
    if (!opened.ok())
        return databaseOpenError(opened.error());
    m_store = std::move(opened).value();
    return m_store.get();
}

Result<QueueEngine*> CliContext::engine(int workerCount, qint64 sampleIntervalMs, qint64 shutdownGraceMs)
{
    if (m_engine)
        return m_engine.get();
    if (m_readOnly) {
        return Error {
            ErrorCode::ReadOnly, QStringLiteral("This command writes to the database, which --read-only forbids.")};
    }
    EngineOptions options;
    options.store = storeOptions();
    options.workerCount = workerCount;
    options.sampleIntervalMs = sampleIntervalMs;
    options.shutdownGraceMs = shutdownGraceMs;
    Result<std::unique_ptr<QueueEngine>> opened = QueueEngine::open(std::move(options));
    if (!opened.ok())
        return databaseOpenError(opened.error());
    m_engine = std::move(opened).value();
    return m_engine.get();
}

Error CliContext::databaseOpenError(const Error& error)
{
    // A database that cannot be opened at all (no permission, a directory in the way) is a database error for
    // scripts, whatever SQLite called it; the I/O code stays for files the command itself reads or writes.
    if (error.code == ErrorCode::Io || error.code == ErrorCode::Internal)
        m_openFailure = error.message;
    return error;
}

void CliContext::close()
{
    m_engine.reset();
    m_store.reset();
}

int CliContext::fail(const Error& error)
{
    const int exitCode
        = !m_openFailure.isEmpty() && error.message == m_openFailure ? int(ExitDatabase) : exitCodeFor(error.code);
    if (m_json) {
        const QJsonObject object {{QStringLiteral("error"), error.message},
            {QStringLiteral("code"), errorCodeName(error.code)}, {QStringLiteral("exitCode"), exitCode}};
        m_err << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)) << Qt::endl;
    } else {
        m_err << "queuedesk-cli: " << error.message << Qt::endl;
    }
    return exitCode;
}

int CliContext::usageError(const QString& message, const QString& command)
{
    if (m_json) {
        const QJsonObject object {{QStringLiteral("error"), message}, {QStringLiteral("code"), QStringLiteral("usage")},
            {QStringLiteral("exitCode"), int(ExitUsage)}};
        m_err << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)) << Qt::endl;
        return ExitUsage;
    }
    m_err << "queuedesk-cli: " << message << Qt::endl;
    if (command.isEmpty())
        m_err << "Try 'queuedesk-cli --help'." << Qt::endl;
    else
        m_err << "Try 'queuedesk-cli " << command << " --help'." << Qt::endl;
    return ExitUsage;
}

void CliContext::printJson(const QJsonValue& value)
{
    QJsonDocument doc;
    if (value.isArray())
        doc = QJsonDocument(value.toArray());
    else
        doc = QJsonDocument(value.toObject());
    m_out << QString::fromUtf8(doc.toJson(QJsonDocument::Compact)) << Qt::endl;
}

} // namespace qd::cli
