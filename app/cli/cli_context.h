#pragma once

#include "core/accessroles.h"
#include "core/result.h"
#include "core/storeoptions.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QTextStream>

#include <memory>

class QCommandLineParser;
class QCommandLineOption;

namespace qd {

class HandlerRegistry;
class OneShotWriter;
class QueueEngine;
class TaskStore;

namespace cli {

// Exit codes scripts can rely on (documented in `queuedesk-cli --help`).
enum ExitCode : int {
    ExitOk = 0,
    ExitOther = 1, // anything else: an I/O error on an export file, a cancelled export, a bug
    ExitUsage = 2, // unknown command or option, missing or malformed argument
    ExitNotFound = 3, // no such task, queue or database
    ExitDatabase = 4, // database locked, read-only (or refused to the login's role), corrupt, full, or newer
    ExitInvalidInput = 5, // bad JSON, unknown task type, a payload the handler rejects
};

int exitCodeFor(ErrorCode code);

// What every command shares: the global options, the output streams and the database handles, opened on demand.
// Thread contract: main thread only (the TaskStore it opens belongs to the main thread).
class CliContext {
public:
    CliContext();
    ~CliContext();

    // --db, --json and --read-only are accepted before and after the command name.
    static QList<QCommandLineOption> globalOptions();
    void applyGlobalOptions(const QCommandLineParser& parser);

    // --db, or the default database (defaultDatabasePath(); once opened, defaultDatabaseToOpen()'s choice).
    QString databasePath() const { return m_databasePath; }
    void setDatabasePath(const QString& path)
    {
        m_databasePath = path;
        m_defaultDatabase = false;
    }
    bool json() const { return m_json; }
    // With --json, log messages (qDebug ... qCritical, of any thread) are collected instead of printed, and go into
    // the one JSON document on stderr (see finish()).
    void setJson(bool json);
    bool readOnly() const { return m_readOnly; }
    void setReadOnly(bool readOnly) { m_readOnly = readOnly; }
    // --key-file; empty: $QUEUEDESK_KEY_FILE or the default (see crypto::keyFileToUse).
    const QString& keyFile() const { return m_keyFile; }

    StoreOptions storeOptions() const;
    // The access level `command` needs (see cli_access.h): the database, once opened, refuses the command with
    // ReadOnly (exit code 4) when the login's role is below it, before the command reads or writes anything.
    void requireAccess(const QString& command, AccessLevel level)
    {
        m_command = command;
        m_requiredAccess = level;
    }

    // Reads go through a TaskStore of the main thread; a missing database is NotFound (reads never create one).
    Result<TaskStore*> store();
    // The one-shot commands' writes (enqueue, retry, pause...) through the store of store(), with no engine. Only
    // an enqueue creates a missing database; a retry or a pause of a mistyped --db must not leave files behind.
    Result<OneShotWriter*> writer(bool createIfMissing = false);
    // The built-in task types, for checking tasks before they are written; after store() or writer(), as the
    // database's settings allow.
    const HandlerRegistry& handlers();
    std::shared_ptr<const HandlerRegistry> sharedHandlers(); // the same registry, to keep beyond a call
    // Writes that need an engine (purge, spools, the demo) go through a QueueEngine without workers or sampling
    // unless asked for (see the `work` command).
    Result<QueueEngine*> engine(int workerCount = 0, qint64 sampleIntervalMs = 0, qint64 shutdownGraceMs = 10'000);
    // Closes the engine first: its destruction stops the workers gracefully.
    void close();

    QTextStream& out() { return m_out; }
    QTextStream& err() { return m_err; }

    // Prints the error on stderr and returns its exit code. With --json the error is a JSON object, printed by
    // finish() (with the log messages in it), so that stderr holds one document.
    int fail(const Error& error);
    int fail(ErrorCode code, const QString& message) { return fail(Error {code, message}); }
    int usageError(const QString& message, const QString& command = {});
    // One compact JSON document on stdout.
    void printJson(const QJsonValue& value);
    // A progress or status line for people: "queuedesk-cli: message" on stderr, or with --json a log entry.
    void note(const QString& message, QtMsgType level = QtInfoMsg);
    // The end of the command: closes the database, then with --json writes stderr's one document: the error of
    // fail() or usageError() if there was one, with the log messages collected meanwhile as its "log" array
    // ({"level", "category", "message"}; at most 1000, "logDropped" counts the rest), or {"log": [...]} alone when
    // the command succeeded but logged; nothing when neither. Log messages after this are dropped. Returns exitCode.
    int finish(int exitCode);

private:
    Error databaseOpenError(const Error& error);
    Status checkAccess(AccessLevel have) const; // see requireAccess()
    static Error readOnlyRefusal(); // a write asked for under --read-only
    Result<TaskStore*> openStore(bool createIfMissing);
    // Before the default database is opened: moves it from its old place if needed (not with --read-only).
    void resolveDefaultDatabase();

    QString m_databasePath;
    bool m_defaultDatabase = true; // no --db: m_databasePath is the default, resolved on first open
    bool m_json = false;
    bool m_readOnly = false;
    QString m_keyFile;
    QString m_command;
    AccessLevel m_requiredAccess = AccessLevel::Viewer;
    QTextStream m_out;
    QTextStream m_err;
    std::unique_ptr<QueueEngine> m_engine;
    std::unique_ptr<TaskStore> m_store;
    std::shared_ptr<HandlerRegistry> m_handlers;
    std::unique_ptr<OneShotWriter> m_writer;
    QString m_openFailure; // the message of a failure to open the database, reported as ExitDatabase
    QJsonObject m_errorDocument; // with --json: the error for stderr, written by finish()
    bool m_finished = false;
};

} // namespace cli
} // namespace qd
