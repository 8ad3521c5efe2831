#include "cli_context.h"

#include "cli_access.h"

#include "core/crypto/keyfile.h"
#include "core/databaseurl.h"
#include "core/handlers/handlerpolicy.h"

#include "core/oneshotwriter.h"
#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>

#include <atomic>
#include <cstdio>
#include <utility>

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

// With --json, log messages are kept here until CliContext::finish() puts them into stderr's JSON document.
// Messages come from any thread (the engine's writer, workers), hence the mutex.
class JsonLog {
public:
    static constexpr qsizetype maxEntries = 1000; // a long `work --json` run keeps the first ones

    static void install()
    {
        QMutexLocker lock(&s_mutex);
        if (s_installed)
            return;
        s_installed = true;
        s_previous = qInstallMessageHandler(&JsonLog::handle);
    }

    static void add(QtMsgType type, const QString& category, const QString& message)
    {
        if (s_closed.load()) // checked first: at exit the statics below may be gone
            return;
        QMutexLocker lock(&s_mutex);
        if (s_closed.load())
            return;
        if (s_entries.size() >= maxEntries) {
            ++s_dropped;
            return;
        }
        s_entries.append(QJsonObject {{QStringLiteral("level"), levelName(type)},
            {QStringLiteral("category"), category}, {QStringLiteral("message"), message}});
    }

    // The entries so far; later messages are dropped (nothing may follow stderr's document).
    static std::pair<QJsonArray, qint64> close()
    {
        QMutexLocker lock(&s_mutex);
        s_closed.store(true);
        return {std::exchange(s_entries, {}), std::exchange(s_dropped, 0)};
    }

private:
    static void handle(QtMsgType type, const QMessageLogContext& context, const QString& message)
    {
        if (type == QtFatalMsg) {
            // The process is about to abort: say why the usual way.
            if (s_previous)
                s_previous(type, context, message);
            return;
        }
        add(type, QString::fromUtf8(context.category ? context.category : "default"), message);
    }

    static QString levelName(QtMsgType type)
    {
        switch (type) {
        case QtDebugMsg:
            return QStringLiteral("debug");
        case QtInfoMsg:
            return QStringLiteral("info");
        case QtWarningMsg:
            return QStringLiteral("warning");
        case QtCriticalMsg:
            return QStringLiteral("critical");
        case QtFatalMsg:
            return QStringLiteral("fatal");
        }
        return QStringLiteral("warning");
    }

    static inline QMutex s_mutex;
    static inline bool s_installed = false;
    static inline std::atomic<bool> s_closed {false}; // after finish(): messages are dropped
    static inline QJsonArray s_entries;
    static inline qint64 s_dropped = 0;
    static inline QtMessageHandler s_previous = nullptr;
};

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
    finish(0);
}

void CliContext::setJson(bool json)
{
    m_json = json;
    if (json)
        JsonLog::install();
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
        QCommandLineOption(QStringLiteral("key-file"),
            QStringLiteral("The key file of an encrypted database (default: $QUEUEDESK_KEY_FILE, else %1).")
                .arg(crypto::defaultKeyFilePath()),
            QStringLiteral("path")),
    };
}

void CliContext::applyGlobalOptions(const QCommandLineParser& parser)
{
    if (parser.isSet(QStringLiteral("db")))
        setDatabasePath(parser.value(QStringLiteral("db")));
    if (parser.isSet(QStringLiteral("json")))
        setJson(true);
    if (parser.isSet(QStringLiteral("read-only")))
        m_readOnly = true;
    if (parser.isSet(QStringLiteral("key-file")))
        m_keyFile = parser.value(QStringLiteral("key-file"));
}

void CliContext::resolveDefaultDatabase()
{
    if (!m_defaultDatabase)
        return;
    m_databasePath = defaultDatabaseToOpen(!m_readOnly);
    m_defaultDatabase = false;
}

StoreOptions CliContext::storeOptions() const
{
    StoreOptions options;
    options.path = m_databasePath;
    options.readOnly = m_readOnly;
    options.keyFile = m_keyFile;
    options.actor.client = QStringLiteral("cli"); // in the audit log
    return options;
}

Result<TaskStore*> CliContext::store()
{
    return openStore(m_engine != nullptr);
}

Result<TaskStore*> CliContext::openStore(bool createIfMissing)
{
    if (m_store)
        return m_store.get();
    resolveDefaultDatabase();
    StoreOptions options = storeOptions();
    if (!createIfMissing) {
        // Looking must not create a database as a side effect (a typo in --db would leave files behind).
        if (!isServerUrl(options.path) && !QFileInfo::exists(options.path)) {
            return Error {ErrorCode::NotFound,
                QStringLiteral("There is no database at %1.").arg(QDir::toNativeSeparators(options.path))};
        }
        options.createIfMissing = false;
    }
    Result<std::unique_ptr<TaskStore>> opened = TaskStore::open(options);
    if (!opened.ok())
        return databaseOpenError(opened.error());
    if (Status s = checkAccess(opened.value()->accessLevel()); !s)
        return s.error();
    m_store = std::move(opened).value();
    return m_store.get();
}

