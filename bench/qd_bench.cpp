// qd_bench: the QueueDesk benchmark suite (figures B1-B10 of the benchmark issue; B7-B9 run in qd_bench_ui). Run it
// through scripts/bench.sh, which builds it and writes bench-results/BENCHMARKS.md and bench-results/benchmarks.json.
//
// Plain C++ with std::chrono rather than Google Benchmark: every figure is a ratio of QueueDesk against a baseline
// measured in the same repetition (interleaved, order alternating), several figures need many producer threads or
// an open-loop load with latency percentiles, and the output is a goal table. Google Benchmark's model (one
// function, iterations chosen by the library, one number each) fits none of that without fighting it.

#include "amqpbench.h"
#include "amqpdrainbench.h"
#include "amqpoutbench.h"
#include "baselines.h"
#include "bigdatabase.h"
#include "dashboardbench.h"
#include "enginebench.h"
#include "exportbench.h"
#include "failuresbench.h"
#include "figure.h"
#include "forecastbench.h"
#include "handofflatency.h"
#include "mariadbbench.h"
#include "oneshotbench.h"
#include "pgbench.h"
#include "report.h"
#include "signingbench.h"
#include "spoolbench.h"
#include "startupbench.h"
#include "typehistorybench.h"
#include "uirunner.h"
#include "workloadbench.h"

#include "core/taskstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>

using namespace qd;
using namespace qd::bench;

