#include "pgbench.h"

#include "processdrain.h"
#include "rawpostgres.h"

#include "core/store/sqldialect.h"
#include "core/taskstore.h"

#include <QDateTime>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
    RawPostgres db(url);
    const QByteArray channel = "queuedesk_" + parsePgTarget(url).schema.toUtf8();
    DrainControl control;
    control.server = QStringLiteral("PostgreSQL");
    control.prepareResume = [&] {
        db.exec("BEGIN");
        db.exec("UPDATE queues SET paused = 0 WHERE name = 'default'");
        db.exec(QByteArray("SELECT pg_notify('" + channel + "', '')").constData());
    };
    control.commitResume = [&] { db.exec("COMMIT"); };
    control.succeeded = [&] { return countSucceeded(db); };
    control.notSucceeded
        = [&] { return db.exec("SELECT count(*) FROM tasks WHERE state <> 'succeeded'").toLongLong(); };
    return processDrainRate(cli, url, expected, processes, threads, control);
}

} // namespace qd::bench
