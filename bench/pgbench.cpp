#include "pgbench.h"

#include "rawpostgres.h"

#include "core/store/sqldialect.h"
#include "core/taskstore.h"

#include <QDateTime>
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

// The statements of TaskStore in libpq's $n notation, so the baseline does the same work per row.
constexpr const char* insertTaskSql
    = "INSERT INTO tasks(queue, type, payload, priority, state, max_attempts, run_at, created_at, "
      "idempotency_key, timeout_ms, backoff_base_ms, backoff_max_ms, backoff_jitter) "
      "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id";

constexpr const char* insertEventSql
    = "INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail, duration_ms)"
      " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)";

constexpr const char* completeSql
    = "UPDATE tasks SET state = 'succeeded', finished_at = $1, result = $2, lease_owner = NULL,"
      " lease_expires_at = NULL, last_error = NULL"
      " WHERE id = $3 AND state = 'running' AND attempts = $4 AND lease_owner = $5 RETURNING queue, started_at";

QByteArray claimSql()
{
    return QStringLiteral("UPDATE tasks SET state = 'running', attempts = attempts + 1, started_at = $1,"
                          " lease_owner = $2, lease_expires_at = $3, cancel_requested = 0"
                          " WHERE id IN (SELECT id FROM tasks WHERE state = 'queued' AND queue = $4"
                          " ORDER BY priority DESC, run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING ")
               .toUtf8()
        + taskColumns().toUtf8();
}

QByteArray number(qint64 n)
{
    return QByteArray::number(n);
}

qint64 countSucceeded(RawPostgres& db)
{
    return db.exec("SELECT count(*) FROM tasks WHERE state = 'succeeded'").toLongLong();
}

} // namespace

QString pgCreateSchema(const QString& serverUrl, const QString& schema)
{
    const QString url = pgUrlWithSchema(serverUrl, schema);
    {
        RawPostgres admin(serverUrl);
        admin.exec(QByteArray("DROP SCHEMA IF EXISTS \"" + schema.toUtf8() + "\" CASCADE").constData());
    }
    StoreOptions options;
    options.path = url;
    auto store = TaskStore::open(options);
    if (!store)
        die(QStringLiteral("cannot create the PostgreSQL schema %1: %2").arg(schema, store.errorString()));
    return url;
}

void pgDropSchema(const QString& serverUrl, const QString& schema)
{
    RawPostgres admin(serverUrl);
    admin.exec(QByteArray("DROP SCHEMA IF EXISTS \"" + schema.toUtf8() + "\" CASCADE").constData());
}

double pgRawInsertRate(const QString& url, int rows, int rowsPerCommit)
{
    RawPostgres db(url);
    db.prepare("task", insertTaskSql);
    db.prepare("event", insertEventSql);
    const auto start = Clock::now();
    for (int done = 0; done < rows;) {
        db.exec("BEGIN");
        const QByteArray now = number(QDateTime::currentMSecsSinceEpoch());
        for (int i = 0; i < rowsPerCommit && done < rows; ++i, ++done) {
            db.run("task",
                {"default", "noop", "{}", "0", "queued", "3", now.constData(), now.constData(), nullptr, "0", nullptr,
                    nullptr, nullptr});
            const QByteArray id(db.value(0, 0));
            db.run("event",
                {id.constData(), "default", now.constData(), "enqueued", nullptr, "queued", "0", nullptr, nullptr,
                    nullptr});
        }
        db.exec("COMMIT");
    }
    return perSecond(rows, start);
}

