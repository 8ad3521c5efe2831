#include "exportbench.h"

#include "core/export/exportcodec.h"
#include "core/export/historyexporter.h"
#include "core/taskstore.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QStringList>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const QString& what)
{
    std::fprintf(stderr, "qd_bench: B10: %s\n", qPrintable(what));
    std::exit(2);
}

// Counts records by line ends outside quotes: a payload may hold a quoted newline, which is still one record.
qint64 csvRecords(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        die(QStringLiteral("cannot read %1").arg(path));
    qint64 records = 0;
    bool quoted = false;
    while (!file.atEnd()) {
        const QByteArray chunk = file.read(1 << 20);
        for (const char c : chunk) {
            if (c == '"')
                quoted = !quoted;
            else if (c == '\n' && !quoted)
                ++records;
        }
    }
    return records;
}

void checkRows(const QString& path, qint64 expectedRows, const char* side)
{
    const qint64 records = csvRecords(path);
    if (records != expectedRows + 1)
        die(QStringLiteral("%1 wrote %2 records, expected %3 rows and a header")
                .arg(QLatin1String(side))
                .arg(records)
                .arg(expectedRows));
}

} // namespace

double exporterSeconds(const QString& databasePath, const QString& outPath, qint64 expectedRows)
{
    QFile::remove(outPath);
    const auto start = Clock::now();
    qint64 rows = 0;
    {
        StoreOptions options;
        options.path = databasePath;
        options.readOnly = true;
        auto store = TaskStore::open(options);
        if (!store)
            die(QStringLiteral("TaskStore::open: %1").arg(store.errorString()));
        auto written = HistoryExporter::exportTasks(**store, TaskFilter {}, ExportFormat::Csv, outPath);
        if (!written)
            die(QStringLiteral("exportTasks: %1").arg(written.errorString()));
        rows = written.value();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (rows != expectedRows)
        die(QStringLiteral("the exporter reported %1 rows, expected %2").arg(rows).arg(expectedRows));
    checkRows(outPath, expectedRows, "HistoryExporter");
    QFile::remove(outPath);
    return seconds;
}

double sqliteShellSeconds(const QString& databasePath, const QString& outPath, qint64 expectedRows)
{
    QStringList columns;
    for (const QLatin1String& column : ExportCodec::taskColumns())
        columns.append(column);
    const QString sql = QStringLiteral("SELECT %1 FROM tasks ORDER BY id").arg(columns.join(QStringLiteral(", ")));
    QFile::remove(outPath);
    QProcess shell;
    shell.setStandardOutputFile(outPath);
    shell.setProcessChannelMode(QProcess::SeparateChannels);
    const auto start = Clock::now();
    shell.start(QStringLiteral("sqlite3"),
        {QStringLiteral("-readonly"), QStringLiteral("-csv"), QStringLiteral("-header"), databasePath, sql});
    if (!shell.waitForFinished(30 * 60 * 1000) || shell.exitStatus() != QProcess::NormalExit || shell.exitCode() != 0)
        die(QStringLiteral("sqlite3 failed: %1").arg(QString::fromLocal8Bit(shell.readAllStandardError())));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    checkRows(outPath, expectedRows, "sqlite3");
    QFile::remove(outPath);
    return seconds;
}

bool sqliteShellAvailable()
{
    return !QStandardPaths::findExecutable(QStringLiteral("sqlite3")).isEmpty();
}

} // namespace qd::bench
