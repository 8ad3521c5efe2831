#include "guiexportbench.h"

#include "core/export/historyexporter.h"
#include "core/taskstore.h"
#include "ui/exportdialog.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace qd::bench {

namespace {

[[noreturn]] void die(const QString& what)
{
    std::fprintf(stderr, "qd_bench_ui (B24): %s\n", qPrintable(what));
    std::exit(2);
}

constexpr qint64 firstEventAt = 1'800'000'000'000;

// The CPU time of the whole process (every thread) in ms: what a side cost, apart from waiting for a core on a
// busy machine.
double processCpuMs()
{
    timespec t {};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

struct Timing {
    double wallMs = 0;
    double cpuMs = 0;
};

// Records in a CSV file (a quoted newline is inside a record).
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

void checkOutput(const QString& path, int events, const char* side)
{
    if (const qint64 records = csvRecords(path); records != events + 1)
        die(QStringLiteral("%1 wrote %2 records, expected %3 events and a header")
                .arg(QLatin1String(side))
                .arg(records)
                .arg(events));
}

Timing guiExport(const QString& db, const QString& out, int events)
{
    QFile::remove(out);
    StoreOptions options;
    options.path = db;
    ui::ExportDialog dialog(options, TaskFilter {}, 0, {});
    dialog.setWhat(ui::ExportDialog::What::Events);
    dialog.setFormat(ExportFormat::Csv);
    dialog.setTimeRange(0, firstEventAt + 1000LL * events + 1);
    dialog.setQueue({});
    dialog.setPath(out);
    // Shown and painted before Export is pressed, as in the window (the first paint loads fonts: not the export's).
    dialog.show();
    for (int i = 0; i < 5; ++i)
        QCoreApplication::processEvents();
    bool done = false;
    QString failure;
    QObject::connect(&dialog, &ui::ExportDialog::exportSucceeded, [&] { done = true; });
    QObject::connect(&dialog, &ui::ExportDialog::exportFailed, [&](const QString& message) {
        failure = message;
        done = true;
    });
    QElapsedTimer clock;
    clock.start();
    const double cpu = processCpuMs();
    if (!dialog.startExport())
        die(QStringLiteral("the dialog did not start: %1").arg(dialog.statusText()));
    while (!done)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    const Timing timing {double(clock.nsecsElapsed()) / 1e6, processCpuMs() - cpu};
    if (!failure.isEmpty())
        die(QStringLiteral("the window's export failed: %1").arg(failure));
    checkOutput(out, events, "the window's export");
    return timing;
}

Timing cliExport(const QString& db, const QString& out, int events)
{
    QFile::remove(out);
    QElapsedTimer clock;
    clock.start();
    const double cpu = processCpuMs();
    {
        StoreOptions options;
        options.path = db;
        options.createIfMissing = false;
        auto store = TaskStore::open(options);
        if (!store)
            die(QStringLiteral("open: %1").arg(store.errorString()));
        std::atomic<bool> interrupted {false}; // the CLI polls its signal flag
        ExportControl control;
        control.cancelFlag = &interrupted;
        const auto rows = HistoryExporter::exportEvents(
            **store, 0, firstEventAt + 1000LL * events + 1, {}, ExportFormat::Csv, out, control);
        if (!rows)
            die(QStringLiteral("exportEvents: %1").arg(rows.errorString()));
    }
    const Timing timing {double(clock.nsecsElapsed()) / 1e6, processCpuMs() - cpu};
    checkOutput(out, events, "the CLI's export");
    return timing;
}

} // namespace

void buildEventHistory(const QString& path, int events)
{
    StoreOptions options;
    options.path = path;
    auto opened = TaskStore::open(options);
    if (!opened)
        die(QStringLiteral("open %1: %2").arg(path, opened.errorString()));
    QSqlDatabase db = (*opened)->database();
    if (!db.transaction())
        die(db.lastError().text());
    QSqlQuery task(db), event(db);
    task.prepare(QStringLiteral("INSERT INTO tasks(id, queue, type, payload, state, attempts, max_attempts, run_at,"
                                " created_at) VALUES (?, ?, 'image', '{\"w\":640}', ?, 1, 3, ?, ?)"));
    event.prepare(QStringLiteral("INSERT INTO task_events(task_id, queue, at, kind, from_state, to_state, attempt,"
                                 " worker, detail, duration_ms) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)"));
    const QStringList queues {
        QStringLiteral("emails"), QStringLiteral("images"), QStringLiteral("reports"), QStringLiteral("default")};
    struct Step {
        const char* kind;
        const char* from;
        const char* to;
    };
    for (int i = 0; i < events; ++i) {
        const qint64 id = i / 4 + 1;
        const int step = i % 4;
        const bool fails = id % 10 == 0;
        const QString& queue = queues.at(int(id % queues.size()));
        const qint64 at = firstEventAt + 1000LL * i;
        if (step == 0) {
            task.addBindValue(id);
            task.addBindValue(queue);
            task.addBindValue(fails ? QStringLiteral("failed") : QStringLiteral("succeeded"));
            task.addBindValue(at);
            task.addBindValue(at);
            if (!task.exec())
                die(task.lastError().text());
        }
        static const Step steps[] = {{"enqueued", nullptr, "queued"}, {"ready", "queued", "queued"},
            {"started", "queued", "running"}, {"succeeded", "running", "succeeded"}};
        Step s = steps[step];
        if (step == 3 && fails)
            s = {"failed", "running", "failed"};
        event.addBindValue(id);
        event.addBindValue(queue);
        event.addBindValue(at);
        event.addBindValue(QString::fromLatin1(s.kind));
        event.addBindValue(s.from ? QVariant(QString::fromLatin1(s.from)) : QVariant(QMetaType(QMetaType::QString)));
        event.addBindValue(QString::fromLatin1(s.to));
        event.addBindValue(step >= 2 ? QVariant(QStringLiteral("worker-%1").arg(id % 4)) : QVariant());
        event.addBindValue(step == 3 && fails ? QVariant(QStringLiteral("HTTP 503 from https://hooks.example.com/x"))
                                              : QVariant(QMetaType(QMetaType::QString)));
        event.addBindValue(step >= 2 ? QVariant(qint64(20 + id % 300)) : QVariant(QMetaType(QMetaType::LongLong)));
        if (!event.exec())
            die(event.lastError().text());
    }
    if (!db.commit())
        die(db.lastError().text());
}

QJsonObject measureGuiExport(const QString& path, int events, bool guiFirst)
{
    const QString out = QFileInfo(path).dir().filePath(QStringLiteral("b24-events.csv"));
    Timing gui, cli;
    if (guiFirst) {
        gui = guiExport(path, out, events);
        cli = cliExport(path, out, events);
    } else {
        cli = cliExport(path, out, events);
        gui = guiExport(path, out, events);
    }
    QFile::remove(out);
    return {{QStringLiteral("events"), events}, {QStringLiteral("gui_ms"), gui.wallMs},
        {QStringLiteral("cli_ms"), cli.wallMs}, {QStringLiteral("gui_cpu_ms"), gui.cpuMs},
        {QStringLiteral("cli_cpu_ms"), cli.cpuMs}, {QStringLiteral("gui_events_per_s"), events / (gui.wallMs / 1000)},
        {QStringLiteral("cli_events_per_s"), events / (cli.wallMs / 1000)}};
}

} // namespace qd::bench
