#pragma once

// Runs the real queuedesk-cli binary in a child process, as scripts do (CLI_PATH comes from tests/cli/CMakeLists.txt).
#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>
#include <QtGlobal>

namespace qdtest {

// The environment for a child CLI: its data directory and home inside `dir`, so the default database (and anything
// else in the user's data directory) stays out of the tests' way.
inline QProcessEnvironment isolatedEnvironment(const QTemporaryDir& dir)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_DATA_HOME"), dir.filePath(QStringLiteral("xdg")));
    env.insert(QStringLiteral("HOME"), dir.path());
    return env;
}

struct CliRun {
    int exitCode = -1; // -2: crashed; -1: did not start or timed out
    QByteArray out;
    QByteArray err;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
};

// `input` is written to the child's stdin, which is then closed.
inline CliRun runCli(const QProcessEnvironment& environment, const QStringList& arguments, const QByteArray& input = {},
    int timeoutMs = 60'000)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(CLI_PATH), arguments);
    CliRun result;
    if (!process.waitForStarted()) {
        qWarning("cannot start %s", CLI_PATH);
        return result;
    }
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        qWarning("queuedesk-cli timed out: %s", qPrintable(arguments.join(u' ')));
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

} // namespace qdtest
