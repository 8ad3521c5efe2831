#include "failuresbench.h"

#include "core/taskstore.h"

#include <QSqlError>
#include <QSqlQuery>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const QString& what, const QString& error)
{
    std::fprintf(stderr, "qd_bench (B22): %s: %s\n", qPrintable(what), qPrintable(error));
    std::exit(2);
}

std::unique_ptr<TaskStore> openStore(const QString& path)
{
    StoreOptions options;
    options.path = path;
    auto store = TaskStore::open(options);
    if (!store)
        die(QStringLiteral("open"), store.errorString());
    return std::move(store).value();
}

// One error text of kind `cause % 8` (its number normalises away) with its varying parts drawn from `random`.
QString errorText(int cause, std::mt19937_64& random)
{
    const auto n = [&](int max) { return QString::number(std::uniform_int_distribution<int>(0, max)(random)); };
    const auto hex = [&](int digits) {
        QString s;
        for (int i = 0; i < digits; ++i)
            s += QLatin1Char("0123456789abcdef"[std::uniform_int_distribution<int>(0, 15)(random)]);
        return s;
    };
    const QString uuid = hex(8) + QLatin1Char('-') + hex(4) + QLatin1Char('-') + hex(4) + QLatin1Char('-') + hex(4)
        + QLatin1Char('-') + hex(12);
    const QString time = QStringLiteral("2026-12-0%1T%2:%3:%4.%5Z")
                             .arg(n(8).toInt() + 1)
                             .arg(n(23).toInt(), 2, 10, QLatin1Char('0'))
                             .arg(n(59).toInt(), 2, 10, QLatin1Char('0'))
                             .arg(n(59).toInt(), 2, 10, QLatin1Char('0'))
                             .arg(n(999).toInt(), 3, 10, QLatin1Char('0'));
    switch (cause % 8) {
    case 0:
        return QStringLiteral("cause %1: HTTP %2 from https://hooks%3.example.com/v1/events/%4?attempt=%5")
            .arg(cause)
            .arg(n(599), n(99), n(999999), n(9));
    case 1:
        return QStringLiteral("cause %1: cannot open /var/spool/in/%2/img_%3.png: No such file or directory")
            .arg(cause)
            .arg(hex(6), n(99999));
    case 2:
        return QStringLiteral("cause %1: job %2 lost its lease at %3").arg(cause).arg(uuid, time);
    case 3:
        return QStringLiteral("cause %1: timeout after %2 ms talking to 10.0.%3.%4:%5")
            .arg(cause)
            .arg(n(30000), n(255), n(255), n(65535));
    case 4:
        return QStringLiteral("cause %1: unknown customer '%2' in order %3").arg(cause).arg(hex(10), n(9999999));
    case 5:
        return QStringLiteral("cause %1: segfault at 0x%2 in worker %3 (commit %4)")
            .arg(cause)
            .arg(hex(12), n(63), hex(40));
    case 6:
        return QStringLiteral("cause %1: disk quota exceeded: %2 of %3 bytes used on /data/%4")
            .arg(cause)
            .arg(n(1 << 30), n(1 << 30), hex(4));
    default:
        return QStringLiteral("cause %1: payload field \"%2\" is invalid: expected %3 items, got %4")
            .arg(cause)
            .arg(hex(5), n(100), n(100));
    }
}

} // namespace

void buildFailureHistory(const QString& path, int errors, unsigned seed)
{
    auto store = openStore(path);
    QSqlDatabase db = store->database();
    std::mt19937_64 random(seed);
    if (!db.transaction())
        die(QStringLiteral("begin"), db.lastError().text());
    QSqlQuery task(db), event(db);
    task.prepare(QStringLiteral("INSERT INTO tasks(id, queue, type, payload, state, attempts, max_attempts, run_at,"
                                " created_at, last_error) VALUES (?, ?, ?, '{}', 'failed', 3, 3, ?, ?, ?)"));
    event.prepare(QStringLiteral("INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt,"
                                 " detail) VALUES (?, ?, ?, ?, 'running', ?, ?, ?)"));
    const QStringList queues {
        QStringLiteral("mail"), QStringLiteral("images"), QStringLiteral("reports"), QStringLiteral("default")};
    const QStringList types {
        QStringLiteral("notify"), QStringLiteral("image"), QStringLiteral("logstats"), QStringLiteral("command")};
    const qint64 t0 = 1'800'000'000'000;
    // Three attempts per task: two retried, the last final.
    for (int i = 0; i < errors; ++i) {
        const qint64 id = i / 3 + 1;
        const int attempt = i % 3 + 1;
        const int cause = std::uniform_int_distribution<int>(0, 39)(random);
        const QString& queue = queues[cause % 4];
        const QString error = errorText(cause, random);
        const qint64 at = t0 + i * 10;
        if (attempt == 1) {
            task.addBindValue(id);
            task.addBindValue(queue);
            task.addBindValue(types[cause % 4]);
            task.addBindValue(at);
            task.addBindValue(at);
            task.addBindValue(error);
            if (!task.exec())
                die(QStringLiteral("insert task"), task.lastError().text());
        }
        event.addBindValue(id);
        event.addBindValue(queue);
        event.addBindValue(at);
        event.addBindValue(attempt == 3 ? QStringLiteral("failed") : QStringLiteral("retry_scheduled"));
        event.addBindValue(attempt == 3 ? QStringLiteral("failed") : QStringLiteral("scheduled"));
        event.addBindValue(attempt);
        event.addBindValue(attempt == 3 ? error + QStringLiteral(" (attempts exhausted: 3 of 3)") : error);
        if (!event.exec())
            die(QStringLiteral("insert event"), event.lastError().text());
    }
    if (!db.commit())
        die(QStringLiteral("commit"), db.lastError().text());
}

double failureClustersMs(const QString& path, int* clusters)
{
    auto store = openStore(path);
    const Clock::time_point start = Clock::now();
    const auto found = store->failureClusters({});
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!found)
        die(QStringLiteral("failureClusters"), found.errorString());
    if (clusters)
        *clusters = int(found->size());
    return ms;
}

double rawGroupByMs(const QString& path)
{
    auto store = openStore(path);
    QSqlQuery q(store->database());
    q.setForwardOnly(true);
    const Clock::time_point start = Clock::now();
    if (!q.exec(QStringLiteral("SELECT detail, count(*), min(at), max(at) FROM task_events"
                               " WHERE kind IN ('failed', 'retry_scheduled', 'lease_expired') GROUP BY detail")))
        die(QStringLiteral("group by"), q.lastError().text());
    qint64 rows = 0;
    while (q.next())
        rows += q.value(1).toLongLong() > 0;
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (rows == 0)
        die(QStringLiteral("group by"), QStringLiteral("no rows"));
    return ms;
}

} // namespace qd::bench
