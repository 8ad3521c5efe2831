// The processes of the kill test (tst_killtorture and scripts/torture.sh), each killed with SIGKILL at random:
//   qd_torture_node work DB WORKERS LEASE_MS RECORD
//       runs an engine with WORKERS threads until SIGTERM (graceful stop, exit 0) or SIGKILL. Every run of a
//       "torture" task appends "id attempt\n" to RECORD before it does anything else.
//   qd_torture_node produce DB LOG RUN BATCH_SIZE PAUSE_MS
//       enqueues batches of "torture" tasks until killed. Each payload names its run and batch, so a batch cut
//       short by a kill shows up as a partial group; after each enqueueBatch returns, "RUN BATCH ID,ID,...\n"
//       is appended to LOG, so the harness knows which tasks the producer was told are stored. "batch N" on
//       stdout announces each batch just before it is written.
// Both files are written with one write() per line on an O_APPEND descriptor: a SIGKILL cannot lose or tear a
// line the kernel already has (only power loss could, which this test does not simulate), so no fsync is needed.
#include "torturehandler.h"

#include "core/queueengine.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTextStream>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <csignal>

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace {

std::atomic<bool> g_terminate {false};

void onTerminate(int)
{
    g_terminate.store(true);
}

int openAppend(const QString& path)
{
    return ::open(path.toLocal8Bit().constData(), O_WRONLY | O_APPEND | O_CREAT, 0644);
}

qd::EngineOptions engineOptions(const QString& db, int workers, qint64 leaseMs, int recordFd)
{
    auto registry = std::make_shared<qd::HandlerRegistry>();
    qd::registerBuiltinHandlers(*registry);
    registry->add(std::make_unique<qd::test::TortureHandler>(recordFd));
    qd::EngineOptions options;
    options.store.path = db;
    options.workerCount = workers;
    options.leaseMs = leaseMs;
    options.pollIntervalMs = 50;
    options.maintenanceIntervalMs = 100;
    options.sampleIntervalMs = 0;
    options.handlers = registry;
    return options;
}

int work(const QStringList& args)
{
    const int fd = openAppend(args.at(5));
    if (fd < 0) {
        QTextStream(stderr) << "cannot open " << args.at(5) << '\n';
        return 1;
    }
    auto engine = qd::QueueEngine::open(engineOptions(args.at(2), args.at(3).toInt(), args.at(4).toLongLong(), fd));
    if (!engine) {
        QTextStream(stderr) << engine.errorString() << '\n';
        return 4;
    }
    std::signal(SIGTERM, onTerminate);
    // A signal handler may only set a flag; the event loop looks at it (SIGTERM is the harness's "drain done").
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, qApp, [] {
        if (g_terminate.load())
            QCoreApplication::quit();
    });
    poll.start(20);
    QTextStream(stdout) << "ready" << Qt::endl;
    const int rc = QCoreApplication::exec();
    engine->reset(); // the graceful stop, while the record file is still open
    ::close(fd);
    return rc;
}

int produce(const QStringList& args)
{
    const int fd = openAppend(args.at(3));
    const int run = args.at(4).toInt();
    const int batchSize = args.at(5).toInt();
    const int pauseMs = args.at(6).toInt();
    if (fd < 0 || batchSize < 1)
        return 2;
    auto engine = qd::QueueEngine::open(engineOptions(args.at(2), 0, 30'000, -1));
    if (!engine) {
        QTextStream(stderr) << engine.errorString() << '\n';
        return 4;
    }
    QTextStream(stdout) << "ready" << Qt::endl;
    auto* rng = QRandomGenerator::global();
    for (int batch = 0;; ++batch) {
        QList<qd::NewTask> tasks;
        for (int i = 0; i < batchSize; ++i) {
            QJsonObject payload {{QStringLiteral("run"), run}, {QStringLiteral("batch"), batch},
                {QStringLiteral("ms"), int(rng->bounded(0, 12))}};
            const quint32 kind = rng->bounded(100);
            if (kind < 5)
                payload.insert(QStringLiteral("permanent"), true); // fails at once: ends "failed"
            else if (kind < 35)
                payload.insert(QStringLiteral("failUntil"), int(rng->bounded(2, 4))); // transient failures first
            qd::NewTask t;
            t.queue = QStringLiteral("torture");
            t.type = QStringLiteral("torture");
            t.payload = QJsonDocument(payload).toJson(QJsonDocument::Compact);
            t.priority = int(rng->bounded(3));
            tasks.append(t);
        }
        // Tells the harness a batch is on its way, so that it can kill us while the batch is being written.
        QTextStream(stdout) << "batch " << batch << Qt::endl;
        const auto stored = (*engine)->enqueueBatch(tasks);
        if (!stored) {
            QTextStream(stderr) << "enqueue failed: " << stored.errorString() << '\n';
            return 4;
        }
        QByteArray line = QByteArray::number(run) + ' ' + QByteArray::number(batch) + ' ';
        for (const qd::EnqueueResult& r : *stored)
            line += QByteArray::number(r.id) + ',';
        line.back() = '\n'; // one write() of a short line on O_APPEND: the kernel appends it whole
        if (::write(fd, line.constData(), size_t(line.size())) != line.size())
            return 1;
        QThread::msleep(ulong(pauseMs));
    }
}

} // namespace

int main(int argc, char* argv[])
{
    // Die with the harness: a harness that crashes (or is halted by a sanitizer) must not leave a worker behind
    // holding ctest's output pipe open until the test's timeout.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() == 6 && args.at(1) == u"work")
        return work(args);
    if (args.size() == 7 && args.at(1) == u"produce")
        return produce(args);
    QTextStream(stderr) << "usage: qd_torture_node work DB WORKERS LEASE_MS RECORD\n"
                           "       qd_torture_node produce DB LOG RUN BATCH_SIZE PAUSE_MS\n";
    return 2;
}
