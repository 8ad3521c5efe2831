// A bounded soak: enqueue and drain at full speed for QD_SOAK_SECONDS (75 by default; scripts/torture.sh soak
// MINUTES runs it longer), sampling this process's resident memory and open file descriptors. After a warm-up,
// neither may keep growing: a leak per task or a descriptor left open per transaction shows up as a slope.
#include "core/queueengine.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace qd;

namespace {

qint64 residentKb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    // readAll, not atEnd/readLine: a /proc file reports size 0, so QFile believes it is at its end at once.
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

int openFiles()
{
    return int(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System).size());
}

struct Sample {
    qint64 atMs = 0;
    qint64 rssKb = 0;
    int fds = 0;
    qint64 done = 0;
};

double averageRss(const QList<Sample>& samples)
{
    double sum = 0;
    for (const Sample& s : samples)
        sum += double(s.rssKb);
    return samples.isEmpty() ? 0 : sum / double(samples.size());
}

} // namespace

class TestSoak : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fullSpeedStaysBounded();
};

void TestSoak::fullSpeedStaysBounded()
{
    bool ok = false;
    const int seconds = qEnvironmentVariableIntValue("QD_SOAK_SECONDS", &ok);
    const qint64 durationMs = (ok && seconds > 0 ? seconds : 75) * 1000LL;
    const qint64 sampleEveryMs = std::max<qint64>(2000, durationMs / 30);
    QTemporaryDir dir;
    EngineOptions options;
    options.store.path = dir.filePath(QStringLiteral("soak.db"));
    options.workerCount = 4;
    options.sampleIntervalMs = 1000; // live metrics and their history are part of the steady state
    auto engine = QueueEngine::open(options);
    QVERIFY2(engine, qPrintable(engine.errorString()));
    QueueEngine& queue = **engine;

    NewTask noop;
    noop.queue = QStringLiteral("soak");
    noop.type = QStringLiteral("noop");
    NewTask sleep = noop;
    sleep.type = QStringLiteral("sleep");
    sleep.payload = R"({"ms":1})";
    NewTask flaky = sleep;
    flaky.payload = R"({"ms":0,"fail":"retryable"})";
    flaky.maxAttempts = 2;
    flaky.retryPolicy = RetryPolicy {1, 1, 0.0};
    QList<NewTask> batch;
    for (int i = 0; i < 200; ++i)
        batch.append(i % 10 == 0 ? sleep : i % 50 == 1 ? flaky : noop);

    QList<Sample> samples;
    qint64 purged = 0;
    qint64 enqueued = 0;
    QElapsedTimer clock;
    clock.start();
    qint64 nextSample = 0;
    qint64 nextPurge = 2000;
    auto finished = [&] {
        const StateCounts c = queue.counts().value(QStringLiteral("soak"));
        return purged + c[std::size_t(TaskState::Succeeded)] + c[std::size_t(TaskState::Failed)];
    };
    while (clock.elapsed() < durationMs) {
        const StateCounts c = queue.counts().value(QStringLiteral("soak"));
        if (c[std::size_t(TaskState::Queued)] + c[std::size_t(TaskState::Scheduled)] < 400) {
            auto stored = queue.enqueueBatch(batch);
            QVERIFY2(stored, qPrintable(stored.errorString()));
            QVERIFY(queue.enqueue(noop)); // the single-task path too
            enqueued += batch.size() + 1;
        } else {
            QTest::qWait(5);
        }
        if (clock.elapsed() >= nextPurge) { // an admin clearing finished work keeps the file at a steady size
            nextPurge += 2000;
            TaskFilter done;
            done.states = {TaskState::Succeeded, TaskState::Failed};
            auto removed = queue.purge(done);
            QVERIFY2(removed, qPrintable(removed.errorString()));
            purged += *removed;
        }
        if (clock.elapsed() >= nextSample) {
            nextSample += sampleEveryMs;
            samples.append({clock.elapsed(), residentKb(), openFiles(), finished()});
        }
    }
    samples.append({clock.elapsed(), residentKb(), openFiles(), finished()});
    const qint64 done = finished();

    qInfo("%8s %10s %5s %10s", "t (s)", "RSS (kB)", "fds", "finished");
    for (const Sample& s : std::as_const(samples))
        qInfo("%8.1f %10lld %5d %10lld", double(s.atMs) / 1000.0, s.rssKb, s.fds, s.done);
    qInfo("enqueued %lld, finished %lld tasks in %.1f s (%.0f tasks/s)", enqueued, done,
        double(clock.elapsed()) / 1000.0, double(done) * 1000.0 / double(clock.elapsed()));

    QVERIFY2(samples.size() >= 9, "too few samples to judge a trend");
    for (const Sample& s : std::as_const(samples))
        QVERIFY2(s.rssKb > 0 && s.fds > 0, "cannot read /proc/self: nothing to judge");
    QVERIFY2(done > 1000, "the soak did not run at speed: nothing to judge");
    // The first quarter is warm-up (caches, thread stacks, SQLite's page cache filling to its limit).
    const QList<Sample> steady = samples.mid(samples.size() / 4);
    const qsizetype third = steady.size() / 3;
    const double early = averageRss(steady.mid(0, third));
    const double late = averageRss(steady.mid(steady.size() - third));
    int minFds = steady.first().fds;
    int maxFds = minFds;
    for (const Sample& s : steady) {
        minFds = std::min(minFds, s.fds);
        maxFds = std::max(maxFds, s.fds);
    }
    qInfo("steady state: RSS %.0f kB in the first third, %.0f kB in the last (%+.1f %%); fds %d..%d", early, late,
        (late - early) * 100.0 / early, minFds, maxFds);
    QVERIFY2(maxFds - minFds <= 2, "open file descriptors grow under load");
#ifdef QD_SANITIZED_BUILD
    qInfo("RSS growth is not judged in a sanitizer build (quarantine and shadow memory); LeakSanitizer judges leaks");
#else
    // 10 % plus 4 MB of slack for allocator noise (about 6.5 MB here); the steady part runs some 50,000 tasks, so
    // a leak of about 150 bytes per task, or a cache that never stops growing, fails it.
    QVERIFY2(late <= early * 1.10 + 4096,
        qPrintable(QStringLiteral("RSS grew from %1 kB to %2 kB").arg(early, 0, 'f', 0).arg(late, 0, 'f', 0)));
#endif
}

QTEST_GUILESS_MAIN(TestSoak)
#include "tst_soak.moc"
