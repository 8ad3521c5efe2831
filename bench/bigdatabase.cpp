#include "bigdatabase.h"

#include "rawsqlite.h"

#include "core/taskstore.h"

#include <QDateTime>
#include <QDir>
#include <QFile>

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace qd::bench {

namespace {

// Bump when the generated content changes, so stale caches are rebuilt.
constexpr int generatorVersion = 2;

struct IndexSql {
    std::string name;
    std::string sql;
};

void removeDatabase(const QString& path)
{
    for (const char* suffix : {"", "-wal", "-shm"})
        QFile::remove(path + QLatin1String(suffix));
}

void fill(const QString& path, int tasks)
{
    RawSqlite db(path, false);
    // Bulk load settings for this connection only; the file keeps WAL mode.
    db.exec("PRAGMA synchronous = OFF");
    db.exec("PRAGMA cache_size = -131072");

    // Inserting in id order into seven secondary indexes costs random B-tree writes per row; building each index
    // once afterwards is a sort. The definitions come from the schema TaskStore just created, so they stay exact.
    std::vector<IndexSql> indexes;
    {
        sqlite3_stmt* list
            = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' "
                         "AND sql IS NOT NULL");
        while (sqlite3_step(list) == SQLITE_ROW) {
            indexes.push_back({reinterpret_cast<const char*>(sqlite3_column_text(list, 0)),
                reinterpret_cast<const char*>(sqlite3_column_text(list, 1))});
        }
        sqlite3_reset(list);
    }
    for (const IndexSql& index : indexes)
        db.exec(("DROP INDEX " + index.name).c_str());

    static constexpr std::array<const char*, 4> queues {"default", "images", "reports", "webhooks"};
    static constexpr std::array<const char*, 5> types {"noop", "image", "logstats", "notify", "sleep"};
    sqlite3_stmt* queue = db.prepare("INSERT INTO queues(name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING");
    sqlite3_stmt* insert = db.prepare(
        "INSERT INTO tasks(queue, type, payload, priority, state, attempts, max_attempts, run_at, created_at, "
        "started_at, finished_at, last_error, result, timeout_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 span = 30LL * 24 * 3600 * 1000; // a month of history
    const qint64 first = now - span;
    db.exec("BEGIN");
    for (const char* name : queues) {
        sqlite3_bind_text(queue, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(queue, 2, first);
        db.run(queue);
    }
    std::string payload, result;
    for (int i = 0; i < tasks; ++i) {
        if (i > 0 && i % 100'000 == 0) {
            db.exec("COMMIT");
            db.exec("BEGIN");
        }
        // A cheap deterministic scramble, so states and types do not come in stripes.
        const quint32 h = quint32(i) * 2654435761u;
        const int typeIndex = int((h >> 8) % types.size());
        const char* type = types[size_t(typeIndex)];
        const char* queueName = typeIndex == 1 ? "images"
            : typeIndex == 2                   ? "reports"
            : typeIndex == 3                   ? "webhooks"
                                               : "default";
        const int roll = int((h >> 16) % 100);
        const char* state = roll < 85 ? "succeeded"
            : roll < 90               ? "failed"
            : roll < 92               ? "cancelled"
            : roll < 98               ? "queued"
                                      : "scheduled";
        const qint64 created = first + span * i / std::max(1, tasks);
        payload = "{\"input\":\"/srv/data/in/file-" + std::to_string(i)
            + ".jpg\",\"output\":\"/srv/data/out/thumbs/file-" + std::to_string(i)
            + ".jpg\",\"width\":320,\"height\":320}";
        const bool finished = roll < 92;
        const bool ran = roll < 90;
        sqlite3_bind_text(insert, 1, queueName, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 2, type, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert, 3, payload.c_str(), int(payload.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int(insert, 4, int(h % 3) * 25);
        sqlite3_bind_text(insert, 5, state, -1, SQLITE_STATIC);
        sqlite3_bind_int(insert, 6, ran ? (roll >= 85 ? 3 : 1) : 0);
        sqlite3_bind_int(insert, 7, 3);
        sqlite3_bind_int64(insert, 8, roll >= 98 ? now + span : created); // scheduled: a month ahead
        sqlite3_bind_int64(insert, 9, created);
        if (ran) {
            sqlite3_bind_int64(insert, 10, created + 40);
            sqlite3_bind_int64(insert, 11, created + 40 + (h % 900));
        } else {
            sqlite3_bind_null(insert, 10);
            if (finished)
                sqlite3_bind_int64(insert, 11, created + 10);
            else
                sqlite3_bind_null(insert, 11);
        }
        if (roll >= 85 && roll < 90)
            sqlite3_bind_text(
                insert, 12, "cannot read \"/srv/data/in/file.jpg\": unsupported image format", -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(insert, 12);
        if (roll < 85) {
            result = "{\"bytes\":" + std::to_string(10000 + h % 50000) + ",\"width\":320,\"height\":240}";
            sqlite3_bind_text(insert, 13, result.c_str(), int(result.size()), SQLITE_TRANSIENT);
        } else {
            sqlite3_bind_null(insert, 13);
        }
        sqlite3_bind_int(insert, 14, 0);
        db.run(insert);
    }
    // The rows went in beside TaskStore: its kept counts (task_counts) are built the way the migration builds them.
    db.exec("DELETE FROM task_counts");
    db.exec("INSERT INTO task_counts(slot, queue, state, n) SELECT 0, queue, state, count(*) FROM tasks"
            " GROUP BY queue, state");
    db.exec("COMMIT");
    for (const IndexSql& index : indexes)
        db.exec(index.sql.c_str());
    // The payload search index complete, as the engine's background pass leaves it (TaskStore::indexSearchBatch).
    db.exec("BEGIN");
    db.exec("INSERT INTO task_search(rowid, payload) SELECT id, payload FROM tasks");
    db.exec("UPDATE task_search_cursor SET last_task_id = (SELECT max(id) FROM tasks)");
    db.exec("COMMIT");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

} // namespace

void createSchemaFile(const QString& path)
{
    StoreOptions options;
    options.path = path;
    auto store = TaskStore::open(options);
    if (!store) {
        std::fprintf(stderr, "qd_bench: TaskStore::open: %s\n", qPrintable(store.errorString()));
        std::exit(2);
    }
}

QString ensureBigDatabase(const QString& directory, int tasks)
{
    QDir().mkpath(directory);
    const QString stem = QStringLiteral("qd-bench-tasks-%1-schema%2-gen%3")
                             .arg(tasks)
                             .arg(TaskStore::schemaVersion())
                             .arg(generatorVersion);
    const QString path = QDir(directory).absoluteFilePath(stem + QLatin1String(".db"));
    const QString marker = path + QLatin1String(".complete");
    if (QFile::exists(marker) && QFile::exists(path))
        return path;

    removeDatabase(path);
    QFile::remove(marker);
    std::fprintf(stderr, "  building %s (%d tasks; cached for later runs)\n", qPrintable(path), tasks);
    const auto start = std::chrono::steady_clock::now();
    createSchemaFile(path);
    fill(path, tasks);
    QFile done(marker);
    if (!done.open(QIODevice::WriteOnly)) {
        std::fprintf(stderr, "qd_bench: cannot write %s\n", qPrintable(marker));
        std::exit(2);
    }
    std::fprintf(
        stderr, "  built in %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return path;
}

} // namespace qd::bench
