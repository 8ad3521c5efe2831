#include "ui/bulkjob.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "ui/taskformat.h"
#include "ui/taskselectionkeeper.h"
#include "ui/tasktablemodel.h"
#include "uitesthelpers.h"

#include <QAction>
#include <QApplication>
#include <QItemSelectionModel>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTableView>

#include <algorithm>

using namespace qd;
using namespace qd::ui;

class TestSelectionKeeper : public QObject {
    Q_OBJECT

    static qint64 countIn(QueueEngine& engine, TaskState state)
    {
        qint64 n = 0;
        for (const StateCounts& c : engine.counts())
            n += c[size_t(state)];
        return n;
    }

    static qint64 idAt(MainWindow& window, int row)
    {
        const QModelIndex index = window.taskModel()->index(row, 0);
        window.taskModel()->data(index); // asks for the page if it is not there
        const QVariant id = window.taskModel()->data(index, TaskTableModel::TaskIdRole);
        return id.isValid() ? id.toLongLong() : 0;
    }

    static bool rowSelected(MainWindow& window, int row)
    {
        return window.taskView()->selectionModel()->isRowSelected(row, {});
    }

    // The window on a fresh engine with `count` queued tasks, its first rows loaded.
    static void loadFirstRows(MainWindow& window, int count)
    {
        window.resize(1200, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(count));
        QTRY_VERIFY(idAt(window, 0) > 0);
    }

