// Process start to first rows painted, timed from outside the GUI program (see startupbench.h).
#include "startupbench.h"

#include <QProcess>
#include <QProcessEnvironment>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

void startOffscreen(QProcess& process, const QString& program, const QStringList& arguments, bool trace = false)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    if (trace)
        env.insert(QStringLiteral("QD_STARTUP_TRACE"), QStringLiteral("1"));
    process.setProcessEnvironment(env);
    process.start(program, arguments);
}

[[noreturn]] void failed(QProcess& process, const QString& what)
{
    std::fprintf(stderr, "qd_bench: %s failed: %s\n", qPrintable(what),
        qPrintable(QString::fromLocal8Bit(process.readAllStandardError())));
    process.kill();
    process.waitForFinished(5'000);
    std::exit(2);
}

// "startup <ms> <thread> <what>[ (<n> ms)]" lines (core/startuptrace.cpp): the first time of each milestone.
void readMilestones(const QByteArray& errors, QHash<QString, double>& milestones)
{
    for (const QByteArray& raw : errors.split('\n')) {
        const QList<QByteArray> words = raw.simplified().split(' ');
        if (words.size() < 4 || words.at(0) != "startup")
            continue;
        QStringList what;
        for (qsizetype i = 3; i < words.size() && !words.at(i).startsWith('('); ++i)
            what.append(QString::fromUtf8(words.at(i)));
        const QString name = what.join(QLatin1Char(' '));
        if (!milestones.contains(name))
            milestones.insert(name, words.at(1).toDouble());
    }
}

} // namespace

FirstRowsTimes guiFirstRows(const QString& gui, const QString& db)
{
    QProcess process;
    const auto start = Clock::now();
    startOffscreen(process, gui, {db, QStringLiteral("--read-only"), QStringLiteral("--exit-after-first-rows")}, true);
    const QByteArray prefix = "first_rows_painted_ms ";
    FirstRowsTimes times;
    while (times.outsideMs == 0) {
        if (!process.canReadLine() && !process.waitForReadyRead(60'000))
            failed(process, QStringLiteral("queuedesk --exit-after-first-rows"));
        while (process.canReadLine()) {
            const QByteArray line = process.readLine().trimmed();
            if (line.startsWith(prefix)) {
                times.outsideMs = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
                times.insideMs = line.mid(prefix.size()).toDouble();
            }
        }
    }
    if (!process.waitForFinished(60'000) || process.exitCode() != 0)
        failed(process, QStringLiteral("queuedesk --exit-after-first-rows (exit)"));
    readMilestones(process.readAllStandardError(), times.milestones);
    return times;
}

double guiVersionMs(const QString& gui)
{
    QProcess process;
    process.setStandardOutputFile(QProcess::nullDevice());
    const auto start = Clock::now();
    startOffscreen(process, gui, {QStringLiteral("--version")});
    if (!process.waitForFinished(60'000) || process.exitCode() != 0)
        failed(process, QStringLiteral("queuedesk --version"));
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

} // namespace qd::bench