void pgFillQueue(const QString& url, int count)
{
    RawPostgres db(url);
    const QByteArray now = number(QDateTime::currentMSecsSinceEpoch());
    db.exec("BEGIN");
    db.exec(QByteArray("INSERT INTO tasks(queue, type, payload, priority, state, max_attempts, run_at, created_at,"
                       " timeout_ms) SELECT 'default', 'noop', '{}', 0, 'queued', 3, "
        + now + ", " + now + ", 0 FROM generate_series(1, " + number(count) + ")")
                .constData());
    db.exec("INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt)"
            " SELECT id, queue, created_at, 'enqueued', NULL, 'queued', 0 FROM tasks ORDER BY id");
    db.exec("UPDATE queues SET paused = 1 WHERE name = 'default'");
    db.exec("COMMIT");
    db.exec("VACUUM ANALYZE tasks");
    db.exec("VACUUM ANALYZE task_events");
    db.exec("CHECKPOINT");
    if (db.exec("SELECT count(*) FROM tasks WHERE state = 'queued'").toLongLong() != count)
        die(QStringLiteral("the PostgreSQL queue does not hold %1 queued tasks").arg(count));
}

double pgRawDrainRate(const QString& url, int expected)
{
    RawPostgres db(url);
    const QByteArray claim = claimSql();
    db.prepare("claim", claim.constData());
    db.prepare("complete", completeSql);
    db.prepare("event", insertEventSql);
    const char* owner = "raw:1";
    const char* worker = "raw:1/w0";
    int drained = 0;
    const auto start = Clock::now();
    for (;;) {
        db.exec("BEGIN");
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        const QByteArray now = number(nowMs), leaseUntil = number(nowMs + 30'000);
        db.run("claim", {now.constData(), owner, leaseUntil.constData(), "default"});
        if (db.rows() == 0) {
            db.exec("COMMIT");
            break;
        }
        const QByteArray id(db.value(0, 0)), attempt(db.value(0, 6));
        const qint64 runAt = QByteArray(db.value(0, 8)).toLongLong();
        const QByteArray wait = number(std::max<qint64>(0, nowMs - runAt));
        db.run("event",
            {id.constData(), "default", now.constData(), "started", "queued", "running", attempt.constData(), worker,
                nullptr, wait.constData()});
        const qint64 finishedMs = QDateTime::currentMSecsSinceEpoch();
        const QByteArray finished = number(finishedMs);
        db.run("complete", {finished.constData(), "{}", id.constData(), attempt.constData(), owner});
        if (db.rows() != 1)
            die(QStringLiteral("raw PostgreSQL complete of task %1 changed nothing").arg(QLatin1String(id)));
        const QByteArray duration = number(finishedMs - QByteArray(db.value(0, 1)).toLongLong());
        db.run("event",
            {id.constData(), "default", finished.constData(), "succeeded", "running", "succeeded", attempt.constData(),
                worker, nullptr, duration.constData()});
        db.exec("COMMIT");
        ++drained;
    }
    const double rate = perSecond(drained, start);
    if (drained != expected)
        die(QStringLiteral("raw PostgreSQL drain found %1 tasks, expected %2").arg(drained).arg(expected));
    return rate;
}

double pgProcessDrainRate(const QString& cli, const QString& url, int expected, int processes, int threads)
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
    RawPostgres db(url);
    const QByteArray channel = "queuedesk_" + parsePgTarget(url).schema.toUtf8();
    db.exec("BEGIN");
    db.exec("UPDATE queues SET paused = 0 WHERE name = 'default'");
    db.exec(QByteArray("SELECT pg_notify('" + channel + "', '')").constData());
    const auto start = Clock::now();
    db.exec("COMMIT");
    // Polled, with the wait shortened as the end nears: a count costs the server a few ms, so polling often
    // would take CPU from the workers, polling seldom would blur the end.
    const auto deadline = start + std::chrono::minutes(10);
    for (;;) {
        const qint64 done = countSucceeded(db);
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
            die(QStringLiteral("PostgreSQL drain: %1 of %2 done after 10 minutes").arg(done).arg(expected));
        }
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        double wait = 0.05;
        if (done > 0)
            wait = std::clamp(0.5 * double(expected - done) * elapsed / double(done), 0.005, 0.2);
        std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    }
    const double rate = perSecond(expected, start);
    stopAll();
    const qint64 left = db.exec("SELECT count(*) FROM tasks WHERE state <> 'succeeded'").toLongLong();
    if (left != 0)
        die(QStringLiteral("PostgreSQL drain: %1 tasks not succeeded").arg(left));
    return rate;
}

} // namespace qd::bench
