#include "commandhandler.h"

#include "../handlercontext.h"
#include "handlerpolicy.h"
#include "payloadfields.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>

namespace qd {

namespace {

constexpr qint64 defaultTimeoutMs = 300000;
constexpr qint64 maxTimeoutMs = 24LL * 3600 * 1000;
constexpr qsizetype tailBytes = 4096;
constexpr int waitSliceMs = 20;
constexpr int terminateGraceMs = 300;

const QLatin1String programKey("program");
const QLatin1String argsKey("args");
const QLatin1String workingDirectoryKey("workingDirectory");
const QLatin1String envKey("env");
const QLatin1String timeoutKey("timeoutMs");

// The last tailBytes of a stream, plus how much went by.
struct Tail {
    QByteArray bytes;
    qint64 total = 0;

    void append(const QByteArray& chunk)
    {
        total += chunk.size();
        if (chunk.size() >= tailBytes) {
            bytes = chunk.right(tailBytes);
            return;
        }
        bytes += chunk;
        if (bytes.size() > tailBytes)
            bytes.remove(0, bytes.size() - tailBytes);
    }

    QString text() const
    {
        // The cut may have split a UTF-8 sequence: drop leading continuation bytes.
        qsizetype start = 0;
        while (start < bytes.size() && start < 3 && (uchar(bytes.at(start)) & 0xC0) == 0x80)
            ++start;
        return QString::fromLocal8Bit(bytes.mid(start));
    }

