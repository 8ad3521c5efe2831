#include "mariadbbench.h"

#include "processdrain.h"
#include "rawmariadb.h"

#include "core/store/sqldialect.h"
#include "core/taskstore.h"

#include <QDateTime>

#include <chrono>
#include <cstdio>
#include <cstdlib>

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

// TaskStore's statements with ? placeholders, so the baseline does the same work per row (B11's on PostgreSQL).
constexpr const char* insertTaskSql
    = "INSERT INTO tasks(queue, type, payload, priority, state, max_attempts, run_at, created_at, "
      "idempotency_key, timeout_ms, backoff_base_ms, backoff_max_ms, backoff_jitter) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";

constexpr const char* insertEventSql
    = "INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail, duration_ms)"
      " VALUES (?,?,?,?,?,?,?,?,?,?)";

constexpr const char* takeSql = "UPDATE tasks SET state = 'running', attempts = attempts + 1, started_at = ?,"
                                " lease_owner = ?, lease_expires_at = ?, cancel_requested = 0 WHERE id = ?";

constexpr const char* completeSql
    = "UPDATE tasks SET state = 'succeeded', finished_at = ?, result = ?, lease_owner = NULL,"
      " lease_expires_at = NULL, last_error = NULL"
      " WHERE id = ? AND state = 'running' AND attempts = ? AND lease_owner = ?";

// The pick: the task columns of the next ready task, locked, skipping tasks other transactions hold.
QByteArray pickSql()
{
    return QStringLiteral("SELECT %1 FROM tasks WHERE state = 'queued' AND queue = ?"
                          " ORDER BY priority DESC, run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED")
        .arg(taskColumns())
        .toUtf8();
}

QByteArray number(qint64 n)
{
    return QByteArray::number(n);
}

} // namespace

QString mariaDbCreateDatabase(const QString& serverUrl, const QString& name)
{
    mariaDbDropDatabase(serverUrl, name);
    const QString url = mariaDbUrlWithDatabase(serverUrl, name);
    StoreOptions options;
    options.path = url;
    auto store = TaskStore::open(options);
    if (!store)
        die(QStringLiteral("cannot create the MariaDB database %1: %2").arg(name, store.errorString()));
    return url;
}

void mariaDbDropDatabase(const QString& serverUrl, const QString& name)
{
    RawMariaDb admin(serverUrl);
    admin.exec(QByteArray("DROP DATABASE IF EXISTS `" + name.toUtf8() + '`').constData());
}

double mariaDbRawInsertRate(const QString& url, int rows, int rowsPerCommit)
{
    RawMariaDb db(url);
    db.prepare("task", insertTaskSql);
    db.prepare("event", insertEventSql);
    const auto start = Clock::now();
    for (int done = 0; done < rows;) {
        db.exec("START TRANSACTION");
        const QByteArray now = number(QDateTime::currentMSecsSinceEpoch());
        for (int i = 0; i < rowsPerCommit && done < rows; ++i, ++done) {
            db.run("task",
                {"default", "noop", "{}", "0", "queued", "3", now.constData(), now.constData(), nullptr, "0", nullptr,
                    nullptr, nullptr});
            const QByteArray id = number(db.insertId());
            db.run("event",
                {id.constData(), "default", now.constData(), "enqueued", nullptr, "queued", "0", nullptr, nullptr,
                    nullptr});
        }
        db.exec("COMMIT");
    }
    return perSecond(rows, start);
}

void mariaDbFillQueue(const QString& url, int count)
{
    RawMariaDb db(url);
    const QByteArray now = number(QDateTime::currentMSecsSinceEpoch());
    db.exec("START TRANSACTION");
    // seq_1_to_N: MariaDB's Sequence engine, generate_series's counterpart.
    db.exec(QByteArray("INSERT INTO tasks(queue, type, payload, priority, state, max_attempts, run_at, created_at,"
                       " timeout_ms) SELECT 'default', 'noop', '{}', 0, 'queued', 3, "
        + now + ", " + now + ", 0 FROM seq_1_to_" + number(count))
                .constData());
    db.exec("INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt)"
            " SELECT id, queue, created_at, 'enqueued', NULL, 'queued', 0 FROM tasks ORDER BY id");
    db.exec("UPDATE queues SET paused = 1 WHERE name = 'default'");
    db.exec("COMMIT");
    db.exec("ANALYZE TABLE tasks, task_events");
    if (db.exec("SELECT count(*) FROM tasks WHERE state = 'queued'").toLongLong() != count)
        die(QStringLiteral("the MariaDB queue does not hold %1 queued tasks").arg(count));
}

double mariaDbRawDrainRate(const QString& url, int expected)
{
    RawMariaDb db(url);
    const QByteArray pick = pickSql();
    db.prepare("pick", pick.constData());
    db.prepare("take", takeSql);
    db.prepare("complete", completeSql);
    db.prepare("event", insertEventSql);
    const char* owner = "raw:1";
    const char* worker = "raw:1/w0";
    int drained = 0;
    const auto start = Clock::now();
    for (;;) {
        db.exec("START TRANSACTION");
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        const QByteArray now = number(nowMs), leaseUntil = number(nowMs + 30'000);
        db.run("pick", {"default"});
        if (db.rows() == 0) {
            db.exec("COMMIT");
            break;
        }
        const QByteArray id = db.value(0, 0), attempt = number(db.value(0, 6).toLongLong() + 1);
        const QByteArray wait = number(std::max<qint64>(0, nowMs - db.value(0, 8).toLongLong()));
        db.run("take", {now.constData(), owner, leaseUntil.constData(), id.constData()});
        if (db.affectedRows() != 1)
            die(QStringLiteral("raw MariaDB claim of task %1 changed nothing").arg(QLatin1String(id)));
        db.run("event",
            {id.constData(), "default", now.constData(), "started", "queued", "running", attempt.constData(), worker,
                nullptr, wait.constData()});
        const qint64 finishedMs = QDateTime::currentMSecsSinceEpoch();
        const QByteArray finished = number(finishedMs);
        db.run("complete", {finished.constData(), "{}", id.constData(), attempt.constData(), owner});
        if (db.affectedRows() != 1)
            die(QStringLiteral("raw MariaDB complete of task %1 changed nothing").arg(QLatin1String(id)));
        const QByteArray duration = number(finishedMs - nowMs);
        db.run("event",
            {id.constData(), "default", finished.constData(), "succeeded", "running", "succeeded", attempt.constData(),
                worker, nullptr, duration.constData()});
        db.exec("COMMIT");
        ++drained;
    }
    const double rate = perSecond(drained, start);
    if (drained != expected)
        die(QStringLiteral("raw MariaDB drain found %1 tasks, expected %2").arg(drained).arg(expected));
    return rate;
}

double mariaDbProcessDrainRate(const QString& cli, const QString& url, int expected, int processes, int threads)
{
    RawMariaDb db(url);
    DrainControl control;
    control.server = QStringLiteral("MariaDB");
    control.prepareResume = [&] {
        db.exec("START TRANSACTION");
        db.exec("UPDATE queues SET paused = 0 WHERE name = 'default'");
        db.exec("UPDATE queuedesk_changes SET version = version + 1 WHERE id = 1");
    };
    control.commitResume = [&] { db.exec("COMMIT"); };
    control.succeeded = [&] { return db.exec("SELECT count(*) FROM tasks WHERE state = 'succeeded'").toLongLong(); };
    control.notSucceeded
        = [&] { return db.exec("SELECT count(*) FROM tasks WHERE state <> 'succeeded'").toLongLong(); };
    return processDrainRate(cli, url, expected, processes, threads, control);
}

} // namespace qd::bench
