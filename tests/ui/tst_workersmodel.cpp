// The Workers view (WorkersModel, WorkersView): this window's workers from the engine's memory, repainted at most
// every refresh; every other process on the database from its heartbeat row, grouped, with its running tasks; a
// process that stopped beating greyed as lost.
#include "core/taskstore.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "ui/readerthread.h"
#include "ui/workersmodel.h"
#include "ui/workersview.h"
#include "uitesthelpers.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QDateTime>
#include <QElapsedTimer>
#include <QSignalSpy>

using namespace qd;
using qd::ui::ReaderThread;
using qd::ui::WorkersModel;
using qd::ui::WorkersView;

namespace {

constexpr qint64 beatMs = 200;

// An engine that announces itself, as the GUI and `work` do, beating every beatMs.
std::shared_ptr<QueueEngine> openAnnounced(const QTemporaryDir& dir, const QString& kind, int workers)
{
    EngineOptions options;
    options.store.path = dir.filePath(QStringLiteral("ui.db"));
    options.workerCount = workers;
    options.pollIntervalMs = 50;
    options.processKind = kind;
    options.heartbeatIntervalMs = beatMs;
    options.shutdownGraceMs = 0;
    auto engine = QueueEngine::open(options);
    if (!engine) {
        qWarning("cannot open engine: %s", qPrintable(engine.errorString()));
        return {};
    }
    return std::shared_ptr<QueueEngine>(std::move(engine).value());
}

// A heartbeat row last seen `agoMs` ago (5 s beats: lost after 15 s).
ProcessRecord beatOf(const QString& host, qint64 now, qint64 agoMs, TaskStore& store)
{
    ProcessRecord p;
    p.id = host + QStringLiteral(":4242:beef");
    p.host = host;
    p.pid = 4242;
    p.kind = QStringLiteral("cli");
    p.version = p.user = QStringLiteral("x");
    p.beatMs = 5000;
    p.workers = 2;
    p.queues = QStringLiteral("*");
    if (!store.beatProcess(p, now - agoMs, now - 24 * 3600 * 1000).ok())
        qWarning("cannot write the heartbeat of %s", qPrintable(p.id));
    p.lastSeen = now - agoMs;
    return p;
}

QString text(const WorkersModel& model, const QModelIndex& index, int column = WorkersModel::NameColumn)
{
    return model.data(model.index(index.row(), column, index.parent())).toString();
}

} // namespace

class TestWorkersModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void followsThisWindowsWorkers()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 2);
        QVERIFY(engine);
        ReaderThread reader(engine->options().store);
        WorkersModel model(engine.get(), &reader);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE(model.rowCount(model.thisProcess()), 2);
        QVERIFY(model.data(model.thisProcess(), WorkersModel::IsThisProcessRole).toBool());
        // Not announced (a test engine has no process kind): still shown, and says so.
        QSignalSpy read(&model, &WorkersModel::processesRead);
        QVERIFY(read.wait());
        QCOMPARE(model.rowCount(), 1);
        NewTask t;
        t.type = QStringLiteral("sleep");
        t.payload = QByteArrayLiteral("{\"ms\":1500}");
        test::ThreadCall added([engine, t] { return engine->enqueue(t).ok(); });
        QVERIFY(added.result());
        QTRY_COMPARE(model.busyCount(), 1);
        QVERIFY2(text(model, model.thisProcess()).contains(QLatin1String("2 workers, 1 busy")),
            qPrintable(text(model, model.thisProcess())));
        QTRY_COMPARE(model.busyCount(), 0);
    }

    void repaintsAtMostEveryRefresh()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 2);
        QVERIFY(engine);
        ReaderThread reader(engine->options().store);
        WorkersModel model(engine.get(), &reader);
        QTRY_COMPARE(model.rowCount(model.thisProcess()), 2);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QElapsedTimer clock;
        clock.start();
        NewTask noop;
        noop.type = QStringLiteral("noop");
        QVERIFY(test::ThreadCall([engine, noop] {
            return engine->enqueueBatch(QList<NewTask>(20'000, noop)).ok();
        }).result());
        QTRY_COMPARE_WITH_TIMEOUT(engine->counts().value(QStringLiteral("default"))[std::size_t(TaskState::Succeeded)],
            20'000, test::backgroundTimeoutMs);
        QTRY_COMPARE(model.busyCount(), 0);
        // 40,000 status changes over several refreshes (2,000 noops can end within one, leaving nothing to repaint);
        // at most one refresh per refreshMs (a coarse timer may fire 5% early), each repainting
        // at most both worker rows and the process's line; the process list's reads repaint that line once each.
        const qint64 refreshes = clock.elapsed() * 100 / (95 * WorkersModel::refreshMs) + 2;
        const qint64 reads = clock.elapsed() / WorkersModel::processesRefreshMs + 2;
        qint64 workerRows = 0, processRows = 0;
        for (const QList<QVariant>& args : std::as_const(changed))
            (args.at(0).value<QModelIndex>().parent().isValid() ? workerRows : processRows) += 1;
        QVERIFY2(workerRows <= 2 * refreshes && processRows <= refreshes + reads,
            qPrintable(QStringLiteral("%1 worker and %2 process row changes in %3 ms")
                           .arg(workerRows)
                           .arg(processRows)
                           .arg(clock.elapsed())));
        QVERIFY(workerRows > 0);
    }

    // Issue 17: "workers of queuedesk-cli work processes never appear". Another engine on the same database shows as
    // a second process with its workers and the task it runs; one that stopped beating shows greyed as lost.
    void showsOtherProcessesGroupedAndLostOnes()
    {
        QTemporaryDir dir;
        auto window = openAnnounced(dir, QStringLiteral("gui"), 1);
        auto other = openAnnounced(dir, QStringLiteral("cli"), 3);
        QVERIFY(window && other);
        ReaderThread reader(window->options().store);
        WorkersModel model(window.get(), &reader);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        WorkersView view(&model);
        view.resize(520, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));

        NewTask t;
        t.type = QStringLiteral("sleep");
        t.payload = QByteArrayLiteral("{\"ms\":4000}");
        QVERIFY(test::ThreadCall([other, t] { return other->enqueueBatch(QList<NewTask>(2, t)).ok(); }).result());
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 2, 5000);
        // Both may claim; wait until the other process's line shows its share as running.
        const QModelIndex cli = model.index(1, 0);
        QTRY_VERIFY_WITH_TIMEOUT(model.data(model.index(1, WorkersModel::TaskColumn)).toInt() >= 1, 5000);
        QVERIFY(model.data(model.thisProcess(), WorkersModel::IsThisProcessRole).toBool());
        QVERIFY(!model.data(cli, WorkersModel::IsThisProcessRole).toBool());
        QVERIFY2(text(model, model.thisProcess()).contains(QLatin1String("gui (this window)")),
            qPrintable(text(model, model.thisProcess())));
        QVERIFY2(text(model, cli).contains(QStringLiteral(" cli · 3 workers")), qPrintable(text(model, cli)));
        QCOMPARE(model.data(cli, WorkersModel::ProcessStateRole).toInt(), int(ProcessRecord::State::Ok));
        QCOMPARE(model.rowCount(cli), 3); // its running tasks, then idle workers up to three
        QCOMPARE(text(model, model.index(0, 0, cli), WorkersModel::StatusColumn), QStringLiteral("busy"));
        QCOMPARE(text(model, model.index(0, 0, cli), WorkersModel::TypeColumn), QStringLiteral("sleep"));
        QCOMPARE(text(model, model.index(2, 0, cli), WorkersModel::StatusColumn), QStringLiteral("idle"));
        // Shown as a tree: each process's line spans the columns, its workers below it.
        QVERIFY(view.isFirstColumnSpanned(0, {}) && view.isFirstColumnSpanned(1, {}));
        QVERIFY(view.isExpanded(cli));
        view.grab().save(QDir::temp().filePath(QStringLiteral("qd-workers-view.png")));

        // A third process that stopped beating a minute ago: lost, greyed, after the live ones.
        auto store = TaskStore::open(window->options().store);
        QVERIFY(store);
        ProcessRecord gone;
        gone.id = QStringLiteral("gone:4242:beef");
        gone.host = QStringLiteral("gone");
        gone.pid = 4242;
        gone.kind = QStringLiteral("cli");
        gone.version = gone.user = QStringLiteral("x");
        gone.beatMs = 5000;
        gone.workers = 8;
        gone.queues = QStringLiteral("*");
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QVERIFY((*store)->beatProcess(gone, now - 60'000, now - 24 * 3600 * 1000).ok());
        QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 3, 5000);
        // Found by name: lost ones come after the live ones, and a loaded machine may delay the other process's beats
        // long enough for it to show as lost too.
        QModelIndex lost = model.index(2, 0);
        for (int row = 0; row < model.rowCount(); ++row) {
            if (text(model, model.index(row, 0)).contains(QLatin1String("gone:4242")))
                lost = model.index(row, 0);
        }
        QCOMPARE(model.data(lost, WorkersModel::ProcessStateRole).toInt(), int(ProcessRecord::State::Lost));
        QVERIFY2(
            text(model, lost).contains(QStringLiteral("gone:4242 cli · lost since ")), qPrintable(text(model, lost)));
        QCOMPARE(model.data(lost, Qt::ForegroundRole).value<QColor>(), QColor(Qt::gray));
        QCOMPARE(model.rowCount(lost), 0); // no idle rows for a process that is gone
        QVERIFY(lost.row() >= 1); // after this window's own line
        QVERIFY(view.isFirstColumnSpanned(lost.row(), {}));
        view.grab().save(QDir::temp().filePath(QStringLiteral("qd-workers-view-lost.png")));
    }

    // Issue 17: a lost process can be forgotten (its heartbeat row removed) from the Workers view's context menu;
    // a live one cannot, and one that beats again after it was shown lost is kept.
    void forgetsALostProcess()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        auto store = TaskStore::open(engine->options().store);
        QVERIFY(store);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const ProcessRecord lost = beatOf(QStringLiteral("gone"), now, 60'000, **store);
        const ProcessRecord alive = beatOf(QStringLiteral("alive"), now, 0, **store);

        ui::MainWindow window(engine);
        window.show();
        auto* view = window.findChild<WorkersView*>();
        QVERIFY(view);
        QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), 3, 5000);
        const auto rowOf = [view](const QString& id) {
            for (int r = 0; r < view->model()->rowCount(); ++r) {
                if (view->model()->index(r, 0).data(WorkersModel::ProcessIdRole).toString() == id)
                    return view->model()->index(r, 0);
            }
            return QModelIndex();
        };
        QVERIFY(view->actions().contains(view->forgetAction()));
        view->setCurrentIndex(rowOf(alive.id));
        QVERIFY(!view->forgetAction()->isEnabled());
        view->setCurrentIndex(rowOf(lost.id));
        QVERIFY(view->forgetAction()->isEnabled());
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            window.grab().save(shots + QStringLiteral("/workers-forget.png"));
        view->forgetAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!rowOf(lost.id).isValid(), test::backgroundTimeoutMs);
        QVERIFY(rowOf(alive.id).isValid());
        const auto rows = (*store)->processes();
        QVERIFY(rows);
        for (const ProcessRecord& p : *rows)
            QVERIFY2(p.id != lost.id, qPrintable(p.id));

        // Shown lost, then it beats again before the admin clicks: kept, and the admin is told why.
        const ProcessRecord back = beatOf(QStringLiteral("back"), now, 60'000, **store);
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(back.id).isValid(), 5000);
        beatOf(QStringLiteral("back"), QDateTime::currentMSecsSinceEpoch(), 0, **store);
        Q_EMIT view->forgetRequested(back.id, back.lastSeen); // what the action sent for the row as it was shown
        QTRY_VERIFY_WITH_TIMEOUT(
            window.messageBar()->text().contains(QLatin1String("beat again")), test::backgroundTimeoutMs);
        QVERIFY(rowOf(back.id).isValid());
    }

    void readOnlyWindowForgetsNothing()
    {
        QTemporaryDir dir;
        QVERIFY(test::openEngine(dir));
        auto engine = test::openEngine(dir, 0, true);
        QVERIFY(engine);
        ui::ReaderThread reader(engine->options().store);
        WorkersModel model(engine.get(), &reader);
        WorkersView view(&model);
        view.setWritable(false);
        view.setCurrentIndex(model.thisProcess());
        QVERIFY(!view.forgetAction()->isEnabled());
    }
};

QTEST_MAIN(TestWorkersModel)
#include "tst_workersmodel.moc"
