// qd_bench_ui: the GUI side of the benchmark suite (figures B7, B8, B9, B24). qd_bench starts it once per repetition,
// with QT_QPA_PLATFORM=offscreen, so every repetition is a fresh process (a cold start of the program, and a
// resident-memory figure that nothing before it inflated). It measures one thing and prints one line of JSON with
// the numbers on stdout; qd_bench turns them into figures. Diagnostics go to stderr.
//
//   qd_bench_ui --measure table   --db <1M db>   B7: open to first rows, jump to last row, filter change, counts
//   qd_bench_ui --measure memory  --db <db>      B9: MainWindow on db, scrolled top to bottom; VmRSS
//   qd_bench_ui --measure guiload --db <new db>  B8: MainWindow while a producer offers --rate tasks/s
//                                   [--no-window]     B8's baseline: the same load, only the probe on the GUI thread
//   qd_bench_ui --measure export  --db <file>    B24: events exported by the window's dialog and by the CLI's code
//                                   [--events N] [--cli-first]   path, one each (the file is built when missing)
//
// Everything is timed from outside the ui library, with the signals a user-visible change produces
// (TaskTableModel's modelReset/dataChanged and LoadedRole), so no hook in ui/ is needed.

#include "guiexportbench.h"

#include "core/queueengine.h"
#include "ui/mainwindow.h"
#include "ui/tasktablemodel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>

#include "core/taskstore.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

using namespace qd;
using qd::ui::MainWindow;
using qd::ui::TaskTableModel;

