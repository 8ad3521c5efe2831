#include "signingbench.h"

#include "core/crypto/tasksignature.h"
#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QFile>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const QString& what)
{
    std::fprintf(stderr, "qd_bench: B23: %s\n", qPrintable(what));
    std::exit(2);
}

QList<NewTask> tasksFor(const QString& queue, int calls, int round, const crypto::ProducerKeyPair* key)
{
    QList<NewTask> tasks;
    tasks.reserve(calls);
    for (int i = 0; i < calls; ++i) {
        NewTask t;
        t.queue = queue;
        t.type = QStringLiteral("noop");
        t.payload = R"({"round":)" + QByteArray::number(round) + R"(,"n":)" + QByteArray::number(i) + "}";
        if (key)
            crypto::signTask(t, *key);
        tasks.append(std::move(t));
    }
    return tasks;
}

// Tasks per second, one enqueue() call each.
double enqueueRate(QueueEngine& engine, const QList<NewTask>& tasks)
{
    const auto start = Clock::now();
    for (const NewTask& t : tasks) {
        if (auto r = engine.enqueue(t); !r)
            fail(r.errorString());
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return double(tasks.size()) / seconds;
}

} // namespace

QList<Figure> benchSigning(const QString& scratchDir, int repetitions, int calls)
{
    std::fprintf(
        stderr, "B23: enqueue, one task per call, signed to a queue requiring it vs plain (%d calls)\n", calls);
    Figure f;
    f.id = QStringLiteral("B23");
    f.title = QStringLiteral("enqueue 1/call, signed tasks");
    f.variant = QStringLiteral("queue requiring signatures, Normal, 1 producer");
    f.unit = QStringLiteral("tasks/s");
    f.baselineName = QStringLiteral("unsigned tasks to a plain queue, same database");
    f.goal = Figure::Goal::RatioAtLeast;
    f.goalValue = 0.8;
    f.note = QStringLiteral("SQLite, an engine without workers. The signed side's tasks are signed (Ed25519) before "
                            "the clock starts; the engine reads the queue's flag and the producer key, verifies each "
                            "signature and records the key with the task.");

    const QString db = scratchDir + QStringLiteral("/b23.db");
    EngineOptions options;
    options.store.path = db;
    options.workerCount = 0;
    options.sampleIntervalMs = 0;
    auto opened = QueueEngine::open(options);
    if (!opened)
        fail(opened.errorString());
    QueueEngine& engine = **opened;
    const crypto::ProducerKeyPair key = crypto::generateProducerKey();
    const Status setUp = engine.runInWriter([&](TaskStore& store) {
        if (Status s = store.addProducerKey({key.id, QStringLiteral("bench"), key.publicKey, 0, 0}, 1); !s)
            return s;
        return store.setRequireSigned(QStringLiteral("signed"), true, 1);
    });
    if (!setUp)
        fail(setUp.errorString());
    // Both queues exist before the first timed call.
    if (!engine.enqueue(tasksFor(QStringLiteral("plain"), 1, -1, nullptr).first())
        || !engine.enqueue(tasksFor(QStringLiteral("signed"), 1, -1, &key).first()))
        fail(QStringLiteral("cannot enqueue the first tasks"));

    for (int rep = 0; rep < repetitions; ++rep) {
        const QList<NewTask> signedTasks = tasksFor(QStringLiteral("signed"), calls, rep, &key);
        const QList<NewTask> plainTasks = tasksFor(QStringLiteral("plain"), calls, rep, nullptr);
        double signedRate = 0, plainRate = 0;
        const auto runSigned = [&] { signedRate = enqueueRate(engine, signedTasks); };
        const auto runPlain = [&] { plainRate = enqueueRate(engine, plainTasks); };
        if (rep % 2) {
            runPlain();
            runSigned();
        } else {
            runSigned();
            runPlain();
        }
        std::fprintf(stderr, "  %-58s %12.1f\n  %-58s %12.1f\n", "signed, queue requiring signatures", signedRate,
            "unsigned, plain queue", plainRate);
        f.subject.add(signedRate);
        f.baseline.add(plainRate);
        f.ratio.add(signedRate / plainRate);
    }
    opened->reset();
    for (const char* suffix : {"", "-wal", "-shm"})
        QFile::remove(db + QLatin1String(suffix));
    return {f};
}

} // namespace qd::bench
