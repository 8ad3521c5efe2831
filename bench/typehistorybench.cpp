#include "typehistorybench.h"

#include "core/taskstore.h"

#include <QFile>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace qd::bench {

namespace {

[[noreturn]] void die(const QString& what)
{
    std::fprintf(stderr, "qd_bench (B24 context): %s\n", qPrintable(what));
    std::exit(2);
}

} // namespace

double samplerHourMs(const QString& path, int queueRows)
{
    for (const QString& suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        QFile::remove(path + suffix);
    StoreOptions options;
    options.path = path;
    auto opened = TaskStore::open(options);
    if (!opened)
        die(opened.errorString());
    TaskStore& store = **opened;
    const qint64 start = 1'800'000'000'000;
    QList<QueueSample> rows(queueRows);
    for (int i = 0; i < queueRows; ++i)
        rows[i].queue = QStringLiteral("row-%1").arg(i);
    const auto begin = std::chrono::steady_clock::now();
    for (int second = 0; second < 3600; ++second) {
        const qint64 at = start + second * 1000LL;
        for (int i = 0; i < queueRows; ++i) {
            rows[i].at = at;
            rows[i].completed = (second + i) % 7;
            rows[i].waitP95Ms = (second * 13 + i) % 400;
        }
        const Status written = store.atomically([&]() -> Status {
            const Result<qint64> cursor = store.metricsCursor();
            if (!cursor)
                return cursor.error();
            if (Status s = store.insertSamples(rows); !s)
                return s;
            return store.setMetricsCursor(*cursor + 1);
        });
        if (!written)
            die(written.errorString());
        if (second % 60 == 59) {
            if (Status s = store.downsampleAndPrune(at - 59'000, at); !s)
                die(s.errorString());
        }
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
}

} // namespace qd::bench
