#include "dashboardbench.h"

#include "rawsqlite.h"

#include "core/monitoring/dashboardreader.h"
#include "core/taskstore.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const QString& what, const QString& error)
{
    std::fprintf(stderr, "qd_bench (B27): %s: %s\n", qPrintable(what), qPrintable(error));
    std::exit(2);
}

double medianMs(int reads, const std::function<void()>& read)
{
    std::vector<double> times;
    for (int i = 0; i < reads; ++i) {
        const auto start = Clock::now();
        read();
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::nth_element(times.begin(), times.begin() + std::ptrdiff_t(times.size() / 2), times.end());
    return times[times.size() / 2];
}

} // namespace

qint64 addTaskHistory(const QString& path)
{
    RawSqlite db(path, false);
    db.exec("PRAGMA synchronous = OFF");
    db.exec("PRAGMA cache_size = -131072");
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Every task ends within a second of its creation: the newest event lands just before now.
    const std::string shift = std::to_string(now) + " - 1000 - (SELECT max(created_at) FROM tasks)";
    db.exec("BEGIN");
    db.exec(("INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail,"
             " duration_ms) SELECT id, queue, created_at + ("
        + shift
        + "), 'enqueued', NULL, 'queued', 0, NULL,"
          " NULL, NULL FROM tasks ORDER BY id")
                .c_str());
    db.exec(("INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail,"
             " duration_ms) SELECT id, queue, started_at + ("
        + shift
        + "), 'started', 'queued', 'running', 1,"
          " 'w' || (id % 4), NULL, 40 FROM tasks WHERE started_at IS NOT NULL ORDER BY id")
                .c_str());
    db.exec(("INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail,"
             " duration_ms) SELECT id, queue, finished_at + ("
        + shift
        + "), CASE state WHEN 'succeeded' THEN"
          " 'succeeded' ELSE 'failed' END, 'running', state, 1, 'w' || (id % 4), NULL, finished_at - started_at"
          " FROM tasks WHERE started_at IS NOT NULL ORDER BY id")
                .c_str());
    db.exec("COMMIT");
    sqlite3_stmt* count = db.prepare("SELECT count(*) FROM task_events");
    db.check(sqlite3_step(count), "count the events");
    const qint64 events = sqlite3_column_int64(count, 0);
    sqlite3_reset(count);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return events;
}

DashboardTimes measureDashboard(const QString& path, int reads)
{
    StoreOptions options;
    options.path = path;
    options.readOnly = true;
    options.createIfMissing = false;
    auto opened = TaskStore::open(options);
    if (!opened)
        die(QStringLiteral("open"), opened.errorString());
    TaskStore& store = **opened;
    const auto now = [] { return QDateTime::currentMSecsSinceEpoch(); };
    const auto check = [](const auto& result, const char* what) {
        if (!result)
            die(QLatin1String(what), result.errorString());
    };
    DashboardTimes times;

    times.firstReadMs = medianMs(reads, [&] {
        DashboardReader fresh;
        const qint64 t = now();
        check(fresh.read(store, t, t - 24 * 3600'000), "first read");
    });
    DashboardReader reader;
    const qint64 dayStart = now() - 24 * 3600'000;
    check(reader.read(store, now(), dayStart), "first read");
    times.refreshMs = medianMs(reads, [&] {
        const auto figures = reader.read(store, now(), dayStart);
        check(figures, "refresh");
        times.processedToday = figures->processedToday;
    });
    // What the strip read before: serviceStats over the four windows, and the oldest queued task by a GROUP BY.
    times.oldReadMs = medianMs(reads, [&] {
        const qint64 t = now();
        for (const auto& [from, to] : {std::pair {dayStart, t + 1}, std::pair {t - 3600'000, t + 1},
                 std::pair {t - 60'000, t + 1}, std::pair {t - 3660'000, t - 3600'000}})
            check(store.serviceStats(from, to), "serviceStats");
        QSqlQuery q(store.database());
        if (!q.exec(QStringLiteral("SELECT queue, min(run_at) FROM tasks WHERE state = 'queued' GROUP BY queue")))
            die(QStringLiteral("oldest queued"), q.lastError().text());
        while (q.next()) { }
    });
    times.keptCountsMs = medianMs(reads, [&] { check(store.countByQueueAndState(), "kept counts"); });
    return times;
}

} // namespace qd::bench
