#include "alertcommandrunner.h"

#include "../handlerregistry.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QProcess>

#include <cmath>
#include <limits>

namespace qd {

namespace {

constexpr qsizetype tailChars = 2000; // of each stream, kept in the history row
constexpr int waitSliceMs = 20;
constexpr int terminateGraceMs = 300;

// The last tailChars characters of a stream.
struct OutputTail {
    QByteArray bytes;

    void append(const QByteArray& chunk)
    {
        bytes += chunk;
        if (bytes.size() > 4 * tailChars)
            bytes.remove(0, bytes.size() - 4 * tailChars);
    }
    QString text() const
    {
        const QString all = QString::fromLocal8Bit(bytes).trimmed();
        return all.size() > tailChars ? QStringLiteral("\u2026") + all.right(tailChars) : all;
    }
};

QString transitionWord(const AlertTransition& t)
{
    return t.kind == AlertTransition::Kind::Fired ? QStringLiteral("firing") : QStringLiteral("resolution");
}

AlertHistoryRecord record(const AlertTransition& t, QLatin1String kind, qint64 at, double figure, QString message)
{
    return AlertHistoryRecord {0, t.ruleId, t.ruleName, QString(kind), at, figure, std::move(message)};
}

QProcessEnvironment alertEnvironment(const AlertTransition& t, const QJsonObject& json)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QD_ALERT_RULE_ID"), QString::number(t.ruleId));
    env.insert(QStringLiteral("QD_ALERT_RULE"), t.ruleName);
    env.insert(QStringLiteral("QD_ALERT_STATUS"), json.value(QLatin1String("status")).toString());
    env.insert(QStringLiteral("QD_ALERT_AT"), json.value(QLatin1String("at")).toString());
    env.insert(QStringLiteral("QD_ALERT_FIGURE"), std::isfinite(t.figure) ? QString::number(t.figure) : QString());
    env.insert(QStringLiteral("QD_ALERT_MESSAGE"), t.message);
    return env;
}

void stopProcess(QProcess& process)
{
    process.terminate();
    if (!process.waitForFinished(terminateGraceMs)) {
        process.kill();
        process.waitForFinished(1000);
    }
}

} // namespace

std::optional<QString> commandRefusal(const HandlerRegistry& handlers, const QString& program)
{
    const TaskHandler* handler = handlers.find(QStringLiteral("command"));
    if (!handler)
        return QStringLiteral("this process has no \"command\" handler, so it runs no programs");
    return handler->validate(QJsonObject {{QStringLiteral("program"), program}});
}

CommandPermission commandAllowList(std::shared_ptr<const HandlerRegistry> handlers)
{
    return [handlers = std::move(handlers)](const QString& program) -> std::optional<QString> {
        if (!handlers)
            return QStringLiteral("this process runs no programs");
        return commandRefusal(*handlers, program);
    };
}

AlertHistoryRecord refusedCommandRecord(const AlertTransition& t, const QString& reason)
{
    return record(t, commandRefusedKind, t.at, std::numeric_limits<double>::quiet_NaN(),
        QStringLiteral("refused \"%1\" on %2: %3").arg(t.command.program, transitionWord(t), reason));
}

AlertHistoryRecord runAlertCommand(const AlertTransition& t, const std::atomic<bool>& cancel)
{
    const QString program = t.command.program;
    const QString on = transitionWord(t);
    const QJsonObject json = alertTransitionJson(t);
    const double noExitCode = std::numeric_limits<double>::quiet_NaN();
    QElapsedTimer elapsed;
    elapsed.start();
    if (cancel.load())
        return record(t, commandFailedKind, t.at, noExitCode,
            QStringLiteral("\"%1\" on %2 did not start: the evaluating process stopped").arg(program, on));

    QProcess process;
    process.setProgram(program);
    process.setArguments(t.command.args);
    process.setProcessEnvironment(alertEnvironment(t, json));
    process.start(QIODevice::ReadWrite);
    if (!process.waitForStarted(10'000)) {
        const QString why = process.errorString();
        stopProcess(process);
        return record(t, commandFailedKind, t.at + elapsed.elapsed(), noExitCode,
            QStringLiteral("cannot start \"%1\" on %2: %3").arg(program, on, why));
    }
    process.write(QJsonDocument(json).toJson(QJsonDocument::Compact) + '\n');
    process.closeWriteChannel(); // a program that reads its input to the end must see the end

    OutputTail out, err;
    bool timedOut = false, stopped = false;
    while (process.state() != QProcess::NotRunning && !process.waitForFinished(waitSliceMs)) {
        out.append(process.readAllStandardOutput());
        err.append(process.readAllStandardError());
        if (cancel.load()) {
            stopped = true;
            break;
        }
        if (elapsed.elapsed() >= t.command.timeoutMs) {
            timedOut = true;
            break;
        }
    }
    if (stopped || timedOut)
        stopProcess(process);
    out.append(process.readAllStandardOutput());
    err.append(process.readAllStandardError());
    const qint64 ms = elapsed.elapsed();

    QString message;
    QLatin1String kind = commandFailedKind;
    double figure = noExitCode;
    if (stopped) {
        message = QStringLiteral("\"%1\" on %2 was stopped after %3 ms: the evaluating process stopped")
                      .arg(program, on)
                      .arg(ms);
    } else if (timedOut) {
        message = QStringLiteral("\"%1\" on %2 did not finish within %3 ms and was killed")
                      .arg(program, on)
                      .arg(t.command.timeoutMs);
    } else if (process.exitStatus() == QProcess::CrashExit) {
        message = QStringLiteral("\"%1\" on %2 crashed after %3 ms").arg(program, on).arg(ms);
    } else {
        figure = process.exitCode();
        kind = process.exitCode() == 0 ? commandRanKind : commandFailedKind;
        message = QStringLiteral("ran \"%1\" on %2: exit code %3 after %4 ms")
                      .arg(program, on)
                      .arg(process.exitCode())
                      .arg(ms);
    }
    if (const QString text = out.text(); !text.isEmpty())
        message += QStringLiteral("\noutput: ") + text;
    if (const QString text = err.text(); !text.isEmpty())
        message += QStringLiteral("\nerrors: ") + text;
    return record(t, kind, t.at + ms, figure, message);
}

AlertCommandRunner::AlertCommandRunner()
{
    m_pool.setMaxThreadCount(4);
    m_pool.setObjectName(QStringLiteral("qd-alert-commands"));
}

AlertCommandRunner::~AlertCommandRunner()
{
    stopAll();
}

void AlertCommandRunner::start(const AlertTransition& t)
{
    m_pool.start([this, t] {
        AlertHistoryRecord outcome = runAlertCommand(t, m_cancel);
        const QMutexLocker lock(&m_mutex);
        m_finished.append(std::move(outcome));
    });
}

QList<AlertHistoryRecord> AlertCommandRunner::takeFinished()
{
    const QMutexLocker lock(&m_mutex);
    return std::exchange(m_finished, {});
}

void AlertCommandRunner::putBack(const QList<AlertHistoryRecord>& records)
{
    const QMutexLocker lock(&m_mutex);
    m_finished = records + m_finished;
}

bool AlertCommandRunner::waitForAll(int timeoutMs)
{
    return m_pool.waitForDone(timeoutMs);
}

void AlertCommandRunner::stopAll()
{
    m_cancel.store(true);
    m_pool.waitForDone();
    m_cancel.store(false);
}

} // namespace qd
