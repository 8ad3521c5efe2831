#include "baselines.h"

#include "rawsqlite.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

double perSecond(qint64 operations, Clock::time_point start)
{
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return double(operations) / seconds;
}

// The task columns of the claim's RETURNING clause, as in sqldialect.cpp, so the baseline does the same work.
// The cheapest one-at-a-time claim on SQLite, as TaskStore runs it: read the next task, then update it by id. An
// UPDATE ... RETURNING would cost SQLite a statement journal and a temporary table (see TaskStore::claim).
constexpr const char* pickSql
    = "SELECT id, queue, type, payload, priority, state, attempts, max_attempts, run_at, created_at, started_at,"
      " finished_at, lease_owner, lease_expires_at, last_error, result, idempotency_key, timeout_ms, cancel_requested"
      " FROM tasks WHERE state = 'queued' AND queue = ?1 ORDER BY priority DESC, run_at, id LIMIT ?2";

constexpr const char* takeSql = "UPDATE tasks SET state = 'running', attempts = attempts + 1, started_at = ?1,"
                                " lease_owner = ?2, lease_expires_at = ?3, cancel_requested = 0 WHERE id = ?4";

// Fenced by attempt and owner; whether the fence held is sqlite3_changes().
constexpr const char* completeSql
    = "UPDATE tasks SET state = 'succeeded', finished_at = ?1, result = ?2, lease_owner = NULL,"
      " lease_expires_at = NULL, last_error = NULL"
      " WHERE id = ?3 AND state = 'running' AND attempts = ?4 AND lease_owner = ?5";

constexpr const char* insertTaskSql
    = "INSERT INTO tasks(queue, type, payload, priority, state, max_attempts, run_at, created_at, "
      "idempotency_key, timeout_ms, backoff_base_ms, backoff_max_ms, backoff_jitter) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";

constexpr const char* insertEventSql
    = "INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt, worker, detail, duration_ms)"
      " VALUES (?,?,?,?,?,?,?,?,?,?)";

void bindText(sqlite3_stmt* s, int index, const char* text)
{
    sqlite3_bind_text(s, index, text, -1, SQLITE_STATIC);
}

void bindEvent(sqlite3_stmt* s, sqlite3_int64 taskId, qint64 at, const char* kind, const char* from, const char* to,
    int attempt, const char* worker, qint64 durationMs)
{
    sqlite3_bind_int64(s, 1, taskId);
    bindText(s, 2, "default");
    sqlite3_bind_int64(s, 3, at);
    bindText(s, 4, kind);
    if (from)
        bindText(s, 5, from);
    else
        sqlite3_bind_null(s, 5);
    bindText(s, 6, to);
    sqlite3_bind_int(s, 7, attempt);
    if (worker)
        bindText(s, 8, worker);
    else
        sqlite3_bind_null(s, 8);
    sqlite3_bind_null(s, 9);
    if (durationMs >= 0)
        sqlite3_bind_int64(s, 10, durationMs);
    else
        sqlite3_bind_null(s, 10);
}

} // namespace

double rawInsertRate(const QString& path, int rows, int rowsPerCommit, bool withEvents, bool fullSync)
{
    RawSqlite db(path, fullSync);
    sqlite3_stmt* begin = db.prepare("BEGIN IMMEDIATE");
    sqlite3_stmt* commit = db.prepare("COMMIT");
    sqlite3_stmt* insert = db.prepare(insertTaskSql);
    sqlite3_stmt* event = db.prepare(insertEventSql);
    const auto start = Clock::now();
    for (int done = 0; done < rows;) {
        db.run(begin);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < rowsPerCommit && done < rows; ++i, ++done) {
            bindText(insert, 1, "default");
            bindText(insert, 2, "noop");
            bindText(insert, 3, "{}");
            sqlite3_bind_int(insert, 4, 0);
            bindText(insert, 5, "queued");
            sqlite3_bind_int(insert, 6, 3);
            sqlite3_bind_int64(insert, 7, now);
            sqlite3_bind_int64(insert, 8, now);
            sqlite3_bind_null(insert, 9);
            sqlite3_bind_int(insert, 10, 0);
            sqlite3_bind_null(insert, 11);
            sqlite3_bind_null(insert, 12);
            sqlite3_bind_null(insert, 13);
            db.run(insert);
            if (withEvents) {
                bindEvent(
                    event, sqlite3_last_insert_rowid(db.handle()), now, "enqueued", nullptr, "queued", 0, nullptr, -1);
                db.run(event);
            }
        }
        db.run(commit);
    }
    return perSecond(rows, start);
}