    QString lastLine() const
    {
        const QString all = text().trimmed();
        const qsizetype newline = all.lastIndexOf(QLatin1Char('\n'));
        return (newline < 0 ? all : all.mid(newline + 1)).left(300);
    }
};

void drain(QProcess& process, Tail& out, Tail& err)
{
    out.append(process.readAllStandardOutput());
    err.append(process.readAllStandardError());
}

// SIGTERM first so the program may clean up, then SIGKILL.
void stopProcess(QProcess& process)
{
    process.terminate();
    if (!process.waitForFinished(terminateGraceMs)) {
        process.kill();
        process.waitForFinished(1000);
    }
}

} // namespace

CommandHandler::CommandHandler(CommandHandlerSettings settings)
    : m_settings(std::move(settings))
{ }

CommandHandler::CommandHandler(std::shared_ptr<const HandlerPolicy> policy)
    : m_policy(std::move(policy))
{ }

CommandHandlerSettings CommandHandler::settings() const
{
    return m_policy ? m_policy->command() : m_settings;
}

QString CommandHandler::description() const
{
    return QStringLiteral("Runs an allow-listed program with arguments (no shell) and captures its exit code and "
                          "the end of its output. Off until the database's settings list programs it may run "
                          "(command.allowedPrograms).");
}

QJsonObject CommandHandler::payloadTemplate() const
{
    return QJsonObject {
        {programKey, settings().allowedPrograms.value(0, QStringLiteral("/usr/bin/true"))},
        {argsKey, QJsonArray {}},
        {timeoutKey, 60000},
    };
}

std::optional<QString> CommandHandler::validate(const QJsonObject& payload) const
{
    const CommandHandlerSettings settings = this->settings();
    if (!settings.enabled)
        return QStringLiteral(
            "the command handler is disabled: this database allows no programs; add one to its "
            "command.allowedPrograms (Settings dialog, or queuedesk-cli settings set command.allowedPrograms PATH)");
    if (auto error = payload::checkRequiredString(payload, programKey))
        return error;
    const QString program = payload.value(programKey).toString();
    if (!settings.allowedPrograms.contains(program))
        return QStringLiteral("\"program\": \"%1\" is not in the allow-list of programs").arg(program);
    if (auto error = payload::checkOptionalStringArray(payload, argsKey))
        return error;
    if (auto error = payload::checkOptionalString(payload, workingDirectoryKey))
        return error;
    if (auto error = payload::checkOptionalStringMap(payload, envKey))
        return error;
    const QJsonObject env = payload.value(envKey).toObject();
    for (auto it = env.begin(); it != env.end(); ++it) {
        if (it.key().isEmpty() || it.key().contains(QLatin1Char('=')))
            return QStringLiteral("\"env\": \"%1\" is not a valid variable name").arg(it.key());
    }
    if (auto error = payload::checkOptionalInteger(payload, timeoutKey, 1, maxTimeoutMs))
        return error;
    return std::nullopt;
}

HandlerResult CommandHandler::run(const QJsonObject& payload, HandlerContext& context) const
{
    // Checked again here: the task may have been enqueued by a process with other settings.
    if (auto error = validate(payload))
        return HandlerResult::permanent(*error);
    const QString program = payload.value(programKey).toString();
    const qint64 timeoutMs = payload::integer(payload, timeoutKey, defaultTimeoutMs);
    const QString workingDirectory = payload.value(workingDirectoryKey).toString();
    if (!workingDirectory.isEmpty() && !QFileInfo(workingDirectory).isDir())
        return HandlerResult::permanent(
            QStringLiteral("\"workingDirectory\": \"%1\" is not a directory").arg(workingDirectory));
    if (context.isCancelled())
        return HandlerResult::retryable(QStringLiteral("stopped before \"%1\" started").arg(program));

    QProcess process;
    process.setProgram(program);
    process.setArguments(payload::stringList(payload, argsKey));
    if (!workingDirectory.isEmpty())
        process.setWorkingDirectory(workingDirectory);
    const QJsonObject env = payload.value(envKey).toObject();
    if (!env.isEmpty()) {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (auto it = env.begin(); it != env.end(); ++it)
            environment.insert(it.key(), it.value().toString());
        process.setProcessEnvironment(environment);
    }
    process.setStandardInputFile(QProcess::nullDevice()); // a program waiting for input would hang until timeout

    context.reportProgress(0.0, QStringLiteral("running %1").arg(program));
    QElapsedTimer elapsed;
    elapsed.start();
    process.start(QIODevice::ReadOnly);
    while (process.state() == QProcess::Starting && !process.waitForStarted(waitSliceMs)) {
        if (process.error() == QProcess::FailedToStart || context.isCancelled())
            break;
    }
    if (process.state() != QProcess::Running) {
        if (process.error() == QProcess::FailedToStart)
            return HandlerResult::permanent(
                QStringLiteral("cannot start \"%1\": %2").arg(program, process.errorString()));
        if (context.isCancelled()) {
            stopProcess(process);
            return HandlerResult::retryable(QStringLiteral("stopped while \"%1\" was starting").arg(program));
        }
    }

    Tail out;
    Tail err;
    bool timedOut = false;
    bool stopped = false;
    while (process.state() != QProcess::NotRunning && !process.waitForFinished(waitSliceMs)) {
        drain(process, out, err);
        if (context.isCancelled()) {
            stopped = true;
            break;
        }
        if (elapsed.elapsed() >= timeoutMs) {
            timedOut = true;
            break;
        }
    }
    if (stopped || timedOut)
        stopProcess(process);
    drain(process, out, err);
    const qint64 ms = elapsed.elapsed();

    if (stopped)
        return HandlerResult::retryable(QStringLiteral("stopped; \"%1\" was killed").arg(program));
    if (timedOut)
        return HandlerResult::retryable(
            QStringLiteral("\"%1\" did not finish within %2 ms and was killed").arg(program).arg(timeoutMs));
    if (process.exitStatus() == QProcess::CrashExit)
        return HandlerResult::retryable(QStringLiteral("\"%1\" crashed: %2").arg(program, process.errorString()));
    const int exitCode = process.exitCode();
    if (exitCode != 0) {
        const QString detail = err.lastLine().isEmpty() ? out.lastLine() : err.lastLine();
        return HandlerResult::retryable(QStringLiteral("\"%1\" exited with code %2%3")
                                            .arg(program)
                                            .arg(exitCode)
                                            .arg(detail.isEmpty() ? QString() : QStringLiteral(": ") + detail));
    }
    context.reportProgress(1.0);
    return HandlerResult::success(QJsonObject {
        {QStringLiteral("exitCode"), exitCode},
        {QStringLiteral("stdoutTail"), out.text()},
        {QStringLiteral("stderrTail"), err.text()},
        {QStringLiteral("stdoutBytes"), out.total},
        {QStringLiteral("stderrBytes"), err.total},
        {QStringLiteral("durationMs"), ms},
    });
}

} // namespace qd
