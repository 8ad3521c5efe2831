#include "processdrain.h"

#include <QProcess>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const QString& what)
{
    std::fprintf(stderr, "qd_bench: %s\n", qPrintable(what));
    std::exit(2);
}

double perSecond(qint64 operations, Clock::time_point start)
{
    return double(operations) / std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

double processDrainRate(
    const QString& cli, const QString& url, int expected, int processes, int threads, const DrainControl& control)
{
    std::vector<std::unique_ptr<QProcess>> workers;
    auto stopAll = [&] {
        for (auto& p : workers)
            p->terminate();
        for (auto& p : workers) {
            if (!p->waitForFinished(15'000)) {
                p->kill();
                p->waitForFinished(5'000);
            }
        }
    };
    for (int i = 0; i < processes; ++i) {
        auto p = std::make_unique<QProcess>();
        p->setProgram(cli);
        p->setArguments({QStringLiteral("--db"), url, QStringLiteral("work"), QStringLiteral("--concurrency"),
            QString::number(threads), QStringLiteral("--report-ms"), QStringLiteral("0")});
        p->setReadChannel(QProcess::StandardError);
        p->setStandardOutputFile(QProcess::nullDevice());
        p->start();
        if (!p->waitForStarted(10'000))
            die(QStringLiteral("cannot start %1: %2").arg(cli, p->errorString()));
        workers.push_back(std::move(p));
    }
    // Ready when each has opened its engine (its "working on" line); the queue is still paused, so none has
    // claimed anything yet and start-up is not timed.
    for (auto& p : workers) {
        QByteArray said;
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        while (!said.contains("working on")) {
            if (Clock::now() > deadline || p->state() != QProcess::Running) {
                said += p->readAllStandardError();
                stopAll();
                die(QStringLiteral("a worker process did not start: %1").arg(QString::fromLocal8Bit(said)));
            }
            p->waitForReadyRead(100);
            said += p->readAllStandardError();
        }
    }
    control.prepareResume();
    const auto start = Clock::now();
    control.commitResume();
    // Polled, with the wait shortened as the end nears: a count costs the server a few ms, so polling often
    // would take CPU from the workers, polling seldom would blur the end.
    const auto deadline = start + std::chrono::minutes(10);
    for (;;) {
        const qint64 done = control.succeeded();
        if (done >= expected)
            break;
        for (auto& p : workers) {
            // Read what they say so that a full pipe never blocks a worker.
            const QByteArray said = p->readAllStandardError();
            if (!said.isEmpty())
                std::fprintf(stderr, "  worker: %s", said.constData());
            if (p->state() != QProcess::Running) {
                stopAll();
                die(QStringLiteral("a worker process ended during the drain: %1").arg(QString::fromLocal8Bit(said)));
            }
        }
        if (Clock::now() > deadline) {
            stopAll();
            die(QStringLiteral("%1 drain: %2 of %3 done after 10 minutes").arg(control.server).arg(done).arg(expected));
        }
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        double wait = 0.05;
        if (done > 0)
            wait = std::clamp(0.5 * double(expected - done) * elapsed / double(done), 0.005, 0.2);
        std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    }
    const double rate = perSecond(expected, start);
    stopAll();
    if (const qint64 left = control.notSucceeded(); left != 0)
        die(QStringLiteral("%1 drain: %2 tasks not succeeded").arg(control.server).arg(left));
    return rate;
}

} // namespace qd::bench