    static void selectRows(MainWindow& window, int first, int last)
    {
        QAbstractItemModel* model = window.taskModel();
        window.taskView()->selectionModel()->select(
            QItemSelection(model->index(first, 0), model->index(last, TaskTableModel::ColumnCount - 1)),
            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_selectionkeeper"));
    }

    // The table is newest first: every enqueue moves the rows down. The selected task stays selected (and current),
    // on its new row; the row it left is not selected any more.
    void selectionFollowsTaskWhenRowsShift()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(50)).ok());
        MainWindow window(engine);
        loadFirstRows(window, 50);
        const qint64 picked = idAt(window, 3);
        const qint64 alsoPicked = idAt(window, 4);
        QVERIFY(picked > 0 && alsoPicked > 0);
        selectRows(window, 3, 4);
        window.taskView()->selectionModel()->setCurrentIndex(
            window.taskModel()->index(3, TaskTableModel::QueueColumn), QItemSelectionModel::NoUpdate);
        QCOMPARE(window.selectedTaskIds(), (QList<qint64> {alsoPicked, picked}));

        QVERIFY(engine->enqueueBatch(test::makeTasks(5, 1000)).ok());
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(55));
        QTRY_COMPARE(idAt(window, 8), picked); // the refreshed page arrived
        QTRY_VERIFY(rowSelected(window, 8));
        QVERIFY(rowSelected(window, 9));
        QVERIFY(!rowSelected(window, 3));
        QVERIFY(!rowSelected(window, 4));
        QCOMPARE(window.taskView()->selectionModel()->selectedRows().size(), 2);
        QCOMPARE(window.taskView()->selectionModel()->currentIndex().row(), 8);
        QCOMPARE(window.taskView()->selectionModel()->currentIndex().column(), int(TaskTableModel::QueueColumn));
        QCOMPARE(window.selectedTaskIds(), (QList<qint64> {alsoPicked, picked}));

        // And again, with the selection acted on: the right tasks are cancelled, not the ones now on rows 3-4.
        QVERIFY(engine->enqueueBatch(test::makeTasks(7, 2000)).ok());
        QTRY_COMPARE(idAt(window, 15), picked);
        QTRY_VERIFY(rowSelected(window, 15));
        window.setConfirmHandler([](const QString&) { return true; });
        window.action(QStringLiteral("cancelSelected"))->trigger();
        QTRY_COMPARE(countIn(*engine, TaskState::Cancelled), qint64(2));
        auto cancelledIds = [&] {
            QList<qint64> ids;
            for (int row = 0; row < window.taskModel()->rowCount(); ++row) {
                if (window.taskModel()->data(window.taskModel()->index(row, 0), TaskTableModel::StateRole).toInt()
                    == int(TaskState::Cancelled))
                    ids.append(idAt(window, row));
            }
            std::sort(ids.begin(), ids.end());
            return ids;
        };
        QTRY_COMPARE(cancelledIds(), (QList<qint64> {alsoPicked, picked}));
        window.grab().save(QStringLiteral("/tmp/qd-ui2-selection-kept.png"));
    }

    // A selection over rows that were never loaded acts on their tasks once they are looked up, in chunks.
    void selectionOfUnloadedRowsActsOnAllTheirTasks()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        constexpr int total = 3000;
        QVERIFY(engine->enqueueBatch(test::makeTasks(total)).ok());
        MainWindow window(engine);
        loadFirstRows(window, total);
        // Rows 100..2599: most of them on pages nobody asked for.
        selectRows(window, 100, 2599);
        QVERIFY(!window.selectionKeeper()->idsReady());
        QVERIFY(window.action(QStringLiteral("cancelSelected"))->isEnabled());
        QStringList asked;
        window.setConfirmHandler([&](const QString& q) {
            asked.append(q);
            return true;
        });
        window.action(QStringLiteral("cancelSelected"))->trigger(); // waits for the ids, then asks
        QTRY_COMPARE_WITH_TIMEOUT(asked.size(), 1, 30000);
        QVERIFY2(asked.first().contains(formatCount(2500)), qPrintable(asked.first()));
        QTRY_COMPARE_WITH_TIMEOUT(countIn(*engine, TaskState::Cancelled), qint64(2500), 30000);
        QCOMPARE(countIn(*engine, TaskState::Queued), qint64(500));
        // Newest first: rows 100..2599 are ids total-100 down to total-2599.
        const QList<qint64> ids = window.selectedTaskIds();
        QCOMPARE(ids.size(), 2500);
        QCOMPARE(ids.first(), qint64(total - 2599));
        QCOMPARE(ids.last(), qint64(total - 100));
        QTRY_VERIFY(window.messageBar()->isVisible());
        QVERIFY2(window.messageBar()->text().contains(formatCount(2500)), qPrintable(window.messageBar()->text()));
    }

    // Select all over rows mostly never loaded: every task of the table, read in one pass.
    void selectAllResolvesEveryTask()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(3000)).ok());
        MainWindow window(engine);
        loadFirstRows(window, 3000);
        TaskFilter filter;
        filter.queues = {QStringLiteral("images")};
        window.taskModel()->setFilter(filter);
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(1000));
        QTRY_VERIFY(idAt(window, 0) > 0);
        window.taskView()->selectAll();
        QTRY_VERIFY_WITH_TIMEOUT(window.selectionKeeper()->idsReady(), 30000);
        const QList<qint64> ids = window.selectedTaskIds();
        QCOMPARE(ids.size(), 1000);
        for (qint64 id : ids)
            QCOMPARE((id - 1) % 3, qint64(1)); // makeTasks puts task n (id n + 1) in queue n % 3: 1 is images
    }

    // Retry by filter runs as a background job with progress (one report per chunk of ids).
    void bulkByFilterReportsProgress()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(4500)).ok());
        QVERIFY(engine->cancel(TaskFilter {}).ok());
        MainWindow window(engine);
        loadFirstRows(window, 4500);
        window.setConfirmHandler([](const QString&) { return true; });
        // The job starts once the tasks it changes are counted (off the GUI thread): watch it from its start.
        std::unique_ptr<QSignalSpy> progress;
        std::unique_ptr<QSignalSpy> finishedSpy;
        bool grabbed = false;
        bool barShown = false;
        connect(&window, &MainWindow::bulkStarted, this, [&](BulkJob* job) {
            progress = std::make_unique<QSignalSpy>(job, &BulkJob::progressed);
            finishedSpy = std::make_unique<QSignalSpy>(job, &BulkJob::finished);
            barShown = window.findChild<QProgressBar*>(QStringLiteral("bulkProgress"))->isVisible();
            connect(job, &BulkJob::progressed, &window, [&] {
                if (!std::exchange(grabbed, true))
                    window.grab().save(QStringLiteral("/tmp/qd-ui2-bulk-progress.png"));
            });
        });
        window.action(QStringLiteral("retryMatching"))->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(finishedSpy, test::backgroundTimeoutMs);
        QSignalSpy& finished = *finishedSpy;
        QVERIFY(barShown);
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        QCOMPARE(finished.first().at(0).toBool(), true);
        QCOMPARE(finished.first().at(2).toLongLong(), qint64(4500));
        QCOMPARE(progress->size(), 5); // 4500 ids in chunks of 1000
        QCOMPARE(progress->last().at(0).toLongLong(), qint64(4500));
        QCOMPARE(progress->last().at(1).toLongLong(), qint64(4500));
        QCOMPARE(countIn(*engine, TaskState::Queued), qint64(4500));
        QTRY_VERIFY(!window.bulkJob());
        QVERIFY(!window.findChild<QProgressBar*>(QStringLiteral("bulkProgress"))->isVisible());
    }

    void bulkJobStopsBeforeTheNextChunk()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(2500)).ok());
        BulkJob job(engine, BulkJob::Op::Cancel, {}, {});
        QSignalSpy finished(&job, &BulkJob::finished);
        job.cancel(); // before the first chunk: nothing may change
        job.start();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
        QCOMPARE(finished.first().at(0).toBool(), false);
        QCOMPARE(finished.first().at(1).toBool(), true);
        QCOMPARE(countIn(*engine, TaskState::Cancelled), qint64(0));
    }

    // Issue 17: filtered to scheduled tasks, a selected task is cancelled: its row leaves the view, and the task leaves
    // the selection with it (no "1 selected" of a task the admin cannot see, nothing for Retry or Delete to act on).
    void selectionFollowsTheFilterWhenATaskLeavesIt()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QList<NewTask> tasks = test::makeTasks(20);
        for (NewTask& t : tasks)
            t.delayMs = 3'600'000;
        QVERIFY(engine->enqueueBatch(test::makeTasks(10, 100)).ok());
        QVERIFY(engine->enqueueBatch(tasks).ok());
        MainWindow window(engine);
        window.setConfirmHandler([](const QString&) { return true; });
        loadFirstRows(window, 30);
        TaskFilter scheduled;
        scheduled.states = {TaskState::Scheduled};
        window.taskModel()->setFilter(scheduled);
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(20));
        QTRY_VERIFY(idAt(window, 0) > 0);
        const qint64 picked = idAt(window, 0);
        selectRows(window, 0, 0);
        QCOMPARE(window.selectedTaskIds(), QList<qint64> {picked});

        window.action(QStringLiteral("cancelSelected"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window.taskModel()->totalCount(), qint64(19), test::backgroundTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(window.selectedTaskIds().isEmpty(), test::backgroundTimeoutMs);
        QVERIFY(window.taskView()->selectionModel()->selectedRows().isEmpty());
        QVERIFY(!window.action(QStringLiteral("retrySelected"))->isEnabled());
        QVERIFY(!window.action(QStringLiteral("deleteSelected"))->isEnabled());
        // Ctrl+R now has nothing to retry: the hidden task stays cancelled.
        window.action(QStringLiteral("retrySelected"))->trigger();
        QTest::qWait(200);
        QCOMPARE(countIn(*engine, TaskState::Cancelled), qint64(1));
        QCOMPARE(countIn(*engine, TaskState::Queued), qint64(10));
    }

    // The moment before the selection has caught up (another admin cancelled a selected task, the table has not
    // refreshed yet), an action on the selection still touches only tasks shown under the current filter.
    void actionOnSelectionSparesTasksThatLeftTheFilter()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QList<NewTask> tasks = test::makeTasks(20);
        for (NewTask& t : tasks)
            t.delayMs = 3'600'000;
        QVERIFY(engine->enqueueBatch(tasks).ok());
        MainWindow window(engine);
        QStringList asked;
        window.setConfirmHandler([&](const QString& q) {
            asked.append(q);
            return true;
        });
        loadFirstRows(window, 20);
        TaskFilter scheduled;
        scheduled.states = {TaskState::Scheduled};
        window.taskModel()->setFilter(scheduled);
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(20));
        QTRY_VERIFY(idAt(window, 1) > 0);
        const qint64 hidden = idAt(window, 0);
        QVERIFY(idAt(window, 1) > 0);
        selectRows(window, 0, 1);
        QCOMPARE(window.selectedTaskIds().size(), 2);

        // No event is processed between the cancel and the actions: the window has not heard of it.
        TaskFilter one;
        one.ids = {hidden};
        QCOMPARE(engine->cancel(one).value(), qint64(1));
        window.action(QStringLiteral("retrySelected"))->trigger();
        QVERIFY(window.bulkJob());
        QTRY_VERIFY_WITH_TIMEOUT(!window.bulkJob(), test::backgroundTimeoutMs);
        QCOMPARE(countIn(*engine, TaskState::Queued), qint64(0)); // the hidden cancelled task was not retried
        QCOMPARE(countIn(*engine, TaskState::Cancelled), qint64(1));

        window.action(QStringLiteral("deleteSelected"))->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!window.bulkJob(), test::backgroundTimeoutMs);
        // 20 scheduled, less the one cancelled by the other admin and the shown one deleted.
        QTRY_COMPARE_WITH_TIMEOUT(window.taskModel()->totalCount(), qint64(18), test::backgroundTimeoutMs);
        QCOMPARE(countIn(*engine, TaskState::Scheduled), qint64(18));
        QCOMPARE(countIn(*engine, TaskState::Cancelled), qint64(1)); // the hidden task was not deleted
        QCOMPARE(asked.size(), 2);
    }

    // A filter or sort change resets the table: the selection goes with it, so no hidden task is acted on.
    void filterChangeClearsSelection()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(30)).ok());
        MainWindow window(engine);
        loadFirstRows(window, 30);
        selectRows(window, 0, 2);
        QCOMPARE(window.selectedTaskIds().size(), 3);
        TaskFilter filter;
        filter.queues = {QStringLiteral("emails")};
        window.taskModel()->setFilter(filter);
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(10));
        QVERIFY(window.selectedTaskIds().isEmpty());
        QVERIFY(!window.action(QStringLiteral("retrySelected"))->isEnabled());
    }
};

QTEST_MAIN(TestSelectionKeeper)
#include "tst_selectionkeeper.moc"
