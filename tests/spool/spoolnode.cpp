// A real process for tst_spoolservice's crash test: an engine with two workers and the spool service on a database,
// until killed. Usage: qd_test_spoolnode DB LEASE_MS. Prints "ready" once running.
#include "core/queueengine.h"
#include "core/spool/spoolservice.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: qd_test_spoolnode DB LEASE_MS\n");
        return 2;
    }
    qd::EngineOptions options;
    options.store.path = QString::fromLocal8Bit(argv[1]);
    options.workerCount = 2;
    options.leaseMs = QByteArray(argv[2]).toLongLong();
    options.maintenanceIntervalMs = 100;
    options.sampleIntervalMs = 0;
    auto engine = qd::QueueEngine::open(options);
    if (!engine) {
        std::fprintf(stderr, "%s\n", qPrintable(engine.errorString()));
        return 1;
    }
    qd::SpoolServiceOptions spoolOptions;
    spoolOptions.store = options.store;
    spoolOptions.rescanMs = 300;
    spoolOptions.sweepMs = 200;
    spoolOptions.sourcesMs = 1000;
    spoolOptions.chunkFiles = 50; // many commits: many moments for a kill to land between two steps
    qd::SpoolService spools(**engine, spoolOptions);
    spools.start();
    std::printf("ready\n");
    std::fflush(stdout);
    return app.exec();
}