namespace {

struct Sizes {
    int repetitions = 5;
    int slowRepetitions = 3; // B4, B7-B9 and B12, which take seconds per run
    // B5 and B6: a p99 of 1,000 starts, or 2 s of two busy threads, moves with every burst on a shared machine;
    // more runs steady their median (and widen their min-max).
    int noisyRepetitions = 7;
    int enqueueCalls = 20'000; // B1
    int durableCalls = 1'000; // B2, with 1 producer; 8 producers do 4x as many (a flush takes ms on a busy disk)
    int batches = 100; // B3, of 1,000 tasks
    int drainTasks = 100'000; // B4
    double latencySeconds = 5; // B5, per offered load
    MixedWorkloadSize mixed {48, 8, 100'000}; // B6: about 4 s of work for 2 threads
    int bigTasks = 1'000'000; // B7, B9, B10, B14
    int oneShotRuns = 15; // B14: processes per command and repetition
    double guiLoadSeconds = 10; // B8
    double guiLoadRate = 20'000; // B8, tasks/s offered
    int scrollPositions = 400; // B9: positions from top to bottom (0: every page; 1M rows are 3,907 pages)
    int pgEnqueueCalls = 5'000; // B11: a commit is a WAL flush (fsync on), about as slow as B2's
    int pgBatches = 20; // B11, of 1,000 tasks
    int pgDrainTasks = 20'000; // B12
    int pgThreadsPerProcess = 2; // B12: `work --concurrency`; 2 is its default on this 2-core machine
    int amqpMessages = 20'000; // B16
    int amqpOutMessages = 4'000; // B19: one confirm at a time, about 1k/s per thread
    double forecastScale = 1; // B17: the length of its phases (1: about 4 min in all)
    int forecastRuns = 1; // B17: runs of every scenario, each with its own seed (--reps)
    int encryptedTasks = 50'000; // B18
};

Sizes quickSizes()
{
    Sizes s;
    s.repetitions = 3;
    s.slowRepetitions = 2;
    s.noisyRepetitions = 3;
    s.enqueueCalls = 2'000;
    s.durableCalls = 300;
    s.batches = 10;
    s.drainTasks = 5'000;
    s.encryptedTasks = 5'000;
    s.latencySeconds = 1;
    s.mixed = {4, 2, 5'000};
    s.bigTasks = 20'000;
    s.oneShotRuns = 5;
    s.guiLoadSeconds = 2;
    s.scrollPositions = 0;
    s.pgEnqueueCalls = 400;
    s.pgBatches = 3;
    s.pgDrainTasks = 1'000;
    s.amqpMessages = 2'000;
    s.amqpOutMessages = 1'000;
    s.forecastScale = 0.35;
    return s;
}

// Database files in one directory on the disk being measured; each run gets a fresh file, removed afterwards so
// a full suite does not pile up gigabytes.
class Scratch {
public:
    explicit Scratch(const QString& base)
        : m_dir(QDir(base).filePath(QStringLiteral("qd-bench-XXXXXX")))
    {
        if (!m_dir.isValid()) {
            std::fprintf(stderr, "qd_bench: cannot create a scratch directory in %s\n", qPrintable(base));
            std::exit(2);
        }
    }
    QString path() const { return m_dir.path(); }
    QString newFile(const QString& stem)
    {
        return m_dir.filePath(QStringLiteral("%1-%2.db").arg(stem).arg(++m_counter));
    }
    static void remove(const QString& db)
    {
        for (const char* suffix : {"", "-wal", "-shm"})
            QFile::remove(db + QLatin1String(suffix));
    }

private:
    QTemporaryDir m_dir;
    int m_counter = 0;
};

// A database with QueueDesk's schema and nothing else, for the raw baselines.
QString schemaOnly(Scratch& scratch, const QString& stem)
{
    const QString path = scratch.newFile(stem);
    bench::createSchemaFile(path);
    return path;
}

QString copyOf(Scratch& scratch, const QString& source, const QString& stem)
{
    const QString path = scratch.newFile(stem);
    for (const char* suffix : {"", "-wal"}) {
        const QString from = source + QLatin1String(suffix);
        if (QFile::exists(from) && !QFile::copy(from, path + QLatin1String(suffix))) {
            std::fprintf(stderr, "qd_bench: cannot copy %s\n", qPrintable(from));
            std::exit(2);
        }
    }
    return path;
}

double measured(const char* what, const std::function<double()>& fn)
{
    const double value = fn();
    std::fprintf(stderr, "  %-58s %12.1f\n", what, value);
    return value;
}

// Runs the measurements of one repetition in the given order, reversed on odd repetitions so that neither side
// always runs on a warmer (or busier) machine.
void interleaved(int repetition, std::vector<std::function<void()>> steps)
{
    if (repetition % 2)
        std::reverse(steps.begin(), steps.end());
    for (auto& step : steps)
        step();
}

Figure makeFigure(const QString& id, const QString& title, const QString& variant, const QString& unit,
    const QString& baselineName, Figure::Goal goal, double goalValue)
{
    Figure f;
    f.id = id;
    f.title = title;
    f.variant = variant;
    f.unit = unit;
    f.baselineName = baselineName;
    f.goal = goal;
    f.goalValue = goalValue;
    return f;
}

void addPair(Figure& f, double subject, double baseline)
{
    f.subject.add(subject);
    f.baseline.add(baseline);
    f.ratio.add(subject / baseline);
}

QList<Figure> benchEnqueue(Scratch& scratch, const Sizes& s)
{
    std::fprintf(stderr, "B1: enqueue, one task per call, Normal durability (%d calls)\n", s.enqueueCalls);
    Figure strict
        = makeFigure(QStringLiteral("B1"), QStringLiteral("enqueue 1/call"), QStringLiteral("Normal, 1 producer"),
            QStringLiteral("tasks/s"), QStringLiteral("raw insert, 1 row/commit"), Figure::Goal::RatioAtLeast, 0.8);
    strict.note
        = QStringLiteral("Baseline: the same task row through the SQLite C API, one row per BEGIN IMMEDIATE/COMMIT, "
                         "WAL + synchronous=NORMAL, schema and indexes created by TaskStore. QueueDesk also writes "
                         "the \"enqueued\" history row, ensures the queue exists and reads its defaults per call; "
                         "the second row compares with a baseline that writes the history row too.");
    Figure withEvents = makeFigure(QStringLiteral("B1"), QStringLiteral("enqueue 1/call"),
        QStringLiteral("Normal, 1 producer (vs task + event rows)"), QStringLiteral("tasks/s"),
        QStringLiteral("raw insert task + event, 1/commit"), Figure::Goal::None, 0);
    for (int rep = 0; rep < s.repetitions; ++rep) {
        double raw = 0, rawEvents = 0, engine = 0;
        interleaved(rep,
            {[&] {
                 const QString p = schemaOnly(scratch, QStringLiteral("b1-raw"));
                 raw = measured(
                     "raw insert, 1 row/commit", [&] { return rawInsertRate(p, s.enqueueCalls, 1, false, false); });
                 Scratch::remove(p);
             },
                [&] {
                    const QString p = schemaOnly(scratch, QStringLiteral("b1-rawev"));
                    rawEvents = measured("raw insert task+event, 1/commit",
                        [&] { return rawInsertRate(p, s.enqueueCalls, 1, true, false); });
                    Scratch::remove(p);
                },
                [&] {
                    const QString p = scratch.newFile(QStringLiteral("b1-engine"));
                    engine = measured("QueueEngine::enqueue, Normal",
                        [&] { return engineEnqueueRate(p, Durability::Normal, s.enqueueCalls, 1); });
                    Scratch::remove(p);
                }});
        addPair(strict, engine, raw);
        addPair(withEvents, engine, rawEvents);
    }
    return {strict, withEvents};
}

QList<Figure> benchDurable(Scratch& scratch, const Sizes& s)
{
    std::fprintf(stderr, "B2: enqueue, one task per call, Full durability (%d calls; 8 producers: %d)\n",
        s.durableCalls, s.durableCalls * 4);
    const QString fsyncName = QStringLiteral("4 KiB write+fdatasync");
    Figure one = makeFigure(QStringLiteral("B2"), QStringLiteral("enqueue 1/call, Full"), QStringLiteral("1 producer"),
        QStringLiteral("ops/s"), fsyncName, Figure::Goal::RatioAtLeast, 0.8);
    Figure eight = makeFigure(QStringLiteral("B2"), QStringLiteral("enqueue 1/call, Full"),
        QStringLiteral("8 producers"), QStringLiteral("ops/s"), fsyncName, Figure::Goal::RatioAtLeast, 4.0);
    eight.note = QStringLiteral("Group commit: the writer thread puts the enqueues of all waiting producers into one "
                                "transaction, so one flush serves several calls.");
    Figure rawFull = makeFigure(QStringLiteral("B2"), QStringLiteral("enqueue 1/call, Full"),
        QStringLiteral("context: raw SQLite insert, FULL, 1 row/commit"), QStringLiteral("ops/s"), fsyncName,
        Figure::Goal::None, 0);
    for (int rep = 0; rep < s.repetitions; ++rep) {
        double fsync = 0, e1 = 0, e8 = 0, raw = 0;
        interleaved(rep,
            {[&] {
                 const QString p = scratch.newFile(QStringLiteral("b2-fsync"));
                 fsync = measured("write+fdatasync 4 KiB", [&] { return rawFsyncRate(p, s.durableCalls); });
                 Scratch::remove(p);
             },
                [&] {
                    const QString p = scratch.newFile(QStringLiteral("b2-e1"));
                    e1 = measured("QueueEngine::enqueue, Full, 1 producer",
                        [&] { return engineEnqueueRate(p, Durability::Full, s.durableCalls, 1); });
                    Scratch::remove(p);
                },
                [&] {
                    const QString p = scratch.newFile(QStringLiteral("b2-e8"));
                    e8 = measured("QueueEngine::enqueue, Full, 8 producers",
                        [&] { return engineEnqueueRate(p, Durability::Full, s.durableCalls * 4, 8); });
                    Scratch::remove(p);
                },
                [&] {
                    const QString p = schemaOnly(scratch, QStringLiteral("b2-raw"));
                    raw = measured("raw insert, FULL, 1 row/commit",
                        [&] { return rawInsertRate(p, s.durableCalls, 1, false, true); });
                    Scratch::remove(p);
                }});
        addPair(one, e1, fsync);
        addPair(eight, e8, fsync);
        addPair(rawFull, raw, fsync);
    }
    return {one, eight, rawFull};
}

QList<Figure> benchBatch(Scratch& scratch, const Sizes& s)
{
    const int rows = s.batches * 1000;
    std::fprintf(stderr, "B3: enqueueBatch of 1,000 (%d batches)\n", s.batches);
    Figure strict = makeFigure(QStringLiteral("B3"), QStringLiteral("enqueueBatch 1,000"), QStringLiteral("Normal"),
        QStringLiteral("tasks/s"), QStringLiteral("raw insert, 1,000 rows/commit"), Figure::Goal::RatioAtLeast, 0.6);
    Figure withEvents = makeFigure(QStringLiteral("B3"), QStringLiteral("enqueueBatch 1,000"),
        QStringLiteral("Normal (vs task + event rows)"), QStringLiteral("tasks/s"),
        QStringLiteral("raw insert task + event, 1,000/commit"), Figure::Goal::None, 0);
    for (int rep = 0; rep < s.repetitions; ++rep) {
        double raw = 0, rawEvents = 0, engine = 0;
        interleaved(rep,
            {[&] {
                 const QString p = schemaOnly(scratch, QStringLiteral("b3-raw"));
                 raw = measured(
                     "raw insert, 1,000 rows/commit", [&] { return rawInsertRate(p, rows, 1000, false, false); });
                 Scratch::remove(p);
             },
                [&] {
                    const QString p = schemaOnly(scratch, QStringLiteral("b3-rawev"));
                    rawEvents = measured("raw insert task+event, 1,000/commit",
                        [&] { return rawInsertRate(p, rows, 1000, true, false); });
                    Scratch::remove(p);
                },
                [&] {
                    const QString p = scratch.newFile(QStringLiteral("b3-engine"));
                    engine = measured(
                        "QueueEngine::enqueueBatch(1,000)", [&] { return engineBatchRate(p, s.batches, 1000); });
                    Scratch::remove(p);
                }});
        addPair(strict, engine, raw);
        addPair(withEvents, engine, rawEvents);
    }
    return {strict, withEvents};
}

QList<Figure> benchDrain(Scratch& scratch, const Sizes& s, const QString& amqpUrl)
{
    std::fprintf(stderr, "B4: drain %d ready noop tasks with full history\n", s.drainTasks);
    const QString filled = scratch.newFile(QStringLiteral("b4-template"));
    engineFillQueue(filled, s.drainTasks);
    const QList<int> workerCounts {1, 2, 4};
    QList<Figure> figures;
    for (int w : workerCounts) {
        figures.append(makeFigure(QStringLiteral("B4"), QStringLiteral("drain noop tasks"),
            QStringLiteral("%1 worker%2").arg(w).arg(w > 1 ? QStringLiteral("s") : QString()),
            QStringLiteral("tasks/s"), QStringLiteral("raw claim+complete, 1 tx/task"), Figure::Goal::RatioAtLeast,
            1.0));
    }
    figures.first().note = QStringLiteral(
        "Baseline: one thread, one transaction per task, TaskStore's statements on SQLite: the "
        "next task read and updated by id, its \"started\" event, the fenced complete UPDATE and "
        "its \"succeeded\" event. QueueDesk is timed from setWorkerCount() until its in-memory counts show every "
        "task succeeded; opening the engine is not timed.");
    // The same statements, a batch of tasks per transaction: what SQLite itself can do with claims and completions
    // grouped, the ceiling for any queue that keeps this history.
    constexpr int rawBatch = 64;
    for (int w : workerCounts) {
        figures.append(makeFigure(QStringLiteral("B4"), QStringLiteral("drain noop tasks, against batched SQLite"),
            QStringLiteral("%1 worker%2").arg(w).arg(w > 1 ? QStringLiteral("s") : QString()),
            QStringLiteral("tasks/s"), QStringLiteral("raw claim+complete, %1 tasks/tx").arg(rawBatch),
            Figure::Goal::None, 0));
    }
    figures[workerCounts.size()].note = QStringLiteral(
        "Baseline: the same statements as the first B4 rows, %1 tasks per transaction (claims, \"started\" events, "
        "completes, \"succeeded\" events): the most SQLite does for this history on this disk.")
                                            .arg(rawBatch);
    // The peer: RabbitMQ draining persistent messages with as many consumers as QueueDesk has workers, and the
    // fastest of those against QueueDesk's 4 workers (issue 24's goals: 1.5x and 3x).
    const qsizetype peerFirst = figures.size();
    if (!amqpUrl.isEmpty()) {
        for (int w : workerCounts) {
            figures.append(makeFigure(QStringLiteral("B4"), QStringLiteral("drain noop tasks, against RabbitMQ"),
                QStringLiteral("%1 worker%2 vs %1 consumer%2").arg(w).arg(w > 1 ? QStringLiteral("s") : QString()),
                QStringLiteral("tasks/s"), QStringLiteral("RabbitMQ, persistent, ack each"), Figure::Goal::RatioAtLeast,
                1.5));
        }
        figures.append(makeFigure(QStringLiteral("B4"), QStringLiteral("drain noop tasks, against the fastest peer"),
            QStringLiteral("4 workers"), QStringLiteral("tasks/s"),
            QStringLiteral("RabbitMQ's best of 1, 2, 4 consumers"), Figure::Goal::RatioAtLeast, 3.0));
        figures[peerFirst].note = QStringLiteral(
            "Peer: %1 persistent messages published with confirms into a fresh durable queue (not timed), drained "
            "by N rabbitmq-c consumers on their own connections (basic.qos 1,000, one basic.ack per message), timed "
            "from the first connection to the last ack, on the broker scripts/bench.sh starts.")
                                      .arg(s.amqpMessages);
    }
    for (int rep = 0; rep < s.slowRepetitions; ++rep) {
        double raw = 0;
        double rawBatched = 0;
        std::vector<double> peer(std::size_t(workerCounts.size()));
        std::vector<double> engine(std::size_t(workerCounts.size()));
        std::vector<std::function<void()>> steps;
        steps.push_back([&] {
            const QString p = copyOf(scratch, filled, QStringLiteral("b4-raw"));
            raw = measured("raw claim+complete loop", [&] { return rawDrainRate(p, s.drainTasks); });
            Scratch::remove(p);
        });
        steps.push_back([&] {
            const QString p = copyOf(scratch, filled, QStringLiteral("b4-rawbatch"));
            rawBatched
                = measured("raw claim+complete loop, batched", [&] { return rawDrainRate(p, s.drainTasks, rawBatch); });
            Scratch::remove(p);
        });
        for (qsizetype i = 0; i < workerCounts.size() && !amqpUrl.isEmpty(); ++i) {
            steps.push_back([&, i] {
                // A queue of its own per run (see benchAmqpIn).
                const QString queue = QStringLiteral("qd-bench-b4-%1-%2").arg(rep).arg(workerCounts[i]);
                amqpFillQueue(amqpUrl, queue, s.amqpMessages, QStringLiteral("b4-"));
                const QByteArray what = QStringLiteral("RabbitMQ drain, %1 consumers").arg(workerCounts[i]).toUtf8();
                peer[std::size_t(i)] = measured(
                    what.constData(), [&] { return amqpDrainRate(amqpUrl, queue, s.amqpMessages, workerCounts[i]); });
                amqpDeleteQueue(amqpUrl, queue);
            });
        }
        for (qsizetype i = 0; i < workerCounts.size(); ++i) {
            steps.push_back([&, i] {
                const QString p = copyOf(scratch, filled, QStringLiteral("b4-engine"));
                const QByteArray what = QStringLiteral("QueueEngine drain, %1 workers").arg(workerCounts[i]).toUtf8();
                engine[std::size_t(i)]
                    = measured(what.constData(), [&] { return engineDrainRate(p, s.drainTasks, workerCounts[i]); });
                Scratch::remove(p);
            });
        }
        interleaved(rep, std::move(steps));
        for (qsizetype i = 0; i < workerCounts.size(); ++i) {
            addPair(figures[i], engine[std::size_t(i)], raw);
            addPair(figures[workerCounts.size() + i], engine[std::size_t(i)], rawBatched);
        }
        if (!amqpUrl.isEmpty()) {
            for (qsizetype i = 0; i < workerCounts.size(); ++i)
                addPair(figures[peerFirst + i], engine[std::size_t(i)], peer[std::size_t(i)]);
            addPair(
                figures[peerFirst + workerCounts.size()], engine.back(), *std::max_element(peer.begin(), peer.end()));
        }
    }
    Scratch::remove(filled);
    return figures;
}

// B18: encryption at rest, enqueue and drain of the same tasks with and without a key, in the same repetitions.
QList<Figure> benchEncryption(Scratch& scratch, const Sizes& s)
{
    std::fprintf(stderr, "B18: enqueue and drain %d tasks (256-byte payloads), encrypted vs plain\n", s.encryptedTasks);
    Figure f = makeFigure(QStringLiteral("B18"), QStringLiteral("enqueue + drain, encrypted at rest"),
        QStringLiteral("2 workers, batches of 1,000"), QStringLiteral("tasks/s"),
        QStringLiteral("the same, not encrypted"), Figure::Goal::None, 0);
    f.note = QStringLiteral("Timed from the first enqueueBatch() until the engine's counts show every task "
                            "succeeded; the payload is sealed at enqueue, opened at claim, the result sealed at "
                            "completion (XChaCha20-Poly1305, libsodium).");
    for (int rep = 0; rep < s.slowRepetitions; ++rep) {
        double plain = 0, encrypted = 0;
        interleaved(rep,
            {[&] {
                 const QString p = scratch.newFile(QStringLiteral("b17-plain"));
                 plain = measured(
                     "enqueue + drain, plain", [&] { return engineEnqueueDrainRate(p, {}, s.encryptedTasks, 2); });
                 Scratch::remove(p);
             },
                [&] {
                    const QString p = scratch.newFile(QStringLiteral("b17-encrypted"));
                    encrypted = measured("enqueue + drain, encrypted",
                        [&] { return engineEnqueueDrainRate(p, p + QLatin1String(".key"), s.encryptedTasks, 2); });
                    Scratch::remove(p);
                    QFile::remove(p + QLatin1String(".key"));
                }});
        addPair(f, encrypted, plain);
    }
    return {f};
}

// B22: failure clusters (issue 18) over 100,000 failed attempts of mixed causes, against a plain GROUP BY of the raw
// error text on the same database.
QList<Figure> benchFailureClusters(Scratch& scratch, const Sizes& s)
{
    constexpr int errors = 100'000;
    std::fprintf(stderr, "B22: group %d failed attempts by error signature\n", errors);
    Figure f = makeFigure(QStringLiteral("B22"), QStringLiteral("failure clusters"),
        QStringLiteral("100,000 failed attempts, 8 kinds of error"), QStringLiteral("ms"),
        QStringLiteral("GROUP BY the raw error text"), Figure::Goal::ValueAtMost, 1000);
    const QString p = scratch.newFile(QStringLiteral("b22"));
    buildFailureHistory(p, errors, 22);
    int clusters = 0;
    for (int rep = 0; rep < s.repetitions; ++rep) {
        double subject = 0, baseline = 0;
        interleaved(rep,
            {[&] { subject = measured("TaskStore::failureClusters", [&] { return failureClustersMs(p, &clusters); }); },
                [&] { baseline = measured("GROUP BY detail", [&] { return rawGroupByMs(p); }); }});
        addPair(f, subject, baseline);
    }
    Scratch::remove(p);
    f.note = QStringLiteral("SQLite; every attempt's text is distinct but for its cause, so the baseline finds about "
                            "as many groups as rows while failureClusters finds %1. Both read every failed attempt; "
                            "failureClusters also joins each to its task's type and normalises the text.")
                 .arg(clusters);
    return {f};
}

// B27: the dashboard strip's read every 5 s at 1,000,000 tasks with their history (about 2.8 million events), against
// the kept-count read (countByQueueAndState) in the same repetition; context: the first read and the statements the
// strip ran before DashboardReader.
QList<Figure> benchDashboard(Scratch& scratch, const QString& bigDb, const Sizes& s)
{
    constexpr int reads = 9;
    std::fprintf(stderr, "B27: the dashboard's read at %d tasks with their history\n", s.bigTasks);
    const QString id = QStringLiteral("B27");
    const QString title = QStringLiteral("dashboard read");
    const QString ms = QStringLiteral("ms");
    const QString kept = QStringLiteral("kept counts (countByQueueAndState)");
    Figure refresh
        = makeFigure(id, title, QStringLiteral("refresh (every 5 s)"), ms, kept, Figure::Goal::ValueAtMost, 100);
    Figure first = makeFigure(
        id, title, QStringLiteral("context: first read (the day's events)"), ms, kept, Figure::Goal::None, 0);
    Figure old = makeFigure(
        id, title, QStringLiteral("context: before (4 serviceStats + GROUP BY)"), ms, kept, Figure::Goal::None, 0);
    const QString p = copyOf(scratch, bigDb, QStringLiteral("b27"));
    const qint64 events = addTaskHistory(p);
    qint64 today = 0;
    for (int rep = 0; rep < s.repetitions; ++rep) {
        const DashboardTimes t = measureDashboard(p, reads);
        addPair(refresh, t.refreshMs, t.keptCountsMs);
        addPair(first, t.firstReadMs, t.keptCountsMs);
        addPair(old, t.oldReadMs, t.keptCountsMs);
        today = t.processedToday;
        std::fprintf(stderr, "  refresh %.2f ms, first read %.2f ms, before %.2f ms, kept counts %.3f ms\n",
            t.refreshMs, t.firstReadMs, t.oldReadMs, t.keptCountsMs);
    }
    Scratch::remove(p);
    refresh.note = QStringLiteral(
        "SQLite, read-only as the window's reader; the big database plus %1 task events (each task's enqueued, "
        "started and ended events, shifted so the newest is now); \"today\" is the last 24 hours (%2 attempts "
        "ended). Each value is the median of %3 reads on one connection; the refresh is a DashboardReader's read "
        "after its first (the last hour's events and index seeks for the oldest queued task).")
                       .arg(events)
                       .arg(today)
                       .arg(reads);
    return {refresh, first, old};
}

// One repetition of B13 or B26: p50 and p99 of the other process's tasks against the same load in this process.
void addCrossProcessRun(Figure& p50, Figure& p99, const LatencyRun& across, const LatencyRun& within)
{
    addPair(p50, percentileOf(across.latenciesMs, 50), percentileOf(within.latenciesMs, 50));
    addPair(p99, percentileOf(across.latenciesMs, 99), percentileOf(within.latenciesMs, 99));
    std::fprintf(stderr,
        "  another process: p50 %.3f ms, p99 %.3f ms, max %.3f ms (%.0f/s achieved); same process: p50 %.3f ms, "
        "p99 %.3f ms\n",
        percentileOf(across.latenciesMs, 50), percentileOf(across.latenciesMs, 99),
        percentileOf(across.latenciesMs, 100), across.achievedRate, percentileOf(within.latenciesMs, 50),
        percentileOf(within.latenciesMs, 99));
}

QList<Figure> benchCrossProcessLatency(Scratch& scratch, const Sizes& s)
{
    constexpr double rate = 200;
    std::fprintf(stderr, "B13: enqueue-to-start latency across processes (%.0f s at %.0f tasks/s, 2 workers)\n",
        s.latencySeconds, rate);
    const QString baseline = QStringLiteral("the same load enqueued in the workers' own process");
    Figure p50 = makeFigure(QStringLiteral("B13"), QStringLiteral("enqueue to start, another process"),
        QStringLiteral("p50 at %1 tasks/s").arg(rate), QStringLiteral("ms"), baseline, Figure::Goal::ValueAtMost, 0.5);
    Figure p99 = makeFigure(QStringLiteral("B13"), QStringLiteral("enqueue to start, another process"),
        QStringLiteral("p99 at %1 tasks/s").arg(rate), QStringLiteral("ms"), baseline, Figure::Goal::ValueAtMost, 2.0);
    const QString self = QCoreApplication::applicationFilePath();
    for (int rep = 0; rep < s.noisyRepetitions; ++rep) {
        LatencyRun across, within;
        interleaved(rep,
            {[&] {
                 const QString p = scratch.newFile(QStringLiteral("b13"));
                 across = crossProcessLatency(p, rate, s.latencySeconds, 2, self);
                 Scratch::remove(p);
             },
                [&] {
                    const QString p = scratch.newFile(QStringLiteral("b13i"));
                    within = engineLatency(p, rate, s.latencySeconds, 2);
                    Scratch::remove(p);
                }});
        addCrossProcessRun(p50, p99, across, within);
    }
    p50.note = QStringLiteral(
        "Open loop: a producer process (qd_bench --latency-producer) enqueues; this process's engine runs 2 workers "
        "and "
        "is woken by its CommitBell (inotify on DB-wake/). The producer's steady-clock time travels in the payload.");
    return {p50, p99};
}

QList<Figure> benchLatency(Scratch& scratch, const Sizes& s)
{
    std::fprintf(stderr, "B5: enqueue-to-start latency (%.0f s per load, 2 workers)\n", s.latencySeconds);
    QList<Figure> figures;
    for (double rate : {200.0, 2000.0}) {
        Figure p50 = makeFigure(QStringLiteral("B5"), QStringLiteral("enqueue to handler start"),
            QStringLiteral("p50 at %1 tasks/s").arg(rate), QStringLiteral("ms"), {}, Figure::Goal::ValueAtMost, 0.5);
        Figure p99 = makeFigure(QStringLiteral("B5"), QStringLiteral("enqueue to handler start"),
            QStringLiteral("p99 at %1 tasks/s").arg(rate), QStringLiteral("ms"),
            QStringLiteral("two thread hand-offs, no database"), Figure::Goal::ValueAtMost, 2.0);
        Figure max = makeFigure(QStringLiteral("B5"), QStringLiteral("enqueue to handler start"),
            QStringLiteral("max at %1 tasks/s").arg(rate), QStringLiteral("ms"), {}, Figure::Goal::None, 0);
        Samples achieved;
        for (int rep = 0; rep < s.noisyRepetitions; ++rep) {
            LatencyRun run;
            std::vector<double> floor;
            interleaved(rep,
                {[&] {
                     const QString p = scratch.newFile(QStringLiteral("b5"));
                     run = engineLatency(p, rate, s.latencySeconds, 2);
                     Scratch::remove(p);
                 },
                    [&] { floor = handoffLatenciesMs(rate, s.latencySeconds); }});
            p50.subject.add(percentileOf(run.latenciesMs, 50));
            addPair(p99, percentileOf(run.latenciesMs, 99), percentileOf(floor, 99));
            max.subject.add(percentileOf(run.latenciesMs, 100));
            achieved.add(run.achievedRate);
            std::fprintf(stderr,
                "  %5.0f/s offered (%.0f achieved), %zu tasks: p50 %.3f ms, p99 %.3f ms, max %.3f ms; two thread "
                "hand-offs: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                rate, run.achievedRate, run.latenciesMs.size(), percentileOf(run.latenciesMs, 50),
                percentileOf(run.latenciesMs, 99), percentileOf(run.latenciesMs, 100), percentileOf(floor, 50),
                percentileOf(floor, 99), percentileOf(floor, 100));
        }
        p50.note
            = QStringLiteral("Open loop, one producer thread, 2 workers, probe handler; %1 tasks/s achieved (median). "
                             "The time is taken just before enqueue() and travels in the payload; the first 5% "
                             "(at most 50) tasks are warm-up and dropped.")
                  .arg(achieved.median(), 0, 'f', 0);
        figures += {p50, p99, max};
    }
    return figures;
}

// A database server the enqueue and drain figures run on (B11/B12: PostgreSQL, B20/B21: MariaDB), the one that
// scripts/bench.sh started (durable commits) or why there is none, and its raw C client's baseline.
struct ServerBench {
    QString enqueueId, drainId; // "B11", "B12"
    QString name; // "PostgreSQL"
    QString client; // "libpq"
    QString url; // empty: the figures are skipped
    QString unavailable; // the reason, for the report
    QString urlOption; // "--pg-url"
    QString enqueueNote, drainNote; // drainNote: %1 tasks, %2 threads per process
    std::function<QString(const QString& serverUrl, const QString& name)> create; // a fresh schema or database
    std::function<void(const QString& serverUrl, const QString& name)> drop;
    std::function<double(const QString& url, int rows, int rowsPerCommit)> rawInsertRate;
    std::function<void(const QString& url, int count)> fillQueue;
    std::function<double(const QString& url, int expected)> rawDrainRate;
    std::function<double(const QString& cli, const QString& url, int expected, int processes, int threads)>
        processDrainRate;
};

ServerBench postgresBench(const QString& url, const QString& unavailable)
{
    ServerBench b;
    b.enqueueId = QStringLiteral("B11");
    b.drainId = QStringLiteral("B12");
    b.name = QStringLiteral("PostgreSQL");
    b.client = QStringLiteral("libpq");
    b.url = url;
    b.unavailable = unavailable;
    b.urlOption = QStringLiteral("--pg-url");
    b.enqueueNote = QStringLiteral(
        "PostgreSQL 15 on this machine, fsync=on, synchronous_commit=on (every commit waits for its WAL flush), "
        "Unix socket, a fresh schema per measurement. Baseline: libpq, statements prepared once, PQexecPrepared of "
        "the task INSERT ... RETURNING id and its \"enqueued\" history row, BEGIN/COMMIT around each task (1,000 "
        "tasks for the batch figure). QueueDesk also ensures the queue exists, reads its defaults in the insert and "
        "sends a pg_notify per commit (the wake-up of other processes), through Qt's QPSQL driver and its writer "
        "thread.");
    b.drainNote = QStringLiteral(
        "%1 queued noop tasks (with their \"enqueued\" events) in a paused queue of a fresh schema, VACUUM ANALYZE "
        "and CHECKPOINT first. QueueDesk: real `queuedesk-cli --db URL work --concurrency %2` processes (the "
        "product's worker, default options), started and connected before the clock starts; the clock runs from "
        "the commit that resumes the queue (UPDATE + pg_notify, as QueueEngine::setPaused does) until a count in "
        "the database shows every task succeeded. Baseline: one process, libpq, one transaction per task: the "
        "claim UPDATE ... WHERE id IN (SELECT ... LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING <task columns>, its "
        "\"started\" event, the fenced complete UPDATE and its \"succeeded\" event, COMMIT (a WAL flush each). "
        "fsync=on. The machine has 2 cores shared by the server, the workers and qd_bench: more processes add "
        "contention, not CPU.");
    b.create = [](const QString& server, const QString& name) { return pgCreateSchema(server, name); };
    b.drop = pgDropSchema;
    b.rawInsertRate = pgRawInsertRate;
    b.fillQueue = pgFillQueue;
    b.rawDrainRate = pgRawDrainRate;
    b.processDrainRate = pgProcessDrainRate;
    return b;
}

ServerBench mariaDbBench(const QString& url, const QString& unavailable)
{
    ServerBench b;
    b.enqueueId = QStringLiteral("B20");
    b.drainId = QStringLiteral("B21");
    b.name = QStringLiteral("MariaDB");
    b.client = QStringLiteral("libmariadb");
    b.url = url;
    b.unavailable = unavailable;
    b.urlOption = QStringLiteral("--mariadb-url");
    b.enqueueNote = QStringLiteral(
        "MariaDB 10.11 on this machine, InnoDB, innodb_flush_log_at_trx_commit=1 (the default: every commit waits "
        "for its log flush), binary log off, Unix socket, a fresh database per measurement. Baseline: libmariadb's "
        "C API, statements prepared once (mysql_stmt_prepare), the task INSERT (its id from mysql_stmt_insert_id) "
        "and its \"enqueued\" history row, START TRANSACTION/COMMIT around each task (1,000 tasks for the batch "
        "figure). QueueDesk also ensures the queue exists, reads its defaults in the insert and bumps the change "
        "counter row in each commit (the wake-up of other processes), through Qt's QMYSQL driver and its writer "
        "thread.");
    b.drainNote = QStringLiteral(
        "%1 queued noop tasks (with their \"enqueued\" events) in a paused queue of a fresh database, ANALYZE TABLE "
        "first. QueueDesk: real `queuedesk-cli --db URL work --concurrency %2` processes (the product's worker, "
        "default options), started and connected before the clock starts; the clock runs from the commit that "
        "resumes the queue (UPDATE + change counter bump, as QueueEngine::setPaused does; the workers poll the "
        "counter every 20 ms) until a count in the database shows every task succeeded. Baseline: one process, "
        "libmariadb prepared statements, one transaction per task: SELECT <task columns> ... LIMIT 1 FOR UPDATE "
        "SKIP LOCKED, the claim UPDATE by id, its \"started\" event, the fenced complete UPDATE and its "
        "\"succeeded\" event, COMMIT (a log flush each). The machine has 2 cores shared by the server, the workers "
        "and qd_bench: more processes add contention, not CPU.");
    b.create = mariaDbCreateDatabase;
    b.drop = mariaDbDropDatabase;
    b.rawInsertRate = mariaDbRawInsertRate;
    b.fillQueue = mariaDbFillQueue;
    b.rawDrainRate = mariaDbRawDrainRate;
    b.processDrainRate = mariaDbProcessDrainRate;
    return b;
}

QList<Figure> skippedServer(const QString& id, const QString& title, const ServerBench& server)
{
    Figure f = makeFigure(id, title, server.name, QStringLiteral("tasks/s"), {}, Figure::Goal::None, 0);
    f.skipped = true;
    f.note = QStringLiteral("Skipped: %1")
                 .arg(server.unavailable.isEmpty()
                         ? QStringLiteral("no %1 given (scripts/bench.sh starts a server when the %2 server "
                                          "binaries are installed).")
                               .arg(server.urlOption, server.name)
                         : server.unavailable);
    std::fprintf(stderr, "%s: %s\n", qPrintable(id), qPrintable(f.note));
    return {f};
}

// A schema (PostgreSQL) or database (MariaDB) name per measurement: the server is shared by all of them, and one
// left behind by an interrupted run is dropped when it is created again.
QString benchSchema(const char* stem)
{
    static int counter = 0;
    return QStringLiteral("qd_bench_%1_%2").arg(QLatin1String(stem)).arg(++counter);
}

QList<Figure> benchServerEnqueue(Scratch& scratch, const Sizes& s, const ServerBench& server)
{
    const QString id = server.enqueueId, on = QStringLiteral(", ") + server.name;
    if (server.url.isEmpty())
        return skippedServer(id, QStringLiteral("enqueue on ") + server.name, server);
    const int batchRows = s.pgBatches * 1000;
    std::fprintf(stderr, "%s: enqueue on %s (%d calls; %d batches of 1,000)\n", qPrintable(id), qPrintable(server.name),
        s.pgEnqueueCalls, s.pgBatches);
    const QString rate = QStringLiteral("tasks/s");
    Figure one = makeFigure(id, QStringLiteral("enqueue 1/call") + on, QStringLiteral("1 producer"), rate,
        server.client + QStringLiteral(" task + event, 1/commit"), Figure::Goal::None, 0);
    one.note = server.enqueueNote;
    Figure batch = makeFigure(id, QStringLiteral("enqueueBatch 1,000") + on, QStringLiteral("1 producer"), rate,
        server.client + QStringLiteral(" task + event, 1,000/commit"), Figure::Goal::None, 0);
    Figure oneVsSqlite = makeFigure(id, QStringLiteral("enqueue 1/call") + on,
        QStringLiteral("context: against SQLite (B1's QueueDesk, same run)"), rate,
        QStringLiteral("SQLite QueueEngine::enqueue (Normal)"), Figure::Goal::None, 0);
    oneVsSqlite.note = QStringLiteral(
        "The same QueueDesk calls on the SQLite backend (a file on the same disk, WAL, synchronous=NORMAL: a commit "
        "is not flushed), measured in the same repetition: which backend is faster here, not a goal.");
    Figure flush = makeFigure(id, QStringLiteral("enqueue 1/call") + on,
        QStringLiteral("context: 4 KiB write+fdatasync on the disk of the server"), QStringLiteral("ops/s"), {},
        Figure::Goal::None, 0);
    flush.note = QStringLiteral("B2's baseline, in the same repetitions: with a flush per commit, one commit per "
                                "task cannot go faster than this.");
    Figure batchVsSqlite = makeFigure(id, QStringLiteral("enqueueBatch 1,000") + on,
        QStringLiteral("context: against SQLite (B3's QueueDesk, same run)"), rate,
        QStringLiteral("SQLite QueueEngine::enqueueBatch"), Figure::Goal::None, 0);
    const QByteArray rawOne = (server.client + QStringLiteral(" insert task+event, 1/commit")).toUtf8();
    const QByteArray rawMany = (server.client + QStringLiteral(" insert task+event, 1,000/commit")).toUtf8();
    const QByteArray engineOne = (server.name + QStringLiteral(" QueueEngine::enqueue")).toUtf8();
    const QByteArray engineMany = (server.name + QStringLiteral(" QueueEngine::enqueueBatch(1,000)")).toUtf8();
    for (int rep = 0; rep < s.repetitions; ++rep) {
        double raw1 = 0, rawBatch = 0, engine1 = 0, engineBatch = 0, sqlite1 = 0, sqliteBatch = 0;
        {
            const QString p = scratch.newFile(QStringLiteral("b11-fsync"));
            flush.subject.add(measured("write+fdatasync 4 KiB (context)", [&] { return rawFsyncRate(p, 300); }));
            Scratch::remove(p);
        }
        auto inSchema = [&](const char* stem, const std::function<double(const QString&)>& fn) {
            const QString schema = benchSchema(stem);
            const double value = fn(server.create(server.url, schema));
            server.drop(server.url, schema);
            return value;
        };
        interleaved(rep,
            {[&] {
                 raw1 = measured(rawOne.constData(), [&] {
                     return inSchema(
                         "enq_raw", [&](const QString& u) { return server.rawInsertRate(u, s.pgEnqueueCalls, 1); });
                 });
             },
                [&] {
                    engine1 = measured(engineOne.constData(), [&] {
                        return inSchema("enq_engine", [&](const QString& u) {
                            return engineEnqueueRate(u, Durability::Normal, s.pgEnqueueCalls, 1);
                        });
                    });
                },
                [&] {
                    const QString p = scratch.newFile(QStringLiteral("b11-sqlite"));
                    sqlite1 = measured("SQLite QueueEngine::enqueue, Normal",
                        [&] { return engineEnqueueRate(p, Durability::Normal, s.pgEnqueueCalls, 1); });
                    Scratch::remove(p);
                },
                [&] {
                    rawBatch = measured(rawMany.constData(), [&] {
                        return inSchema(
                            "enq_rawbatch", [&](const QString& u) { return server.rawInsertRate(u, batchRows, 1000); });
                    });
                },
                [&] {
                    engineBatch = measured(engineMany.constData(), [&] {
                        return inSchema(
                            "enq_enginebatch", [&](const QString& u) { return engineBatchRate(u, s.pgBatches, 1000); });
                    });
                },
                [&] {
                    const QString p = scratch.newFile(QStringLiteral("b11-sqlitebatch"));
                    sqliteBatch = measured("SQLite QueueEngine::enqueueBatch(1,000)",
                        [&] { return engineBatchRate(p, s.pgBatches, 1000); });
                    Scratch::remove(p);
                }});
        addPair(one, engine1, raw1);
        addPair(batch, engineBatch, rawBatch);
        addPair(oneVsSqlite, engine1, sqlite1);
        addPair(batchVsSqlite, engineBatch, sqliteBatch);
    }
    return {one, batch, oneVsSqlite, batchVsSqlite, flush};
}

// B26: B13 on a database server: a producer process enqueues into a fresh schema (database) while this process's
// engine runs 2 workers, woken by PostgreSQL's notifications or MariaDB's change counter.
QList<Figure> benchServerCrossProcessLatency(const Sizes& s, const ServerBench& server)
{
    const QString id = QStringLiteral("B26");
    const QString title = QStringLiteral("enqueue to start, another process, ") + server.name;
    if (server.url.isEmpty())
        return skippedServer(id, title, server);
    constexpr double rate = 200;
    std::fprintf(stderr, "%s: enqueue-to-start latency across processes on %s (%.0f s at %.0f tasks/s, 2 workers)\n",
        qPrintable(id), qPrintable(server.name), s.latencySeconds, rate);
    const QString baseline = QStringLiteral("the same load enqueued in the workers' own process");
    Figure p50 = makeFigure(id, title, QStringLiteral("p50 at %1 tasks/s").arg(rate), QStringLiteral("ms"), baseline,
        Figure::Goal::ValueAtMost, 0.5);
    Figure p99 = makeFigure(id, title, QStringLiteral("p99 at %1 tasks/s").arg(rate), QStringLiteral("ms"), baseline,
        Figure::Goal::ValueAtMost, 2.0);
    const QString self = QCoreApplication::applicationFilePath();
    for (int rep = 0; rep < s.noisyRepetitions; ++rep) {
        LatencyRun across, within;
        auto inSchema = [&](const char* stem, const std::function<LatencyRun(const QString&)>& fn) {
            const QString schema = benchSchema(stem);
            LatencyRun run = fn(server.create(server.url, schema));
            server.drop(server.url, schema);
            return run;
        };
        interleaved(rep,
            {[&] {
                 across = inSchema("lat_across",
                     [&](const QString& url) { return crossProcessLatency(url, rate, s.latencySeconds, 2, self); });
             },
                [&] {
                    within = inSchema("lat_within",
                        [&](const QString& url) { return engineLatency(url, rate, s.latencySeconds, 2); });
                }});
        addCrossProcessRun(p50, p99, across, within);
    }
    p50.note = QStringLiteral("B13's open loop on %1 (a fresh schema or database per run): the producer process "
                              "commits each task by itself; the workers' engine is woken by %2.")
                   .arg(server.name,
                       server.name == QLatin1String("PostgreSQL")
                           ? QStringLiteral("its LISTEN connection (pg_notify in each commit)")
                           : QStringLiteral("its change watcher and the CommitBell of processes on the same host"));
    return {p50, p99};
}

QList<Figure> benchServerDrain(Scratch& scratch, const Sizes& s, const ServerBench& server)
{
    const QString id = server.drainId, title = QStringLiteral("drain noop tasks, ") + server.name;
    if (server.url.isEmpty())
        return skippedServer(id, QStringLiteral("drain on ") + server.name, server);
    const QString cli = QStringLiteral(QD_BENCH_CLI);
    if (!QFileInfo(cli).isExecutable()) {
        ServerBench missing = server;
        missing.unavailable = QStringLiteral("%1 is not built.").arg(cli);
        return skippedServer(id, QStringLiteral("drain on ") + server.name, missing);
    }
    const int n = s.pgDrainTasks, threads = s.pgThreadsPerProcess;
    std::fprintf(stderr, "%s: drain %d ready noop tasks on %s with 1, 2, 4 worker processes (%d threads each)\n",
        qPrintable(id), n, qPrintable(server.name), threads);
    const QList<int> processCounts {1, 2, 4};
    QList<Figure> figures;
    for (int p : processCounts) {
        figures.append(makeFigure(id, title,
            QStringLiteral("%1 process%2 x %3 workers")
                .arg(p)
                .arg(p > 1 ? QStringLiteral("es") : QString())
                .arg(threads),
            QStringLiteral("tasks/s"), server.client + QStringLiteral(" claim+complete, 1 tx/task"), Figure::Goal::None,
            0));
    }
    Figure vsSqlite = makeFigure(id, title,
        QStringLiteral("context: 1 process x %1 workers against SQLite (B4's QueueDesk, same run)").arg(threads),
        QStringLiteral("tasks/s"), QStringLiteral("SQLite QueueEngine, %1 workers").arg(threads), Figure::Goal::None,
        0);
    vsSqlite.note = QStringLiteral("The same number of tasks drained by a SQLite QueueEngine with %1 worker threads "
                                   "in qd_bench's own process (B4's setup), in the same repetition.")
                        .arg(threads);
    figures.first().note = server.drainNote.arg(n).arg(threads);
    const QByteArray rawWhat = (server.client + QStringLiteral(" claim+complete loop")).toUtf8();
    for (int rep = 0; rep < s.slowRepetitions; ++rep) {
        double raw = 0, sqlite = 0;
        std::vector<double> engine(std::size_t(processCounts.size()));
        std::vector<std::function<void()>> steps;
        steps.push_back([&] {
            const QString schema = benchSchema("drain_raw");
            const QString url = server.create(server.url, schema);
            server.fillQueue(url, n);
            raw = measured(rawWhat.constData(), [&] { return server.rawDrainRate(url, n); });
            server.drop(server.url, schema);
        });
        for (qsizetype i = 0; i < processCounts.size(); ++i) {
            steps.push_back([&, i] {
                const QString schema = benchSchema("drain_work");
                const QString url = server.create(server.url, schema);
                server.fillQueue(url, n);
                const QByteArray what
                    = QStringLiteral("%1 drain, %2 work processes").arg(server.name).arg(processCounts[i]).toUtf8();
                engine[std::size_t(i)] = measured(
                    what.constData(), [&] { return server.processDrainRate(cli, url, n, processCounts[i], threads); });
                server.drop(server.url, schema);
            });
        }
        steps.push_back([&] {
            const QString p = scratch.newFile(QStringLiteral("b12-sqlite"));
            engineFillQueue(p, n);
            sqlite = measured("SQLite QueueEngine drain (context)", [&] { return engineDrainRate(p, n, threads); });
            Scratch::remove(p);
        });
        interleaved(rep, std::move(steps));
        for (qsizetype i = 0; i < processCounts.size(); ++i)
            addPair(figures[i], engine[std::size_t(i)], raw);
        addPair(vsSqlite, engine[0], sqlite);
    }
    figures.append(vsSqlite);
    return figures;
}

// Without a broker URL the figure is reported as skipped, with the reason; true then.
bool skippedWithoutBroker(Figure& f, const QString& url, const QString& unavailable)
{
    if (!url.isEmpty())
        return false;
    f.skipped = true;
    f.note = QStringLiteral("Skipped: %1")
                 .arg(unavailable.isEmpty() ? QStringLiteral("no --amqp-url given (scripts/bench.sh starts a "
                                                             "broker when rabbitmq-server is installed).")
                                            : unavailable);
    return true;
}

// B16: RabbitMQ messages into tasks through AmqpBridge against a raw rabbitmq-c consume-and-ack loop, on the broker
// scripts/bench.sh started (amqpbench.h). Skipped, with the reason, without one.
QList<Figure> benchAmqpIn(Scratch& scratch, const Sizes& s, const QString& url, const QString& unavailable)
{
    Figure f = makeFigure(QStringLiteral("B16"), QStringLiteral("AMQP in: messages to tasks"),
        QStringLiteral("%1 persistent messages").arg(s.amqpMessages), QStringLiteral("messages/s"),
        QStringLiteral("rabbitmq-c consume + ack loop"), Figure::Goal::RatioAtLeast, 0.7);
    if (skippedWithoutBroker(f, url, unavailable))
        return {f};
    std::fprintf(stderr, "B16: %d messages from RabbitMQ into tasks\n", s.amqpMessages);
    f.note = QStringLiteral(
        "The same %1 persistent text messages (with message ids), published with confirms into a fresh durable "
        "queue before each side starts. QueueDesk: AmqpBridge with its defaults (prefetch 4,000, batches of up "
        "to 1,000 or 5 ms, one enqueueBatch per batch into a fresh SQLite database, Normal durability, then one "
        "basic.ack multiple), type noop, so each message becomes a task with body, content type and headers in "
        "its payload. Baseline: rabbitmq-c's consume loop, basic.qos 1,000, one basic.ack per message, no "
        "database. Both timed from the connection attempt to the last ack.")
                 .arg(s.amqpMessages);
    // The CPU each side cost per message: wall time on a busy machine also measures the wait for a core.
    Figure cpu = makeFigure(QStringLiteral("B16"), QStringLiteral("AMQP in: messages to tasks"),
        QStringLiteral("context: this process's CPU time per message"), QStringLiteral("µs"),
        QStringLiteral("rabbitmq-c consume + ack loop"), Figure::Goal::None, 0);
    cpu.note = QStringLiteral(
        "CLOCK_PROCESS_CPUTIME_ID over each side's timed run, every thread of qd_bench (the bridge's receive and "
        "commit threads, the engine's writer), divided by the messages; the broker is another process, not counted.");
    for (int rep = 0; rep < s.repetitions; ++rep) {
        AmqpConsumeRun bridge, raw;
        const QString prefix = QStringLiteral("b15-%1-").arg(rep);
        // A queue of its own per run: RabbitMQ is slow for a while after a drained queue is deleted and declared
        // again under the same name (the old queue's files are cleaned up in the background).
        const QString rawQueue = QStringLiteral("qd-bench-b15-raw-%1").arg(rep);
        const QString bridgeQueue = QStringLiteral("qd-bench-b15-bridge-%1").arg(rep);
        interleaved(rep,
            {[&] {
                 amqpFillQueue(url, rawQueue, s.amqpMessages, prefix);
                 measured("rabbitmq-c consume + ack (messages/s)", [&] {
                     raw = amqpRawConsume(url, rawQueue, s.amqpMessages);
                     return raw.messagesPerSecond;
                 });
                 amqpDeleteQueue(url, rawQueue);
             },
                [&] {
                    amqpFillQueue(url, bridgeQueue, s.amqpMessages, prefix);
                    const QString db = scratch.newFile(QStringLiteral("b15"));
                    measured("AmqpBridge into tasks (messages/s)", [&] {
                        bridge = amqpBridgeConsume(url, bridgeQueue, db, s.amqpMessages);
                        return bridge.messagesPerSecond;
                    });
                    Scratch::remove(db);
                    amqpDeleteQueue(url, bridgeQueue);
                }});
        std::fprintf(stderr, "  CPU per message: bridge %.1f µs, raw loop %.1f µs\n", bridge.cpuMicrosPerMessage,
            raw.cpuMicrosPerMessage);
        addPair(f, bridge.messagesPerSecond, raw.messagesPerSecond);
        addPair(cpu, bridge.cpuMicrosPerMessage, raw.cpuMicrosPerMessage);
    }
    return {f, cpu};
}

// B19: `amqp` tasks out (2 workers, publish and confirm one at a time) against a raw rabbitmq-c publish-and-confirm
// loop on 2 threads, on the broker scripts/bench.sh started (amqpoutbench.h). Skipped, with the reason, without one.
QList<Figure> benchAmqpOut(Scratch& scratch, const Sizes& s, const QString& url, const QString& unavailable)
{
    Figure f = makeFigure(QStringLiteral("B19"), QStringLiteral("AMQP out: amqp tasks published"),
        QStringLiteral("%1 tasks, 2 workers").arg(s.amqpOutMessages), QStringLiteral("messages/s"),
        QStringLiteral("rabbitmq-c publish + confirm loop, 2 threads"), Figure::Goal::RatioAtLeast, 0.8);
    if (skippedWithoutBroker(f, url, unavailable))
        return {f};
    std::fprintf(stderr, "B19: %d amqp tasks out to RabbitMQ\n", s.amqpOutMessages);
    f.note = QStringLiteral(
        "The same shape on both sides: 2 threads, each publishing one persistent, mandatory message to a fresh "
        "durable queue through the default exchange and waiting for the broker's confirm before the next. "
        "QueueDesk: %1 amqp tasks stored beforehand in a fresh SQLite database (Normal durability), then a "
        "QueueEngine with 2 workers (AmqpPublishHandler, a connection per worker kept open), timed from the "
        "engine's open to the last success committed. Baseline: rabbitmq-c, a connection per thread in confirm "
        "mode, no database, timed from the first connection attempt to the last confirm.")
                 .arg(s.amqpOutMessages);
    for (int rep = 0; rep < s.repetitions; ++rep) {
        double tasks = 0, raw = 0;
        const QString rawQueue = QStringLiteral("qd-bench-b19-raw-%1").arg(rep);
        const QString taskQueue = QStringLiteral("qd-bench-b19-tasks-%1").arg(rep);
        interleaved(rep,
            {[&] {
                 raw = measured("rabbitmq-c publish + confirm (messages/s)",
                     [&] { return amqpRawPublishRate(url, rawQueue, s.amqpOutMessages); });
             },
                [&] {
                    const QString db = scratch.newFile(QStringLiteral("b19"));
                    tasks = measured("amqp tasks (tasks/s)",
                        [&] { return amqpTaskPublishRate(url, taskQueue, db, s.amqpOutMessages); });
                    Scratch::remove(db);
                }});
        addPair(f, tasks, raw);
    }
    return {f};
}

// One side of one figure, once, without a baseline: for profilers (valgrind --tool=callgrind counts instructions,
// which stays comparable on a noisy machine).
int profileOne(Scratch& scratch, const QString& outDir, const Sizes& s, const QString& what)
{
    double rate = 0;
    if (what == QLatin1String("engine-b1")) {
        rate = engineEnqueueRate(scratch.newFile(QStringLiteral("p")), Durability::Normal, s.enqueueCalls, 1);
    } else if (what.startsWith(QLatin1String("engine-b2-"))) {
        const int producers = std::max(1, what.mid(10).toInt());
        rate = engineEnqueueRate(scratch.newFile(QStringLiteral("p")), Durability::Full,
            producers == 1 ? s.durableCalls : s.durableCalls * 4, producers);
    } else if (what == QLatin1String("fsync-b2")) {
        rate = rawFsyncRate(scratch.newFile(QStringLiteral("p")), s.durableCalls);
    } else if (what == QLatin1String("raw-b1")) {
        rate = rawInsertRate(schemaOnly(scratch, QStringLiteral("p")), s.enqueueCalls, 1, false, false);
    } else if (what == QLatin1String("qt-positional-b3") || what == QLatin1String("qt-named-b3")) {
        rate = qtInsertRate(schemaOnly(scratch, QStringLiteral("p")), s.batches * 1000, 1000,
            what.startsWith(QLatin1String("qt-named")));
    } else if (what == QLatin1String("engine-b3")) {
        rate = engineBatchRate(scratch.newFile(QStringLiteral("p")), s.batches, 1000);
    } else if (what == QLatin1String("raw-b3")) {
        rate = rawInsertRate(schemaOnly(scratch, QStringLiteral("p")), s.batches * 1000, 1000, false, false);
    } else if (what.startsWith(QLatin1String("engine-b4-"))) {
        const QString p = scratch.newFile(QStringLiteral("p"));
        engineFillQueue(p, s.drainTasks);
        rate = engineDrainRate(p, s.drainTasks, what.section(QLatin1Char('-'), 2).toInt());
    } else if (what.startsWith(QLatin1String("latency-"))) {
        // latency-<rate>[-nosample|-nockpt]
        const LatencyRun run = engineLatency(scratch.newFile(QStringLiteral("p")),
            what.section(QLatin1Char('-'), 1, 1).toDouble(), s.latencySeconds, 2, what.section(QLatin1Char('-'), 2, 2));
        std::printf("%s: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms (%zu tasks)\n",
            qPrintable(what), percentileOf(run.latenciesMs, 50), percentileOf(run.latenciesMs, 90),
            percentileOf(run.latenciesMs, 99), percentileOf(run.latenciesMs, 99.9), percentileOf(run.latenciesMs, 100),
            run.latenciesMs.size());
        return 0;
    } else if (what == QLatin1String("export-b10") || what == QLatin1String("sqlite3-b10")) {
        // The cached database of B7/B9/B10 (built on first use), next to the results.
        const QString db = ensureBigDatabase(outDir, s.bigTasks);
        const QString csv = scratch.path() + QStringLiteral("/profile.csv");
        const double seconds = what.startsWith(QLatin1String("export")) ? exporterSeconds(db, csv, s.bigTasks)
                                                                        : sqliteShellSeconds(db, csv, s.bigTasks);
        rate = s.bigTasks / seconds;
    } else if (what == QLatin1String("loop-b6") || what == QLatin1String("engine-b6")) {
        const QList<NewTask> tasks = buildMixedWorkload(scratch.path() + QStringLiteral("/b6-files"), s.mixed);
        const double seconds = what.startsWith(QLatin1String("loop"))
            ? loopMixedRun(tasks, 2).seconds
            : engineMixedRun(scratch.newFile(QStringLiteral("p")), tasks, 2).seconds;
        rate = double(tasks.size()) / seconds;
    } else if (what == QLatin1String("raw-b4") || what == QLatin1String("raw-b4-batched")) {
        const QString p = scratch.newFile(QStringLiteral("p"));
        engineFillQueue(p, s.drainTasks);
        rate = rawDrainRate(p, s.drainTasks, what.endsWith(QLatin1String("batched")) ? 64 : 1);
    } else {
        std::fprintf(stderr, "qd_bench: unknown --profile %s\n", qPrintable(what));
        return 1;
    }
    std::printf("%s: %.1f ops/s\n", qPrintable(what), rate);
    return 0;
}

QList<Figure> benchMixed(Scratch& scratch, const Sizes& s)
{
    const QList<NewTask> tasks = buildMixedWorkload(scratch.path() + QStringLiteral("/b6-files"), s.mixed);
    std::fprintf(stderr, "B6: mixed workload, %lld image and logstats tasks, 2 workers\n", qlonglong(tasks.size()));
    Figure f = makeFigure(QStringLiteral("B6"), QStringLiteral("mixed workload (images, log stats)"),
        QStringLiteral("2 workers, %1 tasks").arg(tasks.size()), QStringLiteral("ms"),
        QStringLiteral("handlers in a plain loop, 2 threads"), Figure::Goal::RatioAtMost, 1.05);
    f.note = QStringLiteral("DemoWorkload inputs (%1 images 900x1350..2400x1600 as JPEG/PNG: thumbnails, crops, "
                            "WebP when supported; %2 access logs of %3 lines, every other one gzip). QueueDesk: "
                            "enqueueBatch, then 2 workers until the in-memory counts show every task succeeded. "
                            "Baseline: the same handlers called directly on 2 std::threads taking tasks in the "
                            "queue's dispatch order. Ratio = time through the queue / plain time (1.05 = 5% overhead).")
                 .arg(s.mixed.images)
                 .arg(s.mixed.logs)
                 .arg(s.mixed.logLines);
    Figure handlers = makeFigure(QStringLiteral("B6"), QStringLiteral("mixed workload (images, log stats)"),
        QStringLiteral("context: handlers' run time, both threads"), QStringLiteral("ms"),
        QStringLiteral("the same in the plain loop"), Figure::Goal::None, 0);
    handlers.note = QStringLiteral("Both sides call the handlers through one timing wrapper. Over 1 here, the "
                                   "handlers themselves ran longer through the queue; on a shared machine their run "
                                   "time also wanders from one repetition to the next, on either side.");
    Figure waiting = makeFigure(QStringLiteral("B6"), QStringLiteral("mixed workload (images, log stats)"),
        QStringLiteral("context: time the threads waited for a task, both threads"), QStringLiteral("ms"),
        QStringLiteral("the same in the plain loop"), Figure::Goal::None, 0);
    waiting.note = QStringLiteral("From the start to each thread's first task, and between its tasks: the queue's "
                                  "claims, commits and hand-offs, against the loop's atomic counter.");
    for (int rep = 0; rep < s.noisyRepetitions; ++rep) {
        MixedRun engine, loop;
        interleaved(rep,
            {[&] {
                 loop = loopMixedRun(tasks, 2);
                 std::fprintf(stderr, "  %-58s %12.1f (handlers %.1f ms, waiting %.1f ms)\n",
                     "handlers in a plain loop, 2 threads (ms)", 1000 * loop.seconds, loop.handlerMs, loop.waitingMs);
             },
                [&] {
                    const QString p = scratch.newFile(QStringLiteral("b6"));
                    engine = engineMixedRun(p, tasks, 2);
                    std::fprintf(stderr, "  %-58s %12.1f (handlers %.1f ms, waiting %.1f ms)\n",
                        "QueueEngine, 2 workers (ms)", 1000 * engine.seconds, engine.handlerMs, engine.waitingMs);
                    Scratch::remove(p);
                }});
        addPair(f, 1000 * engine.seconds, 1000 * loop.seconds);
        addPair(handlers, engine.handlerMs, loop.handlerMs);
        addPair(waiting, engine.waitingMs, loop.waitingMs);
    }
    return {f, handlers, waiting};
}

// A figure of one number that qd_bench_ui reported in each repetition.
Figure uiFigure(const QString& id, const QString& title, const QString& variant, const QString& unit, Figure::Goal goal,
    double goalValue, const QList<QJsonObject>& runs, const QString& key)
{
    Figure f = makeFigure(id, title, variant, unit, {}, goal, goalValue);
    for (const QJsonObject& run : runs)
        f.subject.add(run.value(key).toDouble());
    return f;
}

// A search timed through the trigram index against a LIKE scan of the same database in the same run.
Figure searchFigure(const QString& title, const QString& variant, const QList<QJsonObject>& runs, const QString& what)
{
    Figure f = uiFigure(QStringLiteral("B7"), title, variant, QStringLiteral("ms"), Figure::Goal::ValueAtMost, 200,
        runs, QStringLiteral("search_index_%1_ms").arg(what));
    f.baselineName = QStringLiteral("LIKE scan");
    for (const QJsonObject& run : runs) {
        const double like = run.value(QStringLiteral("search_like_%1_ms").arg(what)).toDouble();
        f.baseline.add(like);
        f.ratio.add(run.value(QStringLiteral("search_index_%1_ms").arg(what)).toDouble() / like);
    }
    return f;
}

QList<Figure> benchTable(const QString& bigDb, const Sizes& s)
{
    std::fprintf(
        stderr, "B7: task table on %d tasks (qd_bench_ui --measure table, %d runs)\n", s.bigTasks, s.slowRepetitions);
    QList<QJsonObject> runs;
    for (int rep = 0; rep < s.slowRepetitions; ++rep) {
        runs.append(
            runUiBench({QStringLiteral("--measure"), QStringLiteral("table"), QStringLiteral("--db"), bigDb}, 600));
        const QJsonObject& r = runs.last();
        std::fprintf(stderr,
            "  open %.1f ms (engine %.1f), last row %.1f ms, state filter %.1f ms, search %.1f ms, counts %.4f ms "
            "(SQL %.1f ms)\n",
            r.value(QStringLiteral("first_rows_ms")).toDouble(), r.value(QStringLiteral("engine_open_ms")).toDouble(),
            r.value(QStringLiteral("last_row_ms")).toDouble(),
            r.value(QStringLiteral("filter_state_rows_ms")).toDouble(),
            r.value(QStringLiteral("filter_search_rows_ms")).toDouble(),
            r.value(QStringLiteral("counts_memory_ms")).toDouble(),
            r.value(QStringLiteral("counts_sql_ms")).toDouble());
        std::fprintf(stderr, "  search first page %.1f ms (LIKE %.1f ms), count %.1f ms (LIKE %.1f ms)\n",
            r.value(QStringLiteral("search_index_page_ms")).toDouble(),
            r.value(QStringLiteral("search_like_page_ms")).toDouble(),
            r.value(QStringLiteral("search_index_count_ms")).toDouble(),
            r.value(QStringLiteral("search_like_count_ms")).toDouble());
    }
    const QString title = QStringLiteral("task table, %1 tasks").arg(s.bigTasks);
    const QString ms = QStringLiteral("ms");
    const QString b7 = QStringLiteral("B7");
    QList<Figure> figures {
        uiFigure(b7, title, QStringLiteral("open to first rows shown"), ms, Figure::Goal::ValueAtMost, 300, runs,
            QStringLiteral("first_rows_ms")),
        uiFigure(b7, title, QStringLiteral("of which QueueEngine::open"), ms, Figure::Goal::None, 0, runs,
            QStringLiteral("engine_open_ms")),
        uiFigure(b7, title, QStringLiteral("open to row count known"), ms, Figure::Goal::None, 0, runs,
            QStringLiteral("first_count_ms")),
        uiFigure(b7, title, QStringLiteral("jump to the last row"), ms, Figure::Goal::ValueAtMost, 100, runs,
            QStringLiteral("last_row_ms")),
        uiFigure(b7, title, QStringLiteral("context: jump to the middle row"), ms, Figure::Goal::None, 0, runs,
            QStringLiteral("middle_row_ms")),
        uiFigure(b7, title, QStringLiteral("filter change (state = failed) to first rows"), ms,
            Figure::Goal::ValueAtMost, 200, runs, QStringLiteral("filter_state_rows_ms")),
        uiFigure(b7, title, QStringLiteral("filter change (state = failed) to count"), ms, Figure::Goal::None, 0, runs,
            QStringLiteral("filter_state_count_ms")),
        uiFigure(b7, title, QStringLiteral("filter change (payload search) to first rows"), ms,
            Figure::Goal::ValueAtMost, 200, runs, QStringLiteral("filter_search_rows_ms")),
        searchFigure(title, QStringLiteral("payload search, first page of 256 (TaskStore::listTasks)"), runs,
            QStringLiteral("page")),
        searchFigure(
            title, QStringLiteral("payload search, count (TaskStore::countTasks)"), runs, QStringLiteral("count")),
        uiFigure(b7, title, QStringLiteral("counts per state (QueueEngine::counts, as the GUI reads them)"), ms,
            Figure::Goal::ValueAtMost, 10, runs, QStringLiteral("counts_memory_ms")),
        uiFigure(b7, title, QStringLiteral("counts per state by SQL (TaskStore::countByQueueAndState, once at open)"),
            ms, Figure::Goal::None, 0, runs, QStringLiteral("counts_sql_ms")),
    };
    figures.first().note = QStringLiteral(
        "qd_bench_ui in a fresh process per repetition (offscreen platform, database file warm in the page cache): "
        "QueueEngine::open (no workers) + TaskTableModel in a QTableView, timed to LoadedRole of row 0. Jump: "
        "scrollToBottom() to LoadedRole of the last row. Filter: setFilter() to the new count and to its row 0 "
        "(checked to be a failed task). The database: 85% succeeded, 5% failed, 2% cancelled, 6% queued, 2% "
        "scheduled, four queues, five types, no event history (bench/bigdatabase.cpp).");
    return figures;
}

// B25: process start to the first rows painted on the big database, against the same program on a database of
// 300 tasks (more than a page: the window's own cost), with --version (loading the program) as context; the rows
// after them are the program's start-up milestones (QD_STARTUP_TRACE), big against small, from process start.
QList<Figure> benchStartup(const QString& bigDb, const QString& smallDb, int smallTasks, const Sizes& s)
{
    std::fprintf(stderr, "B25: process start to first rows painted, %d against %d tasks (%d runs)\n", s.bigTasks,
        smallTasks, s.noisyRepetitions);
    const QString gui = QStringLiteral(QD_BENCH_GUI);
    const QString id = QStringLiteral("B25");
    const QString title = QStringLiteral("process start to first rows painted");
    const QString ms = QStringLiteral("ms");
    const QString small = QStringLiteral("%1 tasks, same program").arg(smallTasks);
    Figure first = makeFigure(id, title,
        QStringLiteral("%1 tasks (queuedesk --read-only --exit-after-first-rows)").arg(s.bigTasks), ms, small,
        Figure::Goal::ValueAtMost, 500);
    first.note = QStringLiteral(
        "Wall time from starting `queuedesk DB --read-only --exit-after-first-rows` (offscreen platform, "
        "QD_STARTUP_TRACE set) to its line saying the task table painted row 0 loaded, against the same on a "
        "database of %1 tasks, in the same repetition (order reversed on odd ones; %2 repetitions, as B5 and B6); "
        "context: `queuedesk --version`. "
        "The milestone rows are the program's own trace, in ms from the kernel's start of the process (10 ms "
        "granularity), big database against small. Databases warm in the page cache.")
                     .arg(smallTasks)
                     .arg(s.noisyRepetitions);
    Figure version = makeFigure(id, title, QStringLiteral("context: %1 tasks against --version").arg(s.bigTasks), ms,
        QStringLiteral("queuedesk --version"), Figure::Goal::None, 0);
    const QStringList milestones {QStringLiteral("main()"), QStringLiteral("QueueEngine::open"),
        QStringLiteral("MainWindow built"), QStringLiteral("MainWindow shown"),
        QStringLiteral("table's first page arrived"), QStringLiteral("first rows painted")};
    QList<Figure> steps;
    for (const QString& m : milestones)
        steps.append(makeFigure(id, title, QStringLiteral("milestone: %1").arg(m), ms, small, Figure::Goal::None, 0));
    for (int rep = 0; rep < s.noisyRepetitions; ++rep) {
        FirstRowsTimes big, few;
        double versionMs = 0;
        interleaved(rep,
            {[&] { big = guiFirstRows(gui, bigDb); }, [&] { few = guiFirstRows(gui, smallDb); },
                [&] { versionMs = guiVersionMs(gui); }});
        addPair(first, big.outsideMs, few.outsideMs);
        addPair(version, big.outsideMs, versionMs);
        for (qsizetype i = 0; i < milestones.size(); ++i)
            addPair(steps[i], big.milestones.value(milestones.at(i), -1), few.milestones.value(milestones.at(i), -1));
        std::fprintf(stderr, "  %d tasks %.1f ms, %d tasks %.1f ms, --version %.1f ms\n", s.bigTasks, big.outsideMs,
            smallTasks, few.outsideMs, versionMs);
        QStringList line;
        for (const QString& m : milestones)
            line.append(
                QStringLiteral("%1 %2/%3").arg(m).arg(big.milestones.value(m, -1)).arg(few.milestones.value(m, -1)));
        std::fprintf(stderr, "    milestones (big/small ms): %s\n", qPrintable(line.join(QStringLiteral(", "))));
    }
    return QList<Figure> {first, version} + steps;
}

QList<Figure> benchGuiLoad(Scratch& scratch, const Sizes& s)
{
    std::fprintf(stderr,
        "B8: MainWindow while %.0f tasks/s flow (%.0f s per run, %d runs, each with and without the "
        "window)\n",
        s.guiLoadRate, s.guiLoadSeconds, s.slowRepetitions);
    QList<QJsonObject> runs, bare;
    auto runOnce = [&](bool window) {
        const QString p = scratch.newFile(QStringLiteral("b8"));
        QStringList args {QStringLiteral("--measure"), QStringLiteral("guiload"), QStringLiteral("--db"), p,
            QStringLiteral("--rate"), QString::number(s.guiLoadRate), QStringLiteral("--seconds"),
            QString::number(s.guiLoadSeconds), QStringLiteral("--workers"), QStringLiteral("2")};
        if (!window)
            args.append(QStringLiteral("--no-window"));
        const QJsonObject r = runUiBench(args, int(s.guiLoadSeconds) + 300);
        Scratch::remove(p);
        std::fprintf(stderr, "  %-10s stall max %.1f ms, p99 %.1f ms; enqueued %.0f/s, completed %.0f/s\n",
            window ? "window:" : "no window:", r.value(QStringLiteral("stall_max_ms")).toDouble(),
            r.value(QStringLiteral("stall_p99_ms")).toDouble(), r.value(QStringLiteral("enqueue_rate")).toDouble(),
            r.value(QStringLiteral("completion_rate")).toDouble());
        (window ? runs : bare).append(r);
    };
    for (int rep = 0; rep < s.slowRepetitions; ++rep)
        interleaved(rep, {[&] { runOnce(true); }, [&] { runOnce(false); }});
    const QString title = QStringLiteral("GUI under %1 tasks/s").arg(s.guiLoadRate);
    const QString b8 = QStringLiteral("B8");
    const QString ms = QStringLiteral("ms");
    const QString rate = QStringLiteral("tasks/s");
    Figure stall = uiFigure(b8, title, QStringLiteral("longest GUI-thread stall"), ms, Figure::Goal::ValueAtMost, 50,
        runs, QStringLiteral("stall_max_ms"));
    // The same load without the window: what the scheduler alone costs the GUI thread on two busy cores.
    stall.baselineName = QStringLiteral("same load, no window");
    for (qsizetype i = 0; i < runs.size(); ++i) {
        const double b = bare.at(i).value(QStringLiteral("stall_max_ms")).toDouble();
        stall.baseline.add(b);
        stall.ratio.add(runs.at(i).value(QStringLiteral("stall_max_ms")).toDouble() / b);
    }
    Figure p99 = uiFigure(
        b8, title, QStringLiteral("p99 timer gap"), ms, Figure::Goal::None, 0, runs, QStringLiteral("stall_p99_ms"));
    p99.baselineName = stall.baselineName;
    for (qsizetype i = 0; i < runs.size(); ++i) {
        const double b = bare.at(i).value(QStringLiteral("stall_p99_ms")).toDouble();
        p99.baseline.add(b);
        p99.ratio.add(runs.at(i).value(QStringLiteral("stall_p99_ms")).toDouble() / b);
    }
    QList<Figure> figures {
        stall,
        p99,
        uiFigure(b8, title, QStringLiteral("achieved enqueue rate"), rate, Figure::Goal::None, 0, runs,
            QStringLiteral("enqueue_rate")),
        uiFigure(b8, title, QStringLiteral("achieved completion rate (2 workers)"), rate, Figure::Goal::None, 0, runs,
            QStringLiteral("completion_rate")),
        uiFigure(b8, title, QStringLiteral("context: completion rate without the window"), rate, Figure::Goal::None, 0,
            bare, QStringLiteral("completion_rate")),
    };
    figures.first().note = QStringLiteral(
        "A real MainWindow (offscreen) on an engine with 2 workers running noop tasks; a producer thread calls "
        "enqueueBatch(%1 tasks) 100 times a second on an open-loop schedule for %2 s. The stall is the longest gap "
        "between ticks of a 2 ms Qt::PreciseTimer on the GUI thread (so 2 ms means no stall at all). Baseline: the "
        "same process, load and probe without the MainWindow (the scheduler's share of the stall: engine, workers "
        "and producer keep both cores busy); the goal is judged on the absolute value.")
                               .arg(int(s.guiLoadRate / 100))
                               .arg(s.guiLoadSeconds);
    return figures;
}

QList<Figure> benchMemory(Scratch& scratch, const QString& bigDb, const Sizes& s)
{
    std::fprintf(stderr, "B9: resident memory, MainWindow on %d tasks scrolled through (%d runs)\n", s.bigTasks,
        s.slowRepetitions);
    QList<QJsonObject> full, empty;
    for (int rep = 0; rep < s.slowRepetitions; ++rep) {
        const QString p = schemaOnly(scratch, QStringLiteral("b9-empty"));
        empty.append(
            runUiBench({QStringLiteral("--measure"), QStringLiteral("memory"), QStringLiteral("--db"), p}, 120));
        Scratch::remove(p);
        full.append(runUiBench({QStringLiteral("--measure"), QStringLiteral("memory"), QStringLiteral("--db"), bigDb,
                                   QStringLiteral("--scroll-positions"), QString::number(s.scrollPositions)},
            3600));
        const QJsonObject& r = full.last();
        std::fprintf(stderr,
            "  empty window %.1f MiB; %d rows: %.1f MiB after scrolling (peak %.1f), opened %.1f MiB; first rows "
            "%.0f ms; %d steps in %.1f s (%d timeouts)\n",
            empty.last().value(QStringLiteral("rss_mib")).toDouble(), r.value(QStringLiteral("rows")).toInt(),
            r.value(QStringLiteral("rss_mib")).toDouble(), r.value(QStringLiteral("hwm_mib")).toDouble(),
            r.value(QStringLiteral("rss_open_mib")).toDouble(),
            r.value(QStringLiteral("window_first_rows_ms")).toDouble(), r.value(QStringLiteral("scroll_steps")).toInt(),
            r.value(QStringLiteral("scroll_ms")).toDouble() / 1000, r.value(QStringLiteral("scroll_timeouts")).toInt());
    }
    const QString title = QStringLiteral("resident memory");
    const QString b9 = QStringLiteral("B9");
    const QString mib = QStringLiteral("MiB");
    QList<Figure> figures {
        uiFigure(b9, title, QStringLiteral("MainWindow, %1 tasks, after scrolling top to bottom").arg(s.bigTasks), mib,
            Figure::Goal::ValueAtMost, 150, full, QStringLiteral("rss_mib")),
        uiFigure(b9, title, QStringLiteral("peak (VmHWM) of that run"), mib, Figure::Goal::None, 0, full,
            QStringLiteral("hwm_mib")),
        uiFigure(b9, title, QStringLiteral("MainWindow, %1 tasks, just opened").arg(s.bigTasks), mib,
            Figure::Goal::None, 0, full, QStringLiteral("rss_open_mib")),
        uiFigure(b9, title, QStringLiteral("context: MainWindow on an empty database"), mib, Figure::Goal::None, 0,
            empty, QStringLiteral("rss_mib")),
        uiFigure(b9, title, QStringLiteral("context: MainWindow open to first rows, %1 tasks").arg(s.bigTasks),
            QStringLiteral("ms"), Figure::Goal::None, 0, full, QStringLiteral("window_first_rows_ms")),
        uiFigure(b9, title, QStringLiteral("context: scrolling, per step (one page each)"), QStringLiteral("ms"),
            Figure::Goal::None, 0, {}, QString()),
    };
    Figure& perPage = figures.last();
    for (const QJsonObject& r : full)
        perPage.subject.add(r.value(QStringLiteral("scroll_ms")).toDouble()
            / std::max(1, r.value(QStringLiteral("scroll_steps")).toInt()));
    figures.first().note = QStringLiteral(
        "VmRSS of qd_bench_ui (a fresh process per repetition): a MainWindow (1280x800, offscreen, newest first) "
        "on the database of B7 with no workers, after scrolling the task table from top to bottom, each step "
        "waiting for its rows: %1.")
                               .arg(s.scrollPositions > 0
                                       ? QStringLiteral("%1 positions spread evenly, each a different page (the model "
                                                        "caches 64 pages of 256 rows, so it fills and evicts)")
                                             .arg(s.scrollPositions)
                                       : QStringLiteral("every page of 256 rows"));
    return figures;
}

QList<Figure> benchExport(const QString& bigDb, const QString& outDir, const Sizes& s)
{
    std::fprintf(stderr, "B10: export %d tasks to CSV\n", s.bigTasks);
    Figure f = makeFigure(QStringLiteral("B10"), QStringLiteral("export tasks to CSV"),
        QStringLiteral("%1 tasks").arg(s.bigTasks), QStringLiteral("tasks/s"), QStringLiteral("sqlite3 -csv -header"),
        Figure::Goal::RatioAtLeast, 0.5);
    if (!sqliteShellAvailable()) {
        f.skipped = true;
        f.note = QStringLiteral("Skipped: no sqlite3 shell on PATH (scripts/install-deps.sh installs it).");
        return {f};
    }
    f.note = QStringLiteral(
        "HistoryExporter::exportTasks (empty filter, CSV, to a file through QSaveFile; opening a read-only "
        "TaskStore is timed) against `sqlite3 -readonly -csv -header db 'SELECT <the same 19 columns> FROM tasks "
        "ORDER BY id' > file` (process start timed). Both outputs are checked to hold every row. QueueDesk also "
        "formats times as ISO 8601 and quotes per RFC 4180 with CRLF; the shell writes raw integers.");
    const QString out = QDir(outDir).filePath(QStringLiteral("b10-export.csv"));
    for (int rep = 0; rep < s.repetitions; ++rep) {
        double ours = 0, shell = 0;
        interleaved(rep,
            {[&] {
                 ours = measured("HistoryExporter::exportTasks CSV (tasks/s)",
                     [&] { return s.bigTasks / exporterSeconds(bigDb, out, s.bigTasks); });
             },
                [&] {
                    shell = measured("sqlite3 -csv (tasks/s)",
                        [&] { return s.bigTasks / sqliteShellSeconds(bigDb, out, s.bigTasks); });
                }});
        addPair(f, ours, shell);
    }
    return {f};
}

// B24: the window's event export against the CLI's code path on the same 200,000-event database (issue 17 measured
// the window about 110x slower), both in qd_bench_ui (the dialog needs a QApplication), one process per repetition.
QList<Figure> benchGuiExport(Scratch& scratch, const Sizes& s)
{
    const int events = 200'000;
    std::fprintf(stderr, "B24: export %d task events from the window and the CLI\n", events);
    Figure f = makeFigure(QStringLiteral("B24"), QStringLiteral("export events to CSV, window against CLI"),
        QStringLiteral("%1 events").arg(events), QStringLiteral("events/s"),
        QStringLiteral("queuedesk-cli export events (its code path)"), Figure::Goal::RatioAtLeast, 0.8);
    f.note = QStringLiteral(
        "qd_bench_ui --measure export: an ExportDialog set to every event as CSV, Export pressed, timed to "
        "exportSucceeded with the event loop running (ExportJob on its thread, progress with a total), against a "
        "TaskStore opened on the calling thread and HistoryExporter::exportEvents to a file, as cli_exportcommand "
        "does. Opening the store is timed on both sides; both files are checked to hold every event. The order "
        "alternates per repetition.");
    // Wall time on a busy machine also measures waiting for a core (the window's side has two threads): the CPU
    // time each side cost is the steadier comparison.
    Figure cpu = makeFigure(QStringLiteral("B24"), QStringLiteral("export events to CSV, window against CLI"),
        QStringLiteral("context: process CPU time per export"), QStringLiteral("ms"),
        QStringLiteral("queuedesk-cli export events (its code path)"), Figure::Goal::None, 0);
    const QString db = scratch.path() + QStringLiteral("/b24-events.db");
    for (int rep = 0; rep < s.slowRepetitions; ++rep) {
        QStringList args {QStringLiteral("--measure"), QStringLiteral("export"), QStringLiteral("--db"), db,
            QStringLiteral("--events"), QString::number(events)};
        if (rep % 2)
            args.append(QStringLiteral("--cli-first"));
        const QJsonObject r = runUiBench(args, 600);
        const double gui = r.value(QStringLiteral("gui_events_per_s")).toDouble();
        const double cli = r.value(QStringLiteral("cli_events_per_s")).toDouble();
        std::fprintf(stderr, "  window %.0f events/s, CLI %.0f events/s\n", gui, cli);
        addPair(f, gui, cli);
        addPair(
            cpu, r.value(QStringLiteral("gui_cpu_ms")).toDouble(), r.value(QStringLiteral("cli_cpu_ms")).toDouble());
    }
    // What per-type chart history would cost: the sampler's writes with six type rows beside four queue rows.
    Figure types = makeFigure(QStringLiteral("B24"), QStringLiteral("export events to CSV, window against CLI"),
        QStringLiteral("context: an hour of metrics writes, 4 queue rows + 6 type rows a second"), QStringLiteral("ms"),
        QStringLiteral("4 queue rows a second (as now)"), Figure::Goal::None, 0);
    types.note = QStringLiteral(
        "TaskStore on a fresh SQLite file: 3,600 samples, each one transaction (metrics cursor read, one upsert per "
        "row, cursor moved) and each minute downsampleAndPrune, as MetricsSampler::persist does; per-type rows "
        "would follow the same pattern, so the ratio is what keeping them would add to the sampler's writes.");
    const QString typeDb = scratch.path() + QStringLiteral("/b24-types.db");
    for (int rep = 0; rep < s.repetitions; ++rep) {
        double with = 0, without = 0;
        interleaved(rep, {[&] { with = samplerHourMs(typeDb, 10); }, [&] { without = samplerHourMs(typeDb, 4); }});
        std::fprintf(stderr, "  sampler hour: %.0f ms with type rows, %.0f ms without\n", with, without);
        addPair(types, with, without);
    }
    return {f, cpu, types};
}

QList<Figure> benchOneShot(Scratch& scratch, const QString& bigDb, const Sizes& s)
{
    std::fprintf(
        stderr, "B14: one-shot CLI commands on a %d-task database (%d processes each)\n", s.bigTasks, s.oneShotRuns);
    const QString cli = QStringLiteral(QD_BENCH_CLI);
    const QString start = QStringLiteral("process start: queuedesk-cli --version");
    Figure enqueue = makeFigure(QStringLiteral("B14"), QStringLiteral("one-shot command, start to exit"),
        QStringLiteral("enqueue 1 task, %1 tasks").arg(s.bigTasks), QStringLiteral("ms"), start,
        Figure::Goal::ValueAtMost, 20);
    Figure stats = makeFigure(QStringLiteral("B14"), QStringLiteral("one-shot command, start to exit"),
        QStringLiteral("stats, %1 tasks").arg(s.bigTasks), QStringLiteral("ms"), start, Figure::Goal::ValueAtMost, 20);
    Figure count = makeFigure(QStringLiteral("B14"), QStringLiteral("one-shot command, start to exit"),
        QStringLiteral("context: stats against the count alone"), QStringLiteral("ms"),
        QStringLiteral("sqlite3 shell: count per queue and state"), Figure::Goal::None, 0);
    enqueue.note = QStringLiteral(
        "Median wall time of %1 `queuedesk-cli --db COPY enqueue --type noop` processes per repetition (a copy of "
        "B7's database, warm in the page cache), against `queuedesk-cli --version` (loading Qt and the program, no "
        "database). stats: `queuedesk-cli --db COPY stats`; its context row compares it with the sqlite3 shell "
        "running only its count (SELECT queue, state, count(*) FROM tasks GROUP BY queue, state).")
                       .arg(s.oneShotRuns);
    const bool shell = sqliteShellAvailable();
    const QString db = copyOf(scratch, bigDb, QStringLiteral("b14"));
    const QStringList onDb {QStringLiteral("--db"), db};
    medianProcessMs(cli, onDb + QStringList {QStringLiteral("stats")}, 1); // warms the copy's pages
    for (int rep = 0; rep < s.repetitions; ++rep) {
        double version = 0, enqueued = 0, counted = 0, shellCount = 0;
        interleaved(rep,
            {[&] {
                 version = measured("queuedesk-cli --version (ms)",
                     [&] { return medianProcessMs(cli, {QStringLiteral("--version")}, s.oneShotRuns); });
             },
                [&] {
                    enqueued = measured("queuedesk-cli enqueue (ms)", [&] {
                        return medianProcessMs(cli,
                            onDb
                                + QStringList {QStringLiteral("enqueue"), QStringLiteral("--type"),
                                    QStringLiteral("noop")},
                            s.oneShotRuns);
                    });
                },
                [&] {
                    counted = measured("queuedesk-cli stats (ms)", [&] {
                        return medianProcessMs(cli, onDb + QStringList {QStringLiteral("stats")}, s.oneShotRuns);
                    });
                },
                [&] {
                    if (!shell)
                        return;
                    shellCount = measured("sqlite3 shell count (ms)", [&] {
                        return medianProcessMs(QStringLiteral("sqlite3"),
                            {QStringLiteral("-readonly"), db,
                                QStringLiteral("SELECT queue, state, count(*) FROM tasks GROUP BY queue, state")},
                            s.oneShotRuns);
                    });
                }});
        addPair(enqueue, enqueued, version);
        addPair(stats, counted, version);
        if (shell)
            addPair(count, counted, shellCount);
    }
    Scratch::remove(db);
    QList<Figure> figures {enqueue, stats};
    if (shell)
        figures.append(count);
    return figures;
}

// B17: the capacity forecast against what happens (issue 18): Poisson arrivals at a known λ, exponential sleep
// tasks, the panel's estimator and forecastCapacity. One run per scenario (each takes tens of seconds).
QList<Figure> benchForecast(Scratch& scratch, const Sizes& s)
{
    const QString id = QStringLiteral("B17");
    const QString title = QStringLiteral("capacity forecast vs measured");
    const QString percent = QStringLiteral("% error");
    struct Case {
        double rho;
        double seconds;
        int backlog;
    };
    const double k = s.forecastScale;
    const QList<Case> cases {{0.5, 40 * k, int(600 * k)}, {0.8, 50 * k, int(400 * k)}, {0.95, 50 * k, 0},
        {1.2, 40 * k, 0}, {0, 0, int(1200 * k)}};
    std::fprintf(stderr, "B17: capacity forecasts, 4 workers, sleep tasks of mean 50 ms (c\u03bc = 80/s)\n");
    QList<Figure> figures;
    const auto error = [](double forecast, double measured) { return 100 * std::abs(forecast / measured - 1); };
    const auto opt
        = [](const std::optional<double>& v) { return v ? QString::number(*v, 'f', 2) : QStringLiteral("-"); };
    // Each run goes through every scenario with a seed of its own (runs outermost, so a disturbance of the machine
    // falls on one run's scenarios rather than on one scenario's runs).
    for (qsizetype i = 0; i < s.forecastRuns * cases.size(); ++i) {
        const Case& c = cases.at(i % cases.size());
        ForecastScenario sc;
        sc.rho = c.rho;
        sc.seconds = c.seconds;
        sc.backlog = c.backlog;
        sc.seed = 17 + 1000 * unsigned(i / cases.size());
        const QString db = scratch.newFile(QStringLiteral("b17"));
        const ForecastOutcome o = runForecastScenario(db, sc);
        Scratch::remove(db);
        const QString name = (s.forecastRuns > 1 ? QStringLiteral("seed %1, ").arg(sc.seed) : QString())
            + (c.rho > 0 ? QStringLiteral("\u03c1 = %1").arg(c.rho)
                         : QStringLiteral("backlog of %1, \u03bb = 0").arg(c.backlog));
        std::fprintf(stderr,
            "  %s: \u03bb %.2f (est. %.2f), \u03bc %.2f (est. %.2f), c 4 (est. %d), \u03c1 %.2f (est. %.3f); Wq "
            "M/M/c %s ms, measured %s ms; Lq M/M/c %s, measured %.2f; will not drain after %s / %s / %s s "
            "(1/5/15 min); length at end %s (fluid %s, design %s); backlog %.0f: drain fluid %s s, design %s s, "
            "measured %s s; refreshes saying 'will not drain' %d of %d\n",
            qPrintable(name), o.trueLambda, o.estimatedLambda, o.trueMu, o.estimatedMu, o.estimatedWorkers, o.trueRho,
            o.estimatedRho, qPrintable(opt(o.predictedWqMs)), qPrintable(opt(o.measuredWqMs)),
            qPrintable(opt(o.predictedLq)), o.measuredLq, qPrintable(opt(o.willNotDrainAfter[0])),
            qPrintable(opt(o.willNotDrainAfter[1])), qPrintable(opt(o.willNotDrainAfter[2])),
            qPrintable(opt(o.lengthAtEnd)), qPrintable(opt(o.fluidLengthAtEnd)), qPrintable(opt(o.designLengthAtEnd)),
            o.backlogAtForecast, qPrintable(opt(o.fluidDrainSeconds)), qPrintable(opt(o.designDrainSeconds)),
            qPrintable(opt(o.measuredDrainSeconds)), o.willNotDrainRefreshes, o.refreshes);
        std::fprintf(stderr,
            "    measured Wq 95%% half-width %s ms; M/M/c Wq with the true \u03bb and the measured run time %s ms; "
            "saturated: %s completions per worker-second vs 1/run time %s\n",
            qPrintable(opt(o.measuredWqHalfWidthMs)), qPrintable(opt(o.knownLambdaWqMs)),
            qPrintable(opt(o.saturatedMu)), qPrintable(opt(o.runMu)));
        std::fprintf(stderr,
            "    \u03bb: offered %.3f (this sample, same spans), estimated %.3f, same spans read again %.3f; reads up "
            "to now (before EventSlices): offered %.3f, estimated %.3f; \u03bc: 1/sleep sent %.3f, estimated %.3f, "
            "read again %.3f, reads up to now %.3f\n",
            o.offeredLambda, o.estimatedLambda, o.settledLambda, o.unsettledOfferedLambda, o.unsettledLambda,
            o.offeredMu, o.estimatedMu, o.settledMu, o.unsettledMu);
        if (c.rho > 0 && o.offeredLambda > 0 && o.settledLambda > 0) {
            // The estimator's own error: against the arrivals this run offered, not the nominal λ (one sample of a
            // Poisson process of 1,600-3,800 arrivals lies a few percent from λT).
            Figure lambda = makeFigure(id, title,
                QStringLiteral("context: %1: \u03bb estimated %2, offered %3 (nominal %4)")
                    .arg(name)
                    .arg(o.estimatedLambda, 0, 'f', 2)
                    .arg(o.offeredLambda, 0, 'f', 2)
                    .arg(o.trueLambda, 0, 'f', 0),
                percent, QString(), Figure::Goal::None, 0);
            lambda.subject.add(100 * (o.estimatedLambda / o.offeredLambda - 1));
            figures.append(lambda);
            Figure before = makeFigure(id, title,
                QStringLiteral("context: %1: baseline, reads up to now: \u03bb estimated %2, offered %3")
                    .arg(name)
                    .arg(o.unsettledLambda, 0, 'f', 2)
                    .arg(o.unsettledOfferedLambda, 0, 'f', 2),
                percent, QString(), Figure::Goal::None, 0);
            before.subject.add(100 * (o.unsettledLambda / o.unsettledOfferedLambda - 1));
            figures.append(before);
        }
        if (c.rho > 0) {
            Figure rho = makeFigure(id, title,
                QStringLiteral("%1: estimated \u03c1 %2").arg(name).arg(o.estimatedRho, 0, 'f', 3), percent, QString(),
                Figure::Goal::ValueAtMost, 10);
            rho.subject.add(error(o.estimatedRho, o.trueRho));
            figures.append(rho);
        }
        if (c.rho > 0 && c.rho < 1) {
            // A stable queue: any "will not drain" is a false alarm.
            Figure alarms = makeFigure(id, title,
                QStringLiteral("context: %1: refreshes saying 'will not drain' (1 min window), of %2, first after %3 s")
                    .arg(name)
                    .arg(o.refreshes)
                    .arg(opt(o.willNotDrainAfter[0])),
                QStringLiteral("refreshes"), QString(), Figure::Goal::None, 0);
            alarms.subject.add(o.willNotDrainRefreshes);
            figures.append(alarms);
        }
        if (c.rho > 0 && c.rho < 1 && o.predictedWqMs && o.measuredWqMs) {
            // One run's mean wait is a sample: when its 95% half-width is wider than the goal's 20%, agreement or
            // disagreement within 20% is noise, so the figure is reported without a verdict.
            const double halfWidth = o.measuredWqHalfWidthMs.value_or(0) / *o.measuredWqMs;
            const bool judged = c.rho <= 0.8 && o.measuredWqHalfWidthMs && halfWidth <= 0.2;
            Figure wq = makeFigure(id, title,
                QStringLiteral("%1: Wq M/M/c %2 ms, measured %3 \u00b1 %4 ms (95%)")
                    .arg(name, opt(o.predictedWqMs), opt(o.measuredWqMs), opt(o.measuredWqHalfWidthMs)),
                percent, QString(), judged ? Figure::Goal::ValueAtMost : Figure::Goal::None, 20);
            wq.subject.add(error(*o.predictedWqMs, *o.measuredWqMs));
            if (c.rho <= 0.8 && !judged)
                wq.note = QStringLiteral(
                    "No verdict: the measured mean's 95% half-width is %1% of it (batch means "
                    "over 8 spans), wider than the goal; a longer phase (--forecast-scale) is needed to judge it.")
                              .arg(100 * halfWidth, 0, 'f', 0);
            figures.append(wq);
            if (o.knownLambdaWqMs) {
                Figure known = makeFigure(id, title,
                    QStringLiteral("context: %1: Wq M/M/c from the true \u03bb and the measured run time %2 ms")
                        .arg(name, opt(o.knownLambdaWqMs)),
                    percent, QString(), Figure::Goal::None, 0);
                known.subject.add(error(*o.knownLambdaWqMs, *o.measuredWqMs));
                figures.append(known);
            }
        }
        if (o.saturatedMu && o.runMu) {
            // All workers busy: completions per worker-second against 1 / run time; the rest is hand-over time
            // between tasks, which the estimator's μ (run times only) does not count.
            Figure share = makeFigure(id, title,
                QStringLiteral("context: %1: busy workers' time spent running tasks (%2 vs 1/run time %3 per s)")
                    .arg(name, opt(o.saturatedMu), opt(o.runMu)),
                QStringLiteral("%"), QString(), Figure::Goal::None, 0);
            share.subject.add(100 * *o.saturatedMu / *o.runMu);
            figures.append(share);
        }
        if (c.backlog > 0 && o.measuredDrainSeconds) {
            Figure fluid = makeFigure(id, title,
                QStringLiteral("%1: drain of %2 waiting, fluid %3 s, measured %4 s")
                    .arg(name)
                    .arg(o.backlogAtForecast)
                    .arg(opt(o.fluidDrainSeconds), opt(o.measuredDrainSeconds)),
                percent, QString(), Figure::Goal::ValueAtMost, 15);
            if (o.fluidDrainSeconds)
                fluid.subject.add(error(*o.fluidDrainSeconds, *o.measuredDrainSeconds));
            else
                fluid.note = QStringLiteral("The fluid model said it would not drain.");
            figures.append(fluid);
            Figure design = makeFigure(id, title,
                QStringLiteral("context: %1: the design's L(t) drain %2 s").arg(name, opt(o.designDrainSeconds)),
                percent, QString(), Figure::Goal::None, 0);
            if (o.designDrainSeconds)
                design.subject.add(error(*o.designDrainSeconds, *o.measuredDrainSeconds));
            else
                design.note = QStringLiteral("The design's L(t) never reaches 0 from this backlog (its limit is "
                                             "L(0) - 1 + \u03bb/(c\u03bc)).");
            figures.append(design);
        }
        if (c.rho >= 1) {
            Figure said
                = makeFigure(id, title, QStringLiteral("%1: 'will not drain' said after (1 min window)").arg(name),
                    QStringLiteral("s"), QString(), Figure::Goal::ValueAtMost, 30);
            said.subject.add(o.willNotDrainAfter[0] ? *o.willNotDrainAfter[0] : 1e9);
            figures.append(said);
            for (int w : {1, 2}) {
                Figure other = makeFigure(id, title,
                    QStringLiteral("context: %1: said after (%2 min window)").arg(name).arg(w == 1 ? 5 : 15),
                    QStringLiteral("s"), QString(), Figure::Goal::None, 0);
                if (o.willNotDrainAfter[w])
                    other.subject.add(*o.willNotDrainAfter[w]);
                figures.append(other);
            }
            if (o.lengthAtEnd && o.fluidLengthAtEnd && o.designLengthAtEnd) {
                Figure length = makeFigure(id, title,
                    QStringLiteral("context: %1: length at end %2, forecast at half time: fluid %3, design %4")
                        .arg(name, opt(o.lengthAtEnd), opt(o.fluidLengthAtEnd), opt(o.designLengthAtEnd)),
                    percent, QString(), Figure::Goal::None, 0);
                length.subject.add(error(*o.fluidLengthAtEnd, *o.lengthAtEnd));
                figures.append(length);
            }
        }
    }
    if (!figures.isEmpty())
        figures.first().note = QStringLiteral(
            "One run per scenario. 4 workers; sleep tasks of exponentially distributed length (mean 50 ms, whole ms), "
            "Poisson arrivals at \u03bb = \u03c1 x 80/s through enqueueBatch of the tasks due (open loop). The "
            "estimates are the capacity panel's: CapacityEstimator (1 min window) fed every 3 s with "
            "TaskStore::serviceStats of the next span, ending 1 s before the refresh (EventSlices), forecastCapacity "
            "on them. Phases of %1 s (\u03c1 0.5, 1.2), %2 s "
            "(0.8, 0.95); the first fifth is not measured for Wq and Lq. \u03bb estimated is compared with the "
            "arrivals this run offered (the same 1 min weighting of their due times): one seed's sample lies a few "
            "percent from the nominal \u03bb. Backlogs: added at once after the phase, "
            "arrivals going on, forecast from the phase's estimates; with \u03bb = 0, queued while paused and "
            "forecast at the first refresh after resuming. Drained: nothing waiting. Errors: |forecast / measured - "
            "1|.")
                                   .arg(40 * k)
                                   .arg(50 * k);
    return figures;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qd_bench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("QueueDesk benchmark suite"));
    parser.addHelpOption();
    const QCommandLineOption quick(
        QStringLiteral("quick"), QStringLiteral("Small sizes: a smoke run of a minute or two."));
    const QCommandLineOption out(QStringLiteral("out"),
        QStringLiteral("Directory for BENCHMARKS.md and benchmarks.json."), QStringLiteral("dir"),
        QStringLiteral("bench-results"));
    const QCommandLineOption scratchDir(QStringLiteral("scratch"),
        QStringLiteral("Directory for the databases (the disk being measured; not a tmpfs)."), QStringLiteral("dir"),
        QStringLiteral("bench-results"));
    const QCommandLineOption only(
        QStringLiteral("only"), QStringLiteral("Comma-separated figures, e.g. B1,B4."), QStringLiteral("list"));
    const QCommandLineOption reps(
        QStringLiteral("reps"), QStringLiteral("Repetitions (the slow figures use fewer)."), QStringLiteral("n"));
    const QCommandLineOption commit(
        QStringLiteral("commit"), QStringLiteral("Source revision, for the report."), QStringLiteral("rev"));
    const QCommandLineOption command(
        QStringLiteral("command"), QStringLiteral("The command line to cite in the report."), QStringLiteral("text"));
    const QCommandLineOption profile(QStringLiteral("profile"),
        QStringLiteral(
            "Run one side of one figure once, for a profiler: engine-b1, raw-b1, engine-b2-<producers>, fsync-b2, "
            "engine-b3, raw-b3, "
            "engine-b4-<workers>, raw-b4, raw-b4-batched, latency-<rate>, engine-b6, loop-b6, export-b10, sqlite3-b10. "
            "The GUI "
            "figures: run qd_bench_ui --measure table|memory|guiload --db <file> under the profiler."),
        QStringLiteral("what"));
    const QCommandLineOption pgUrl(QStringLiteral("pg-url"),
        QStringLiteral("PostgreSQL server for B11/B12 (postgresql:///db?host=/socket/dir&port=N&user=U); "
                       "scripts/bench.sh starts one with fsync on."),
        QStringLiteral("url"));
    const QCommandLineOption pgUnavailable(QStringLiteral("pg-unavailable"),
        QStringLiteral("Why there is no PostgreSQL server: B11/B12 are reported as skipped with this reason."),
        QStringLiteral("reason"));
    const QCommandLineOption mariaDbUrl(QStringLiteral("mariadb-url"),
        QStringLiteral("MariaDB server for B20/B21 (mariadb://root@localhost/db?socket=/path/mysql.sock); "
                       "scripts/bench.sh starts one with a log flush per commit."),
        QStringLiteral("url"));
    const QCommandLineOption forecastScale(QStringLiteral("forecast-scale"),
        QStringLiteral("B17: multiply its phases' lengths by this (default 1, --quick 0.35); longer phases narrow "
                       "the measured waits' confidence intervals."),
        QStringLiteral("factor"));
    const QCommandLineOption mariaDbUnavailable(QStringLiteral("mariadb-unavailable"),
        QStringLiteral("Why there is no MariaDB server: B20/B21 are reported as skipped with this reason."),
        QStringLiteral("reason"));
    const QCommandLineOption amqpUrl(QStringLiteral("amqp-url"),
        QStringLiteral(
            "RabbitMQ broker for B16 and B19 (amqp://guest:guest@127.0.0.1:PORT/); scripts/bench.sh starts one."),
        QStringLiteral("url"));
    const QCommandLineOption amqpUnavailable(QStringLiteral("amqp-unavailable"),
        QStringLiteral("Why there is no broker: B16 and B19 are reported as skipped with this reason."),
        QStringLiteral("reason"));
    const QCommandLineOption latencyProducer(QStringLiteral("latency-producer"),
        QStringLiteral("Internal, for B13: enqueue latency probes into DB at RATE tasks/s, COUNT of them "
                       "(arguments: DB RATE COUNT)."));
    parser.addOptions({quick, out, scratchDir, only, reps, commit, command, profile, pgUrl, pgUnavailable,
        forecastScale, mariaDbUrl, mariaDbUnavailable, amqpUrl, amqpUnavailable, latencyProducer});
    parser.process(app);
    if (parser.isSet(latencyProducer)) {
        const QStringList args = parser.positionalArguments();
        if (args.size() != 3)
            parser.showHelp(2);
        return runLatencyProducer(args.at(0), args.at(1).toDouble(), args.at(2).toInt());
    }

    Sizes sizes = parser.isSet(quick) ? quickSizes() : Sizes {};
    if (parser.isSet(forecastScale)) {
        bool ok = false;
        sizes.forecastScale = parser.value(forecastScale).toDouble(&ok);
        if (!ok || sizes.forecastScale < 0.1 || sizes.forecastScale > 100) {
            std::fprintf(stderr, "qd_bench: --forecast-scale must be a number from 0.1 to 100\n");
            return 2;
        }
    }
    if (parser.isSet(reps)) {
        sizes.repetitions = std::max(1, parser.value(reps).toInt());
        sizes.slowRepetitions = std::max(1, std::min(sizes.repetitions, sizes.slowRepetitions));
        sizes.noisyRepetitions = sizes.repetitions;
        sizes.forecastRuns = sizes.repetitions;
    }
    QSet<QString> selected;
    for (const QString& id : parser.value(only).split(QLatin1Char(','), Qt::SkipEmptyParts))
        selected.insert(id.trimmed().toUpper());
    auto wanted = [&](const char* id) { return selected.isEmpty() || selected.contains(QLatin1String(id)); };

    const QString outDir = parser.value(out);
    QDir().mkpath(outDir);
    QDir().mkpath(parser.value(scratchDir));
    Scratch scratch(parser.value(scratchDir));

    if (parser.isSet(profile))
        return profileOne(scratch, outDir, sizes, parser.value(profile));

    RunInfo info = collectRunInfo();
    info.mode = parser.isSet(quick) ? QStringLiteral("quick") : QStringLiteral("full");
    info.commit = parser.value(commit);
    info.scratchDir = QFileInfo(scratch.path()).absolutePath();
    info.repetitions = sizes.repetitions;
    info.repetitionsNote
        = QStringLiteral("%1 repetitions (%2 for B4, B7-B9, B12 and B21, which take seconds each; %3 for B5 "
                         "and B6, whose runs wander most)")
              .arg(sizes.repetitions)
              .arg(sizes.slowRepetitions)
              .arg(sizes.noisyRepetitions);
    info.command = parser.isSet(command) ? parser.value(command) : QCoreApplication::arguments().join(QLatin1Char(' '));
    info.loadBefore = readLoadAverage();
    std::fprintf(stderr, "qd_bench (%s): %s, load %s, scratch %s\n", qPrintable(info.mode),
        qPrintable(info.repetitionsNote), qPrintable(info.loadBefore), qPrintable(scratch.path()));

    QList<Figure> figures;
    if (wanted("B1"))
        figures += benchEnqueue(scratch, sizes);
    if (wanted("B2"))
        figures += benchDurable(scratch, sizes);
    if (wanted("B3"))
        figures += benchBatch(scratch, sizes);
    if (wanted("B4"))
        figures += benchDrain(scratch, sizes, parser.value(amqpUrl));
    if (wanted("B5"))
        figures += benchLatency(scratch, sizes);
    if (wanted("B13"))
        figures += benchCrossProcessLatency(scratch, sizes);
    if (wanted("B6"))
        figures += benchMixed(scratch, sizes);
    const bool needsBig
        = wanted("B7") || wanted("B9") || wanted("B10") || wanted("B14") || wanted("B25") || wanted("B27");
    // Cached next to the results (not in the scratch directory, which is removed): building it takes a while.
    const QString bigDb = needsBig ? ensureBigDatabase(outDir, sizes.bigTasks) : QString();
    if (wanted("B7"))
        figures += benchTable(bigDb, sizes);
    if (wanted("B8"))
        figures += benchGuiLoad(scratch, sizes);
    if (wanted("B9"))
        figures += benchMemory(scratch, bigDb, sizes);
    if (wanted("B10"))
        figures += benchExport(bigDb, scratch.path(), sizes);
    if (wanted("B14"))
        figures += benchOneShot(scratch, bigDb, sizes);
    if (wanted("B25")) {
        constexpr int smallTasks = 300;
        figures += benchStartup(bigDb, ensureBigDatabase(outDir, smallTasks), smallTasks, sizes);
    }
    if (wanted("B27"))
        figures += benchDashboard(scratch, bigDb, sizes);
    if (wanted("B15")) // spool ingestion: 20,000 task files per run (quick: 2,000)
        figures += benchSpool(scratch.path(), sizes.repetitions, parser.isSet(quick) ? 2'000 : 20'000);
    const ServerBench pg = postgresBench(parser.value(pgUrl), parser.value(pgUnavailable));
    if (wanted("B11"))
        figures += benchServerEnqueue(scratch, sizes, pg);
    if (wanted("B12"))
        figures += benchServerDrain(scratch, sizes, pg);
    if (wanted("B26"))
        figures += benchServerCrossProcessLatency(sizes, pg);
    const ServerBench mariaDb = mariaDbBench(parser.value(mariaDbUrl), parser.value(mariaDbUnavailable));
    if (wanted("B20"))
        figures += benchServerEnqueue(scratch, sizes, mariaDb);
    if (wanted("B21"))
        figures += benchServerDrain(scratch, sizes, mariaDb);
    if (wanted("B26"))
        figures += benchServerCrossProcessLatency(sizes, mariaDb);
    if (wanted("B16"))
        figures += benchAmqpIn(scratch, sizes, parser.value(amqpUrl), parser.value(amqpUnavailable));
    if (wanted("B19"))
        figures += benchAmqpOut(scratch, sizes, parser.value(amqpUrl), parser.value(amqpUnavailable));
    if (wanted("B17"))
        figures += benchForecast(scratch, sizes);
    if (wanted("B18"))
        figures += benchEncryption(scratch, sizes);
    if (wanted("B22"))
        figures += benchFailureClusters(scratch, sizes);
    if (wanted("B24"))
        figures += benchGuiExport(scratch, sizes);
    if (wanted("B23"))
        figures += benchSigning(scratch.path(), sizes.repetitions, sizes.enqueueCalls);

    info.loadAfter = readLoadAverage();
    const QString json = QDir(outDir).filePath(QStringLiteral("benchmarks.json"));
    const QString markdown = QDir(outDir).filePath(QStringLiteral("BENCHMARKS.md"));
    writeJson(json, info, figures);
    writeMarkdown(markdown, info, figures);
    std::fprintf(stderr, "wrote %s and %s (load after: %s)\n", qPrintable(markdown), qPrintable(json),
        qPrintable(info.loadAfter));
    return 0;
}