Status CliContext::checkAccess(AccessLevel have) const
{
    if (have >= m_requiredAccess)
        return success();
    return Error {ErrorCode::ReadOnly, accessRefusal(m_command, have, m_requiredAccess)};
}

const HandlerRegistry& CliContext::handlers()
{
    if (!m_handlers) {
        // Tasks are checked as the database's settings allow: the command type's allow-list, the network policy.
        auto policy = std::make_shared<HandlerPolicy>();
        if (m_store) {
            if (auto settings = m_store->databaseSettings())
                policy->set(settings->commandSettings(), settings->networkPolicy());
        }
        m_handlers = bindToHandlerPolicy(HandlerRegistry::createDefault(), policy);
    }
    return *m_handlers;
}

std::shared_ptr<const HandlerRegistry> CliContext::sharedHandlers()
{
    handlers();
    return m_handlers;
}

Error CliContext::readOnlyRefusal()
{
    return Error {
        ErrorCode::ReadOnly, QStringLiteral("This command writes to the database, which --read-only forbids.")};
}

Result<OneShotWriter*> CliContext::writer(bool createIfMissing)
{
    if (m_writer)
        return m_writer.get();
    if (m_readOnly)
        return readOnlyRefusal();
    const Result<TaskStore*> opened = openStore(createIfMissing);
    if (!opened.ok())
        return opened.error();
    m_writer = std::make_unique<OneShotWriter>(*opened.value(), handlers());
    return m_writer.get();
}

Result<QueueEngine*> CliContext::engine(int workerCount, qint64 sampleIntervalMs, qint64 shutdownGraceMs)
{
    if (m_engine)
        return m_engine.get();
    if (m_readOnly)
        return readOnlyRefusal();
    resolveDefaultDatabase();
    EngineOptions options;
    options.store = storeOptions();
    options.workerCount = workerCount;
    options.sampleIntervalMs = sampleIntervalMs;
    options.shutdownGraceMs = shutdownGraceMs;
    if (workerCount > 0)
        options.processKind = QStringLiteral("cli"); // `work`: a heartbeat row, in `workers` and the GUI
    Result<std::unique_ptr<QueueEngine>> opened = QueueEngine::open(std::move(options));
    if (!opened.ok())
        return databaseOpenError(opened.error());
    // A viewer's engine opened read-only and wrote nothing; it closes before the refusal.
    if (Status s = checkAccess(opened.value()->accessLevel()); !s)
        return s.error();
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
    m_writer.reset();
    m_engine.reset();
    m_store.reset();
}

int CliContext::fail(const Error& error)
{
    const int exitCode
        = !m_openFailure.isEmpty() && error.message == m_openFailure ? int(ExitDatabase) : exitCodeFor(error.code);
    if (m_json) {
        if (m_errorDocument.isEmpty()) {
            m_errorDocument = QJsonObject {{QStringLiteral("error"), error.message},
                {QStringLiteral("code"), errorCodeName(error.code)}, {QStringLiteral("exitCode"), exitCode}};
        }
    } else {
        m_err << "queuedesk-cli: " << error.message << Qt::endl;
    }
    return exitCode;
}

int CliContext::usageError(const QString& message, const QString& command)
{
    if (m_json) {
        if (m_errorDocument.isEmpty()) {
            m_errorDocument = QJsonObject {{QStringLiteral("error"), message},
                {QStringLiteral("code"), QStringLiteral("usage")}, {QStringLiteral("exitCode"), int(ExitUsage)}};
        }
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

void CliContext::note(const QString& message, QtMsgType level)
{
    if (m_json)
        JsonLog::add(level, QStringLiteral("qd.cli"), message);
    else
        m_err << "queuedesk-cli: " << message << Qt::endl;
}

int CliContext::finish(int exitCode)
{
    if (m_finished)
        return exitCode;
    close(); // the engine's shutdown may log too
    m_finished = true;
    m_out.flush();
    if (!m_json) {
        m_err.flush();
        return exitCode;
    }
    auto [log, dropped] = JsonLog::close();
    QJsonObject document = m_errorDocument;
    if (!log.isEmpty())
        document.insert(QStringLiteral("log"), log);
    if (dropped > 0)
        document.insert(QStringLiteral("logDropped"), dropped);
    if (!document.isEmpty())
        m_err << QString::fromUtf8(QJsonDocument(document).toJson(QJsonDocument::Compact)) << Qt::endl;
    m_err.flush();
    return exitCode;
}

} // namespace qd::cli