double qtInsertRate(const QString& path, int rows, int rowsPerCommit, bool named)
{
    const QString connection = QStringLiteral("qd-bench-qt");
    double rate = 0;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        if (!db.open()) {
            std::fprintf(stderr, "qd_bench: %s\n", qPrintable(db.lastError().text()));
            std::exit(2);
        }
        QSqlQuery pragma(db);
        pragma.exec(QStringLiteral("PRAGMA synchronous = NORMAL"));
        QSqlQuery begin(db), commit(db), insert(db);
        begin.prepare(QStringLiteral("BEGIN IMMEDIATE"));
        commit.prepare(QStringLiteral("COMMIT"));
        insert.prepare(named
                ? QStringLiteral("INSERT INTO tasks(queue, type, payload, priority, state, max_attempts, run_at, "
                                 "created_at, idempotency_key, timeout_ms, backoff_base_ms, backoff_max_ms, "
                                 "backoff_jitter) VALUES (:q,:t,:p,:pr,:s,:ma,:ra,:ca,:ik,:to,:bb,:bm,:bj)")
                : QString::fromLatin1(insertTaskSql));
        static const QString names[] = {QStringLiteral(":q"), QStringLiteral(":t"), QStringLiteral(":p"),
            QStringLiteral(":pr"), QStringLiteral(":s"), QStringLiteral(":ma"), QStringLiteral(":ra"),
            QStringLiteral(":ca"), QStringLiteral(":ik"), QStringLiteral(":to"), QStringLiteral(":bb"),
            QStringLiteral(":bm"), QStringLiteral(":bj")};
        const QString queue = QStringLiteral("default"), type = QStringLiteral("noop"), payload = QStringLiteral("{}"),
                      state = QStringLiteral("queued");
        const auto start = Clock::now();
        for (int done = 0; done < rows;) {
            begin.exec();
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            for (int i = 0; i < rowsPerCommit && done < rows; ++i, ++done) {
                const QVariant values[]
                    = {queue, type, payload, 0, state, 3, now, now, QVariant(), 0, QVariant(), QVariant(), QVariant()};
                for (int v = 0; v < 13; ++v) {
                    if (named)
                        insert.bindValue(names[v], values[v]);
                    else
                        insert.bindValue(v, values[v]);
                }
                if (!insert.exec()) {
                    std::fprintf(stderr, "qd_bench: %s\n", qPrintable(insert.lastError().text()));
                    std::exit(2);
                }
            }
            commit.exec();
        }
        rate = perSecond(rows, start);
    }
    QSqlDatabase::removeDatabase(connection);
    return rate;
}

double rawFsyncRate(const QString& path, int operations)
{
    const int fd = ::open(path.toLocal8Bit().constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        std::perror("qd_bench: open for the fsync baseline");
        std::exit(2);
    }
    char block[4096];
    for (std::size_t i = 0; i < sizeof block; ++i)
        block[i] = char('a' + i % 26);
    const auto start = Clock::now();
    for (int i = 0; i < operations; ++i) {
        if (::write(fd, block, sizeof block) != ssize_t(sizeof block) || ::fdatasync(fd) != 0) {
            std::perror("qd_bench: write/fdatasync");
            std::exit(2);
        }
    }
    const double rate = perSecond(operations, start);
    ::close(fd);
    return rate;
}

double rawDrainRate(const QString& path, int expected, int perTransaction)
{
    RawSqlite db(path, false);
    sqlite3_stmt* begin = db.prepare("BEGIN IMMEDIATE");
    sqlite3_stmt* commit = db.prepare("COMMIT");
    sqlite3_stmt* pick = db.prepare(pickSql);
    sqlite3_stmt* take = db.prepare(takeSql);
    sqlite3_stmt* complete = db.prepare(completeSql);
    sqlite3_stmt* event = db.prepare(insertEventSql);
    const char* owner = "raw:1";
    const char* worker = "raw:1/w0";
    struct Claimed {
        sqlite3_int64 id;
        int attempt;
        qint64 runAt;
    };
    std::vector<Claimed> claimed;
    int drained = 0;
    const auto start = Clock::now();
    for (;;) {
        db.run(begin);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        bindText(pick, 1, "default");
        sqlite3_bind_int(pick, 2, perTransaction);
        claimed.clear();
        int rc;
        while ((rc = sqlite3_step(pick)) == SQLITE_ROW) {
            claimed.push_back(
                {sqlite3_column_int64(pick, 0), sqlite3_column_int(pick, 6) + 1, sqlite3_column_int64(pick, 8)});
        }
        db.check(rc, "claim");
        sqlite3_reset(pick);
        if (claimed.empty()) {
            db.run(commit);
            break;
        }
        for (const Claimed& c : claimed) {
            sqlite3_bind_int64(take, 1, now);
            bindText(take, 2, owner);
            sqlite3_bind_int64(take, 3, now + 30'000);
            sqlite3_bind_int64(take, 4, c.id);
            db.run(take);
            bindEvent(event, c.id, now, "started", "queued", "running", c.attempt, worker,
                std::max<qint64>(0, now - c.runAt));
            db.run(event);
        }
        for (const Claimed& c : claimed) {
            const qint64 finished = QDateTime::currentMSecsSinceEpoch();
            sqlite3_bind_int64(complete, 1, finished);
            bindText(complete, 2, "{}");
            sqlite3_bind_int64(complete, 3, c.id);
            sqlite3_bind_int(complete, 4, c.attempt);
            bindText(complete, 5, owner);
            db.run(complete);
            if (sqlite3_changes(db.handle()) != 1) {
                std::fprintf(stderr, "qd_bench: raw complete of task %lld changed nothing\n", (long long)c.id);
                std::exit(2);
            }
            bindEvent(event, c.id, finished, "succeeded", "running", "succeeded", c.attempt, worker, finished - now);
            db.run(event);
        }
        db.run(commit);
        drained += int(claimed.size());
    }
    const double rate = perSecond(drained, start);
    if (drained != expected) {
        std::fprintf(stderr, "qd_bench: raw drain found %d tasks, expected %d\n", drained, expected);
        std::exit(2);
    }
    return rate;
}

} // namespace qd::bench