namespace {

[[noreturn]] void die(const QString& what)
{
    std::fprintf(stderr, "qd_bench_ui: %s\n", qPrintable(what));
    std::exit(2);
}

double msSince(const QElapsedTimer& clock)
{
    return double(clock.nsecsElapsed()) / 1e6;
}

// VmRSS or VmHWM of this process in MiB.
double procStatusMiB(const char* key)
{
    QFile file(QStringLiteral("/proc/self/status"));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(key) + ':';
    for (const QByteArray& line : file.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toDouble() / 1024.0;
    }
    return -1;
}

// Runs the event loop until `done` holds, checking after every batch of events (model signals arrive as queued
// events, so the check follows them at once) and at least every 20 ms. Returns false on timeout.
bool spinUntil(const std::function<bool()>& done, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    QTimer wake;
    wake.setInterval(20);
    wake.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    return true;
}

bool rowLoaded(const QAbstractItemModel& model, int row)
{
    return row >= 0 && row < model.rowCount() && model.data(model.index(row, 0), TaskTableModel::LoadedRole).toBool();
}

std::unique_ptr<QueueEngine> openEngine(const QString& db, int workers, bool persistMetrics)
{
    EngineOptions options;
    options.store.path = db;
    options.workerCount = workers;
    options.persistMetrics = persistMetrics;
    auto engine = QueueEngine::open(options);
    if (!engine)
        die(QStringLiteral("cannot open %1: %2").arg(db, engine.errorString()));
    return std::move(engine).value();
}

void emitJson(const QJsonObject& object)
{
    std::printf("%s\n", QJsonDocument(object).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

// B7. The cached 1M database is opened without workers and without metrics persistence, so it stays as built.
int measureTable(const QString& db)
{
    QJsonObject out;
    QElapsedTimer clock;
    clock.start();
    auto engine = openEngine(db, 0, false);
    out.insert(QStringLiteral("engine_open_ms"), msSince(clock));
    auto* model = new TaskTableModel(engine.get());
    QTableView view; // what the user sees: a plain table of the model, painted by the offscreen platform
    view.verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    view.verticalHeader()->setDefaultSectionSize(view.fontMetrics().height() + 6);
    view.setModel(model);
    view.resize(1200, 800);
    view.show();
    double countMs = -1;
    if (!spinUntil(
            [&] {
                if (countMs < 0 && model->totalCount() >= 0)
                    countMs = msSince(clock);
                return rowLoaded(*model, 0);
            },
            60'000))
        die(QStringLiteral("the first rows did not arrive within 60 s"));
    out.insert(QStringLiteral("first_rows_ms"), msSince(clock));
    // The first page may be shown before the exact count (the model asks for both at once): the jumps below need
    // the whole table.
    if (!spinUntil(
            [&] {
                if (countMs < 0 && model->totalCount() >= 0)
                    countMs = msSince(clock);
                return countMs >= 0;
            },
            60'000))
        die(QStringLiteral("the row count did not arrive within 60 s"));
    out.insert(QStringLiteral("first_count_ms"), countMs);
    out.insert(QStringLiteral("rows"), model->rowCount());
    if (model->rowCount() != model->totalCount())
        die(QStringLiteral("%1 rows shown for a count of %2").arg(model->rowCount()).arg(model->totalCount()));

    // Jump to the last row, as Ctrl+End or dragging the scroll bar down does.
    const int last = model->rowCount() - 1;
    clock.restart();
    view.scrollToBottom();
    if (!spinUntil([&] { return rowLoaded(*model, last); }, 60'000))
        die(QStringLiteral("the last row did not arrive within 60 s"));
    out.insert(QStringLiteral("last_row_ms"), msSince(clock));
    // The middle is the deepest page from either end (the model reads the second half in reverse order).
    const int middle = model->rowCount() / 2;
    clock.restart();
    view.scrollTo(model->index(middle, 0), QAbstractItemView::PositionAtTop);
    if (!spinUntil([&] { return rowLoaded(*model, middle); }, 60'000))
        die(QStringLiteral("the middle row did not arrive within 60 s"));
    out.insert(QStringLiteral("middle_row_ms"), msSince(clock));
    view.scrollToTop();
    spinUntil([&] { return rowLoaded(*model, 0); }, 60'000);

    // Filter changes: by state (indexed) and a payload search (a scan). Each is timed to the arrival of its count
    // and to its first rows on screen; the row's state proves the rows belong to the new filter.
    auto timeFilter = [&](const TaskFilter& filter, const QString& key, const std::function<bool(int)>& rowMatches) {
        clock.restart();
        model->setFilter(filter);
        double filterCountMs = -1;
        if (!spinUntil(
                [&] {
                    if (filterCountMs < 0 && model->totalCount() >= 0)
                        filterCountMs = msSince(clock);
                    return model->totalCount() == 0 || (rowLoaded(*model, 0) && model->totalCount() >= 0);
                },
                120'000))
            die(QStringLiteral("the filtered rows did not arrive within 120 s"));
        out.insert(key + QLatin1String("_rows_ms"), msSince(clock));
        out.insert(key + QLatin1String("_count_ms"), filterCountMs);
        out.insert(key + QLatin1String("_matches"), model->totalCount());
        if (model->totalCount() > 0 && !rowMatches(0))
            die(QStringLiteral("the first row after the %1 filter does not match it").arg(key));
    };
    TaskFilter failed;
    failed.states = {TaskState::Failed};
    timeFilter(failed, QStringLiteral("filter_state"), [&](int row) {
        return model->data(model->index(row, 0), TaskTableModel::StateRole) == int(TaskState::Failed);
    });
    TaskFilter search;
    search.search = QStringLiteral("file-424242.");
    timeFilter(search, QStringLiteral("filter_search"), [](int) { return true; });

    // The search's first page and count as the model asks for them (newest first, 256 rows), through the trigram
    // index and, in the same run, by a LIKE scan (a store without the index).
    for (const bool indexed : {true, false}) {
        StoreOptions options;
        options.path = db;
        options.readOnly = true;
        options.useSearchIndex = indexed;
        auto store = TaskStore::open(options);
        if (!store)
            die(store.errorString());
        if ((*store)->hasSearchIndex() != indexed)
            die(QStringLiteral("the database has no search index"));
        const QString key = indexed ? QStringLiteral("search_index") : QStringLiteral("search_like");
        clock.restart();
        auto page = (*store)->listTasks({search, TaskSortKey::Id, true, 0, 256});
        if (!page)
            die(page.errorString());
        out.insert(key + QLatin1String("_page_ms"), msSince(clock));
        clock.restart();
        auto count = (*store)->countTasks(search);
        if (!count)
            die(count.errorString());
        out.insert(key + QLatin1String("_count_ms"), msSince(clock));
        out.insert(key + QLatin1String("_matches"), *count);
        if (page->isEmpty() || !page->first().payload.contains("file-424242."))
            die(QStringLiteral("the search found no matching task"));
    }

    // Counts per state: the window's status bar and queue list read QueueEngine::counts() (kept in memory).
    {
        constexpr int calls = 1000;
        qint64 sink = 0;
        clock.restart();
        for (int i = 0; i < calls; ++i)
            sink += engine->counts().value(QStringLiteral("default"))[0];
        out.insert(QStringLiteral("counts_memory_ms"), msSince(clock) / calls);
        if (sink < 0)
            die(QStringLiteral("negative count"));
    }
    // What the engine pays once at open to fill those counts: one GROUP BY over the table.
    {
        StoreOptions options;
        options.path = db;
        options.readOnly = true;
        auto store = TaskStore::open(options);
        if (!store)
            die(store.errorString());
        clock.restart();
        auto counts = (*store)->countByQueueAndState();
        if (!counts)
            die(counts.errorString());
        out.insert(QStringLiteral("counts_sql_ms"), msSince(clock));
    }
    delete model;
    emitJson(out);
    return 0;
}

// B9. A MainWindow as the user opens it (newest first), then scrolled from top to bottom: through every page, or
// with `positions` > 0 to that many evenly spread positions (each a page of its own; far more pages than the
// model's cache holds, so the cache fills and evicts as it would over a long session).
int measureMemory(const QString& db, int positions)
{
    QJsonObject out;
    out.insert(QStringLiteral("rss_start_mib"), procStatusMiB("VmRSS"));
    QElapsedTimer clock;
    clock.start();
    auto engine = std::shared_ptr<QueueEngine>(openEngine(db, 0, false));
    auto window = std::make_unique<MainWindow>(engine);
    window->resize(1280, 800);
    window->show();
    TaskTableModel* model = window->taskModel();
    QTableView* view = window->taskView();
    if (!spinUntil([&] { return model->totalCount() == 0 || rowLoaded(*model, 0); }, 60'000))
        die(QStringLiteral("the first rows did not arrive within 60 s"));
    out.insert(QStringLiteral("window_first_rows_ms"), msSince(clock));
    // The scroll below goes through the whole table: wait for the exact count (the first page may come before it).
    if (!spinUntil([&] { return model->totalCount() >= 0; }, 60'000))
        die(QStringLiteral("the row count did not arrive within 60 s"));
    out.insert(QStringLiteral("rss_open_mib"), procStatusMiB("VmRSS"));

    const int rows = model->rowCount();
    const int stepRows = std::max(TaskTableModel::pageSize, positions > 0 ? rows / positions : 0);
    int timeouts = 0;
    clock.restart();
    for (int row = 0; row < rows; row += stepRows) {
        view->scrollTo(model->index(row, 0), QAbstractItemView::PositionAtTop);
        if (!spinUntil([&] { return rowLoaded(*model, row); }, 10'000))
            ++timeouts;
        if (const int tenth = std::max(1, rows / 10); row / tenth != (row + stepRows) / tenth)
            std::fprintf(stderr, "  scrolled to row %d of %d\n", row, rows);
    }
    if (rows > 0) {
        view->scrollToBottom();
        spinUntil([&] { return rowLoaded(*model, rows - 1); }, 10'000);
    }
    const double scrollMs = msSince(clock);
    // Let the deferred work of the last steps (page evictions, repaints) settle before reading.
    spinUntil([] { return false; }, 300);
    out.insert(QStringLiteral("rows"), rows);
    out.insert(QStringLiteral("scroll_ms"), scrollMs);
    out.insert(QStringLiteral("scroll_steps"), rows > 0 ? (rows + stepRows - 1) / stepRows : 0);
    out.insert(QStringLiteral("scroll_timeouts"), timeouts);
    out.insert(QStringLiteral("rss_mib"), procStatusMiB("VmRSS"));
    out.insert(QStringLiteral("hwm_mib"), procStatusMiB("VmHWM"));
    window.reset();
    emitJson(out);
    return 0;
}

// B8. Open loop: the producer's schedule does not wait for a slow enqueue, so a stall shows up as a backlog and
// as a lower achieved rate, never as a quietly lower load.
// With `withWindow` false the same load runs with only the probe on the GUI thread: the baseline of what the
// scheduler alone costs the GUI thread on a machine whose cores the engine, workers and producer keep busy.
int measureGuiLoad(const QString& db, double rate, double seconds, int workers, int probeMs, bool withWindow)
{
    auto engine = std::shared_ptr<QueueEngine>(openEngine(db, workers, true));
    std::unique_ptr<MainWindow> window;
    if (withWindow) {
        window = std::make_unique<MainWindow>(engine);
        window->resize(1280, 800);
        window->show();
    }
    spinUntil([] { return false; }, 500); // the first paint, the first counts and samples

    auto succeeded = [&] {
        qint64 n = 0;
        for (const StateCounts& c : engine->counts())
            n += c[std::size_t(TaskState::Succeeded)];
        return n;
    };

    std::vector<double> gapsMs;
    gapsMs.reserve(std::size_t(seconds * 1000 / probeMs * 2) + 16);
    QElapsedTimer tick;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(probeMs);
    QObject::connect(&probe, &QTimer::timeout, &probe, [&] {
        gapsMs.push_back(msSince(tick));
        tick.restart();
    });

    constexpr int batchesPerSecond = 100;
    const int batchSize = std::max(1, int(rate / batchesPerSecond));
    std::atomic<bool> stop {false};
    std::atomic<qint64> enqueued {0};
    const qint64 succeededBefore = succeeded();
    QElapsedTimer clock;
    clock.start();
    tick.start();
    probe.start();
    std::thread producer([&] {
        NewTask task;
        task.type = QStringLiteral("noop");
        const QList<NewTask> batch(batchSize, task);
        const auto period = std::chrono::microseconds(1'000'000 / batchesPerSecond);
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; !stop.load(); ++i) {
            std::this_thread::sleep_until(start + i * period);
            if (stop.load())
                break;
            if (auto r = engine->enqueueBatch(batch); !r)
                die(QStringLiteral("enqueueBatch: %1").arg(r.errorString()));
            enqueued += batchSize;
        }
    });
    spinUntil([&] { return clock.elapsed() >= qint64(seconds * 1000); }, int(seconds * 1000) + 1000);
    const double elapsedS = msSince(clock) / 1000.0;
    const qint64 succeededAfter = succeeded();
    probe.stop();
    stop = true;
    producer.join();

    // The first gaps include the window settling after the producer starts; they are part of the figure.
    std::sort(gapsMs.begin(), gapsMs.end());
    auto percentile = [&](double p) {
        if (gapsMs.empty())
            return 0.0;
        const auto rank
            = std::size_t(std::clamp(std::ceil(p / 100.0 * double(gapsMs.size())), 1.0, double(gapsMs.size()))) - 1;
        return gapsMs[rank];
    };
    QJsonObject out;
    out.insert(QStringLiteral("stall_max_ms"), percentile(100));
    out.insert(QStringLiteral("stall_p99_ms"), percentile(99));
    out.insert(QStringLiteral("stall_p50_ms"), percentile(50));
    out.insert(QStringLiteral("ticks"), qint64(gapsMs.size()));
    out.insert(QStringLiteral("probe_interval_ms"), probeMs);
    out.insert(QStringLiteral("enqueue_rate"), double(enqueued.load()) / elapsedS);
    out.insert(QStringLiteral("completion_rate"), double(succeededAfter - succeededBefore) / elapsedS);
    out.insert(QStringLiteral("seconds"), elapsedS);
    // Graceful shutdown with a backlog: stop claiming, then close. Not measured.
    engine->stopWorkers(0);
    window.reset();
    emitJson(out);
    return 0;
}

// The offscreen platform warns once per window about a feature it lacks; a run would print dozens of lines that
// say nothing about QueueDesk.
void quietOffscreen(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (message.contains(QLatin1String("propagateSizeHints")))
        return;
    std::fprintf(stderr, "%s%s%s\n", context.category && qstrcmp(context.category, "default") ? context.category : "",
        context.category && qstrcmp(context.category, "default") ? ": " : "", qPrintable(message));
    if (type == QtFatalMsg)
        std::abort();
}

} // namespace

int main(int argc, char** argv)
{
    qInstallMessageHandler(quietOffscreen);
    QApplication app(argc, argv);
    // Settings of its own, so a benchmark never reads or changes the user's window layout or recent files.
    QApplication::setOrganizationName(QStringLiteral("QueueDeskBench"));
    QApplication::setApplicationName(QStringLiteral("qd_bench_ui"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("QueueDesk GUI benchmarks (run by qd_bench)"));
    parser.addHelpOption();
    const QCommandLineOption measure(
        QStringLiteral("measure"), QStringLiteral("table, memory, guiload or export."), QStringLiteral("what"));
    const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("The database."), QStringLiteral("path"));
    const QCommandLineOption rate(QStringLiteral("rate"), QStringLiteral("guiload: tasks/s offered."),
        QStringLiteral("n"), QStringLiteral("20000"));
    const QCommandLineOption seconds(
        QStringLiteral("seconds"), QStringLiteral("guiload: duration."), QStringLiteral("s"), QStringLiteral("10"));
    const QCommandLineOption workers(QStringLiteral("workers"), QStringLiteral("guiload: worker threads."),
        QStringLiteral("n"), QStringLiteral("2"));
    const QCommandLineOption probe(QStringLiteral("probe-ms"), QStringLiteral("guiload: probe timer interval."),
        QStringLiteral("ms"), QStringLiteral("2"));
    const QCommandLineOption noWindow(
        QStringLiteral("no-window"), QStringLiteral("guiload: the same load and probe without the MainWindow."));
    const QCommandLineOption positions(QStringLiteral("scroll-positions"),
        QStringLiteral("memory: scroll to this many positions spread over the table; 0: every page."),
        QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption events(QStringLiteral("events"), QStringLiteral("export: events in the database built."),
        QStringLiteral("n"), QStringLiteral("200000"));
    const QCommandLineOption cliFirst(
        QStringLiteral("cli-first"), QStringLiteral("export: the CLI's side first (the window's by default)."));
    parser.addOptions({measure, db, rate, seconds, workers, probe, noWindow, positions, events, cliFirst});
    parser.process(app);
    if (!parser.isSet(db))
        die(QStringLiteral("--db is required"));

    const QString what = parser.value(measure);
    if (what == QLatin1String("table"))
        return measureTable(parser.value(db));
    if (what == QLatin1String("memory"))
        return measureMemory(parser.value(db), std::max(0, parser.value(positions).toInt()));
    if (what == QLatin1String("guiload"))
        return measureGuiLoad(parser.value(db), parser.value(rate).toDouble(), parser.value(seconds).toDouble(),
            parser.value(workers).toInt(), std::max(1, parser.value(probe).toInt()), !parser.isSet(noWindow));
    if (what == QLatin1String("export")) {
        const int n = std::max(1, parser.value(events).toInt());
        if (!QFile::exists(parser.value(db)))
            qd::bench::buildEventHistory(parser.value(db), n);
        emitJson(qd::bench::measureGuiExport(parser.value(db), n, !parser.isSet(cliFirst)));
        return 0;
    }
    die(QStringLiteral("unknown --measure %1").arg(what));
}
