#include "ui/backgroundwriter.h"
#include "ui/charts/statspanel.h"
#include "ui/enginereaper.h"
#include "ui/filterbar.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "ui/queuelistmodel.h"
#include "ui/readerthread.h"
#include "ui/serverconnectdialog.h"
#include "ui/taskinspector.h"
#include "ui/tasktablemodel.h"
#include "ui/workercountsetting.h"
#include "uitesthelpers.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPaintEvent>
#include <QPointer>
#include <QProgressBar>
#include <QRegularExpression>
#include <QShortcut>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTreeWidget>

using namespace qd;
using namespace qd::ui;

class TestMainWindow : public QObject {
    Q_OBJECT

    // A "sleep" task of the emails queue that fails as its payload says.
    static NewTask failingEmail(const QByteArray& payload)
    {
        NewTask t;
        t.queue = QStringLiteral("emails");
        t.type = QStringLiteral("sleep");
        t.payload = payload;
        return t;
    }

    static QString describeCounts(QueueEngine& engine)
    {
        QStringList parts;
        for (TaskState s : allTaskStates)
            parts.append(QStringLiteral("%1=%2").arg(taskStateName(s)).arg(countIn(engine, s)));
        return parts.join(QLatin1Char(' '));
    }

    static qint64 countIn(QueueEngine& engine, TaskState state)
    {
        qint64 n = 0;
        for (const StateCounts& c : engine.counts())
            n += c[size_t(state)];
        return n;
    }

    // Waits for the table's first row to be loaded and selects the first `n` rows.
    static void selectRows(MainWindow& window, int n)
    {
        QTableView* view = window.taskView();
        QTRY_VERIFY(window.taskModel()->rowCount() >= n);
        for (int r = 0; r < n; ++r)
            view->model()->data(view->model()->index(r, 0));
        QTRY_VERIFY(view->model()->data(view->model()->index(n - 1, 0), TaskTableModel::LoadedRole).toBool());
        view->selectionModel()->select(
            QItemSelection(view->model()->index(0, 0), view->model()->index(n - 1, TaskTableModel::ColumnCount - 1)),
            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    }

    void retrySelectionChangesStore()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(40)).ok());
        QVERIFY(engine->cancel(TaskFilter {}).ok());
        QCOMPARE(countIn(*engine, TaskState::Cancelled), qint64(40));

        MainWindow window(engine);
        QStringList questions;
        window.setConfirmHandler([&](const QString& q) {
            questions.append(q);
            return true;
        });
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        selectRows(window, 5);
        QCOMPARE(window.selectedTaskIds().size(), 5);
        QVERIFY(window.action(QStringLiteral("retrySelected"))->isEnabled());
        window.action(QStringLiteral("retrySelected"))->trigger();
        QCOMPARE(questions.size(), 1);
        QVERIFY(questions.first().contains(QLatin1String("5")));
        QTRY_COMPARE_WITH_TIMEOUT(countIn(*engine, TaskState::Queued), qint64(5), test::backgroundTimeoutMs);
        QCOMPARE(countIn(*engine, TaskState::Cancelled), qint64(35));
        QTRY_VERIFY(window.messageBar()->isVisible());
        QCOMPARE(window.messageBar()->kind(), MessageBar::Kind::Info);
        // The table follows: the retried rows show their new state.
        QTRY_COMPARE(window.taskModel()->data(window.taskModel()->index(0, TaskTableModel::StateColumn)).toString(),
            QStringLiteral("queued"));
    }

    // Retry does nothing to a scheduled task; Run now makes it ready at once.
    void runNowSelectionMakesScheduledTasksReady()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QList<NewTask> later = test::makeTasks(10);
        for (NewTask& t : later)
            t.delayMs = 3'600'000;
        QVERIFY(engine->enqueueBatch(later).ok());
        QCOMPARE(countIn(*engine, TaskState::Scheduled), qint64(10));

        MainWindow window(engine);
        QStringList questions;
        window.setConfirmHandler([&](const QString& q) {
            questions.append(q);
            return true;
        });
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        selectRows(window, 3);
        QVERIFY(window.action(QStringLiteral("runNowSelected"))->isEnabled());
        window.action(QStringLiteral("runNowSelected"))->trigger();
        QCOMPARE(questions.size(), 1);
        QVERIFY2(questions.first().contains(QLatin1String("Run 3 task(s) now")), qPrintable(questions.first()));
        QTRY_COMPARE_WITH_TIMEOUT(countIn(*engine, TaskState::Queued), qint64(3), test::backgroundTimeoutMs);
        QCOMPARE(countIn(*engine, TaskState::Scheduled), qint64(7));
    }

    void bulkOnFilterConfirmsWithCount()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(300)).ok());
        MainWindow window(engine);
        QString asked;
        bool answer = false;
        window.setConfirmHandler([&](const QString& q) {
            asked = q;
            return answer;
        });
        window.filterBar()->setQueue(QStringLiteral("images"));
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(100));

        // Declined: nothing happens.
        window.action(QStringLiteral("cancelMatching"))->trigger();
        QTRY_VERIFY2(asked.contains(QLatin1String("100")), qPrintable(asked)); // counted off the GUI thread
        QTest::qWait(100);
        QCOMPARE(countIn(*engine, TaskState::Cancelled), qint64(0));

        answer = true;
        window.action(QStringLiteral("cancelMatching"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(countIn(*engine, TaskState::Cancelled), qint64(100), test::backgroundTimeoutMs);
        QCOMPARE(countIn(*engine, TaskState::Queued), qint64(200));
        // The job reports its end after its last commit, and a second bulk action before then is refused (one runs
        // at a time): wait for the end, as an admin waits for the progress bar to go.
        const auto* progress = window.findChild<QProgressBar*>(QStringLiteral("bulkProgress"));
        QVERIFY(progress);
        QTRY_VERIFY_WITH_TIMEOUT(progress->isHidden(), test::backgroundTimeoutMs);

        window.action(QStringLiteral("deleteMatching"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window.taskModel()->totalCount(), qint64(0), test::backgroundTimeoutMs);
        QCOMPARE(countIn(*engine, TaskState::Queued), qint64(200));
    }

    // Issue 17: "Retry all matching" asked to "Retry 300 task(s)" and changed the 10 failed and cancelled ones. Every
    // bulk action on the filter previews exactly the tasks it will change, counted off the GUI thread.
    void bulkOnFilterPreviewsWhatItChanges()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(300)).ok());
        TaskFilter ten;
        for (qint64 id = 1; id <= 10; ++id)
            ten.ids.append(id);
        QCOMPARE(engine->cancel(ten).value(), qint64(10));
        MainWindow window(engine);
        QStringList asked;
        bool answer = false;
        window.setConfirmHandler([&](const QString& q) {
            asked.append(q);
            return answer;
        });
        window.show();
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(300));

        window.action(QStringLiteral("retryMatching"))->trigger();
        QTRY_COMPARE(asked.size(), 1);
        QVERIFY2(asked.last().startsWith(QLatin1String("Retry 10 task(s)")), qPrintable(asked.last()));
        window.action(QStringLiteral("cancelMatching"))->trigger();
        QTRY_COMPARE(asked.size(), 2);
        QVERIFY2(asked.last().startsWith(QLatin1String("Cancel 290 task(s)")), qPrintable(asked.last()));

        // Accepted: the count asked about is the count changed.
        answer = true;
        window.action(QStringLiteral("retryMatching"))->trigger();
        QTRY_COMPARE(asked.size(), 3);
        QVERIFY2(asked.last().startsWith(QLatin1String("Retry 10 task(s)")), qPrintable(asked.last()));
        QTRY_VERIFY_WITH_TIMEOUT(window.messageBar()->isVisible(), test::backgroundTimeoutMs);
        QVERIFY2(window.messageBar()->text().contains(QLatin1String("done, 10 task(s) affected")),
            qPrintable(window.messageBar()->text()));
        QCOMPARE(countIn(*engine, TaskState::Queued), qint64(300));

        // Nothing left to retry: said, and nothing asked.
        window.messageBar()->hide();
        window.action(QStringLiteral("retryMatching"))->trigger();
        QTRY_VERIFY(window.messageBar()->isVisible());
        QVERIFY2(window.messageBar()->text().startsWith(QLatin1String("Nothing to retry")),
            qPrintable(window.messageBar()->text()));
        QCOMPARE(asked.size(), 3);
    }

    // Issue 17: Ctrl+Shift+P was both "Connect to PostgreSQL…" and "Resume queue", and Qt ran neither ("Ambiguous
    // shortcut overload"). Every action of the window (menus, tool bar, context menus, docks, charts) is walked: no
    // key sequence may belong to two of them.
    void noShortcutIsUsedTwice()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QHash<QString, QStringList> owners;
        const auto add = [&owners](const QList<QKeySequence>& keys, const QString& owner) {
            for (const QKeySequence& key : keys) {
                if (!key.isEmpty())
                    owners[key.toString(QKeySequence::PortableText)].append(owner);
            }
        };
        int actions = 0;
        for (QAction* a : window.findChildren<QAction*>()) {
            ++actions;
            add(a->shortcuts(), a->objectName().isEmpty() ? a->text() : a->objectName());
        }
        for (QShortcut* s : window.findChildren<QShortcut*>())
            add(s->keys(), s->objectName());
        QStringList clashes;
        for (auto it = owners.cbegin(); it != owners.cend(); ++it) {
            if (it->size() > 1)
                clashes.append(QStringLiteral("%1: %2").arg(it.key(), it->join(QLatin1String(", "))));
        }
        QVERIFY2(clashes.isEmpty(), qPrintable(clashes.join(QLatin1String("; "))));
        QVERIFY2(actions >= 20 && owners.size() >= 15, qPrintable(QString::number(owners.size())));
        // The two that clashed still have a key each.
        QCOMPARE(
            window.action(QStringLiteral("resumeQueue"))->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+P")));
        QVERIFY(!window.action(QStringLiteral("connectServer"))->shortcut().isEmpty());
    }

    // Issue 17: the status banner appearing and going moved the table about 37 px, and a click meant for one row
    // landed on another. Shown, changed (a long error), or gone: the table stays where it is.
    void messageBarNeverMovesTheTable()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(5)).ok());
        MainWindow window(engine);
        window.resize(1400, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(5));
        const auto tableAt = [&] {
            QCoreApplication::processEvents(); // the layout settles
            return QRect(window.taskView()->mapTo(&window, QPoint(0, 0)), window.taskView()->size());
        };
        const QRect before = tableAt();
        window.messageBar()->showMessage(MessageBar::Kind::Info, QStringLiteral("Retry 3 task(s): done."));
        QTRY_VERIFY(window.messageBar()->isVisible());
        QCOMPARE(tableAt(), before);
        const QString longError = QStringLiteral("Cancel 4 task(s) failed after 2 task(s): %1\nsecond line")
                                      .arg(QStringLiteral("database is locked ").repeated(30));
        window.messageBar()->showMessage(MessageBar::Kind::Error, longError);
        QCOMPARE(tableAt(), before);
        QCOMPARE(window.messageBar()->text(), longError); // whole, though shown on one line
        window.grab().save(QStringLiteral("/tmp/qd-ui17-messagebar.png"));
        window.messageBar()->hide();
        QCOMPARE(tableAt(), before);
    }

    // Issue 17: the Wait column of queued tasks went stale (341 ms on tasks 24 s old) while nothing else changed. The
    // age columns of the rows on screen are repainted every second, and only they.
    void visibleAgesTick()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(5)).ok());
        MainWindow window(engine);
        window.resize(1400, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(5));
        QTRY_VERIFY(window.taskModel()->data(window.taskModel()->index(4, 0), TaskTableModel::LoadedRole).toBool());
        QTest::qWait(300); // the first paints are over

        struct PaintSpy : QObject {
            QList<QRect> painted;
            bool eventFilter(QObject*, QEvent* e) override
            {
                if (e->type() == QEvent::Paint)
                    painted.append(static_cast<QPaintEvent*>(e)->rect());
                return false;
            }
        } spy;
        QWidget* viewport = window.taskView()->viewport();
        viewport->installEventFilter(&spy);
        QTRY_VERIFY_WITH_TIMEOUT(spy.painted.size() >= 2, 3500); // about once a second
        viewport->removeEventFilter(&spy);
        QRect ages;
        for (int column : {int(TaskTableModel::WaitColumn), int(TaskTableModel::RunColumn)}) {
            for (int row : {0, 4})
                ages |= window.taskView()->visualRect(window.taskModel()->index(row, column));
        }
        for (const QRect& r : std::as_const(spy.painted)) {
            QVERIFY2(ages.contains(r),
                qPrintable(QStringLiteral("painted %1,%2 %3x%4 outside the age cells")
                               .arg(r.x())
                               .arg(r.y())
                               .arg(r.width())
                               .arg(r.height())));
        }
    }

    void enqueueThroughWindow()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        MainWindow window(engine);
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(0));
        window.enqueueTasks(test::makeTasks(25));
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(25));
        QCOMPARE(countIn(*engine, TaskState::Queued), qint64(25));
    }

    void failuresAreShownNotFatal()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        NewTask bad;
        bad.type = QStringLiteral("no-such-type");
        window.enqueueTasks({bad});
        QTRY_VERIFY(window.messageBar()->isVisible());
        QCOMPARE(window.messageBar()->kind(), MessageBar::Kind::Error);
        QCOMPARE(countIn(*engine, TaskState::Queued), qint64(0));
    }

    void inspectorShowsSelectedTask()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 1);
        QVERIFY(engine);
        const NewTask t = failingEmail(QByteArrayLiteral("{\"ms\":20,\"fail\":\"permanent\"}"));
        auto enqueued = engine->enqueue(t);
        QVERIFY(enqueued.ok());
        QTRY_VERIFY2_WITH_TIMEOUT(countIn(*engine, TaskState::Failed) == 1, qPrintable(describeCounts(*engine)), 10000);

        MainWindow window(engine);
        window.show();
        selectRows(window, 1);
        window.taskView()->setCurrentIndex(window.taskModel()->index(0, 0));
        QTRY_VERIFY(window.inspector()->shown().has_value());
        const TaskWithEvents& shown = *window.inspector()->shown();
        QCOMPARE(shown.task.id, enqueued->id);
        QCOMPARE(shown.task.state, TaskState::Failed);
        QVERIFY(shown.task.lastError.contains(QLatin1String("permanent")));
        QVERIFY(shown.events.size() >= 3); // enqueued, started, failed
        QVERIFY(TaskInspector::prettyJson(shown.task.payload).contains(QLatin1String("\n")));
        QStringList kinds;
        for (const TaskEvent& e : shown.events)
            kinds.append(e.kind);
        QVERIFY2(kinds.contains(QLatin1String("started")) && kinds.contains(QLatin1String("failed")),
            qPrintable(kinds.join(QLatin1Char(','))));
        if (auto* tabs = window.inspector()->findChild<QTabWidget*>()) {
            tabs->setCurrentIndex(tabs->count() - 1);
            window.inspector()->grab().save(QStringLiteral("/tmp/qd-timeline.png"));
        }
    }

    // Each attempt in the timeline with its wait, run and backoff time: a retried attempt's run time is the time
    // from its start to the retry, shown beside the backoff.
    void timelineShowsRunTimeOfRetriedAttempts()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 1);
        QVERIFY(engine);
        NewTask t = failingEmail(QByteArrayLiteral("{\"ms\":150,\"fail\":\"retryable\"}"));
        t.maxAttempts = 2;
        auto enqueued = engine->enqueue(t);
        QVERIFY(enqueued.ok());
        QTRY_VERIFY2_WITH_TIMEOUT(countIn(*engine, TaskState::Failed) == 1, qPrintable(describeCounts(*engine)), 20000);

        ReaderThread reader(engine->options().store);
        TaskInspector inspector(&reader);
        inspector.showTask(enqueued->id);
        QTRY_VERIFY(inspector.shown().has_value());
        QTreeWidget* events = nullptr;
        for (QTreeWidget* tree : inspector.findChildren<QTreeWidget*>()) {
            if (tree->columnCount() == 7)
                events = tree;
        }
        QVERIFY(events);
        QStringList retries;
        for (int i = 0; i < events->topLevelItemCount(); ++i) {
            const QTreeWidgetItem* item = events->topLevelItem(i);
            if (item->text(1) == QLatin1String("retry_scheduled"))
                retries.append(item->text(3));
            // The worker that ran the attempt, right after the durations (the dock is narrow).
            if (item->text(1) == QLatin1String("started"))
                QVERIFY2(!item->text(4).isEmpty() && item->text(4) == inspector.shown()->events.at(i).worker,
                    qPrintable(item->text(4)));
        }
        QCOMPARE(retries.size(), 1);
        const QRegularExpression label(QStringLiteral("^ran (\\d+) ms, backoff \\S+"));
        const QRegularExpressionMatch match = label.match(retries.first());
        QVERIFY2(match.hasMatch(), qPrintable(retries.first()));
        QVERIFY2(match.captured(1).toInt() >= 150, qPrintable(retries.first())); // the handler slept 150 ms
    }

    // The window's own workers are shown and set in the status bar, and remembered per database: 0 watches only.
    void workerControlSetsAndRemembersTheWindowsWorkers()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 2);
        QVERIFY(engine);
        const QString path = engine->options().store.path;
        MainWindow window(engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* control = window.findChild<QSpinBox*>(QStringLiteral("workerCount"));
        QVERIFY(control);
        QVERIFY(control->isVisible());
        QVERIFY(control->isEnabled());
        QCOMPARE(control->value(), 2);

        control->setValue(0);
        QCOMPARE(engine->workerCount(), 0);
        QCOMPARE(savedWorkerCount(path, 99), 0);
        QCOMPARE(control->text(), QStringLiteral("Workers: none (watching)"));
        QVERIFY(engine->enqueueBatch(test::makeTasks(5)).ok());
        QTest::qWait(300);
        QCOMPARE(countIn(*engine, TaskState::Queued), qint64(5)); // watching: nothing runs
        window.grab().save(QStringLiteral("/tmp/qd-watching.png"));

        control->setValue(3);
        QCOMPARE(engine->workerCount(), 3);
        QCOMPARE(savedWorkerCount(path, 99), 3);
        QTRY_COMPARE_WITH_TIMEOUT(countIn(*engine, TaskState::Succeeded), qint64(5), test::backgroundTimeoutMs);
        QCOMPARE(savedWorkerCount(dir.filePath(QStringLiteral("never-opened.db")), 4), 4);

        // Read-only: no workers, and the control says so by being off.
        auto readOnly = test::openEngine(dir, 0, true);
        QVERIFY(readOnly);
        MainWindow looking(readOnly);
        auto* off = looking.findChild<QSpinBox*>(QStringLiteral("workerCount"));
        QVERIFY(off);
        QVERIFY(!off->isEnabled());
        QCOMPARE(off->value(), 0);
    }

    // File > Open to watch: a writable window that runs nothing, and the database remembers it.
    void openToWatchRunsNoWorkers()
    {
        QTemporaryDir dir;
        const QString production = dir.filePath(QStringLiteral("production.db"));
        {
            auto other = test::openEngine(dir, 0, false, QStringLiteral("production.db"));
            QVERIFY(other);
            QVERIFY(other->enqueueBatch(test::makeTasks(4)).ok());
        }
        auto engine = test::openEngine(dir, 2);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        window.openDatabase(production, DatabaseOpener::OpenMode::Watch);
        MainWindow* opened = nullptr;
        QTRY_VERIFY((opened = [&]() -> MainWindow* {
            for (QWidget* w : QApplication::topLevelWidgets()) {
                if (auto* m = qobject_cast<MainWindow*>(w); m && m != &window)
                    return m;
            }
            return nullptr;
        }()));
        QVERIFY(!opened->isReadOnly());
        auto* control = opened->findChild<QSpinBox*>(QStringLiteral("workerCount"));
        QVERIFY(control);
        QCOMPARE(control->value(), 0);
        QVERIFY(control->isEnabled());
        QCOMPARE(savedWorkerCount(production, 99), 0);
        QTRY_COMPARE(opened->taskModel()->totalCount(), qint64(4));
        QTest::qWait(300);
        QCOMPARE(countIn(*opened->engine(), TaskState::Queued), qint64(4)); // watching: nothing runs
        QVERIFY(opened->action(QStringLiteral("enqueue"))->isEnabled()); // writes stay possible
        opened->close();
    }

    // The status bar's totals and the queue list come from one reload: they agree at every moment, not a second
    // apart (an admin saw "running 8" in one and 4 in the other).
    void statusBarTotalsAgreeWithTheQueueList()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        auto* totals = window.findChild<QLabel*>(QStringLiteral("statusTotals"));
        QVERIFY(totals);
        auto* throughput = window.findChild<QLabel*>(QStringLiteral("statusThroughput"));
        QVERIFY(throughput);
        QueueListModel* queues = window.queueModel();
        const auto queuedInList = [queues] {
            qint64 sum = 0;
            for (int r = 0; r < queues->rowCount(); ++r)
                sum += queues->data(queues->index(r, QueueListModel::FirstStateColumn + int(TaskState::Queued)))
                           .toLongLong();
            return sum;
        };
        QStringList disagreements;
        int reloads = 0;
        connect(queues, &QueueListModel::countsChanged, this, [&] {
            ++reloads;
            const QString expected = QStringLiteral("queued %1 ").arg(queuedInList());
            if (!totals->text().startsWith(expected))
                disagreements.append(totals->text() + QStringLiteral(" vs ") + expected);
            const QString rate = QStringLiteral("%1 done/s").arg(queues->throughput(), 0, 'f', 1);
            if (!throughput->text().startsWith(rate))
                disagreements.append(throughput->text() + QStringLiteral(" vs ") + rate);
        });
        for (int round = 1; round <= 5; ++round) {
            QVERIFY(engine->enqueueBatch(test::makeTasks(7)).ok());
            QTRY_COMPARE(queuedInList(), qint64(7 * round));
            QVERIFY2(
                totals->text().startsWith(QStringLiteral("queued %1 ").arg(7 * round)), qPrintable(totals->text()));
        }
        QVERIFY(reloads >= 5);
        QVERIFY2(disagreements.isEmpty(), qPrintable(disagreements.join(QLatin1String("; "))));
    }

    // Quit closes every window, and asks first when workers are running tasks (it used to close one window and stop
    // its running task after 10 s without a word).
    void quitClosesEveryWindowAndAsksWhileTasksRun()
    {
        QTemporaryDir dir;
        auto busy = test::openEngine(dir, 1);
        QVERIFY(busy);
        auto other = test::openEngine(dir, 0, false, QStringLiteral("other.db"));
        QVERIFY(other);
        NewTask slow;
        slow.type = QStringLiteral("sleep");
        slow.payload = R"({"ms":60000})";
        QVERIFY(busy->enqueue(slow).ok());
        const auto anyBusy = [&busy] {
            const QList<WorkerStatus> workers = busy->workers();
            return std::any_of(workers.cbegin(), workers.cend(), [](const WorkerStatus& w) { return w.busy; });
        };
        QTRY_VERIFY(anyBusy());
        MainWindow first(busy);
        MainWindow second(other);
        first.show();
        second.show();
        QStringList questions;
        bool answer = false;
        second.setConfirmHandler([&](const QString& question) {
            questions.append(question);
            return answer;
        });
        second.action(QStringLiteral("quit"))->trigger(); // from either window
        QCOMPARE(questions.size(), 1);
        QVERIFY2(questions.first().startsWith(QStringLiteral("1 task(s) are running")), qPrintable(questions.first()));
        QVERIFY(first.isVisible());
        QVERIFY(second.isVisible());

        answer = true;
        second.action(QStringLiteral("quit"))->trigger();
        QCOMPARE(questions.size(), 2);
        QVERIFY(!first.isVisible());
        QVERIFY(!second.isVisible());
        QVERIFY(busy->cancel(TaskFilter {}).ok()); // let the sleeping task go before the engine shuts down
    }

    void readOnlyDisablesWrites()
    {
        QTemporaryDir dir;
        {
            auto writer = test::openEngine(dir);
            QVERIFY(writer);
            QVERIFY(writer->enqueueBatch(test::makeTasks(10)).ok());
        }
        auto engine = test::openEngine(dir, 0, true);
        QVERIFY(engine);
        QVERIFY(engine->isReadOnly());
        MainWindow window(engine);
        window.show();
        QVERIFY(window.windowTitle().contains(QLatin1String("read-only")));
        QVERIFY(!window.writeActions().isEmpty());
        selectRows(window, 3);
        for (QAction* a : window.writeActions())
            QVERIFY2(!a->isEnabled(), qPrintable(a->objectName()));
        // Still readable.
        QCOMPARE(window.taskModel()->totalCount(), qint64(10));
        // Triggering anyway (a shortcut racing the state) changes nothing.
        window.action(QStringLiteral("deleteSelected"))->activate(QAction::Trigger);
        QTest::qWait(100);
        QCOMPARE(window.taskModel()->totalCount(), qint64(10));
        window.grab().save(QStringLiteral("/tmp/qd-readonly.png"));
    }

    void fileOpenReadOnlyOpensAnotherWindow()
    {
        QTemporaryDir dir;
        {
            auto other = test::openEngine(dir, 0, false, QStringLiteral("other.db"));
            QVERIFY(other);
            QVERIFY(other->enqueueBatch(test::makeTasks(7)).ok());
        }
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        window.openDatabase(dir.filePath(QStringLiteral("other.db")), DatabaseOpener::OpenMode::ReadOnly);
        MainWindow* opened = nullptr;
        QTRY_VERIFY((opened = [&]() -> MainWindow* {
            for (QWidget* w : QApplication::topLevelWidgets()) {
                if (auto* m = qobject_cast<MainWindow*>(w); m && m != &window)
                    return m;
            }
            return nullptr;
        }()));
        QVERIFY(opened->isReadOnly());
        QTRY_COMPARE(opened->taskModel()->totalCount(), qint64(7));
        for (QAction* a : opened->writeActions())
            QVERIFY(!a->isEnabled());
        opened->close(); // deletes itself and its engine

        // A file that is not there is reported, not fatal.
        window.openDatabase(dir.filePath(QStringLiteral("missing.db")), DatabaseOpener::OpenMode::ReadOnly);
        QTRY_VERIFY(window.messageBar()->isVisible());
        QCOMPARE(window.messageBar()->kind(), MessageBar::Kind::Error);
    }

    // File > Connect to a server asks for a URL; a bad one is explained in the dialog, which stays open, and a
    // server that is not there is reported in the window; neither shows the password typed.
    void connectToServerReportsBadUrlsAndUnreachableServers()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        // Sets `dialog` to the dialog it filled and accepted.
        QPointer<ServerConnectDialog> dialog;
        const auto connectWith = [&](const QString& url) {
            window.action(QStringLiteral("connectServer"))->trigger();
            QTRY_VERIFY((dialog = window.findChild<ServerConnectDialog*>(QStringLiteral("connectServerDialog"))));
            dialog->setUrl(url);
            dialog->accept();
        };
        connectWith(QStringLiteral("postgresql://db.example/"));
        QVERIFY(dialog && dialog->isVisible());
        QVERIFY2(dialog->problem().contains(QLatin1String("names no database")), qPrintable(dialog->problem()));
        dialog->reject();
        QTRY_VERIFY(!dialog);

        connectWith(QStringLiteral("postgresql://ops:hunter2@127.0.0.1:1/queues"));
        QTRY_VERIFY_WITH_TIMEOUT(window.messageBar()->isVisible(), 15000);
        QCOMPARE(window.messageBar()->kind(), MessageBar::Kind::Error);
        const QString shown = window.messageBar()->text();
        QVERIFY2(shown.contains(QLatin1String("Cannot open postgresql://ops@127.0.0.1:1/queues")), qPrintable(shown));
        QVERIFY2(!shown.contains(QLatin1String("hunter2")), qPrintable(shown));
    }

    // Closing a window returns at once even when its engine must wait for a running task on shutdown; the engine
    // is shut down in the background (gracefully: the task goes back to the queue) and the app waits for it at exit.
    void closingDoesNotBlockOnEngineShutdown()
    {
        EngineReaper::waitForAll(); // windows of earlier tests: start from none pending
        QTemporaryDir dir;
        EngineOptions options;
        options.store.path = dir.filePath(QStringLiteral("ui.db"));
        options.workerCount = 1;
        options.pollIntervalMs = 50;
        options.shutdownGraceMs = 4000;
        auto opened = QueueEngine::open(options);
        QVERIFY2(opened.ok(), qPrintable(opened.errorString()));
        std::shared_ptr<QueueEngine> engine(std::move(opened).value());
        NewTask slow;
        slow.type = QStringLiteral("sleep");
        slow.payload = QByteArrayLiteral("{\"ms\":60000}");
        QVERIFY(engine->enqueue(slow).ok());
        QTRY_VERIFY_WITH_TIMEOUT(countIn(*engine, TaskState::Running) == 1, 10000);

        std::weak_ptr<QueueEngine> weak = engine;
        auto* window = new MainWindow(std::move(engine));
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window));
        QElapsedTimer closing;
        closing.start();
        window->close();
        delete window;
        const qint64 closeMs = closing.elapsed();
        // Destroying the engine here would take the 4 s grace: the window must be gone well before.
        QVERIFY2(closeMs < 2000, qPrintable(QString::number(closeMs)));
        // Still shutting down, elsewhere (the engine's use count is already 0 then: ask the reaper, not a weak_ptr).
        QCOMPARE(EngineReaper::pendingCount(), 1);

        QElapsedTimer teardown;
        teardown.start();
        EngineReaper::waitForAll();
        QVERIFY(weak.expired());
        // The shutdown really did wait for the task in the background (most of the 4 s grace was left).
        QVERIFY2(closeMs + teardown.elapsed() >= 3500, qPrintable(QString::number(teardown.elapsed())));
        QCOMPARE(EngineReaper::pendingCount(), 0);
        // The shutdown completed: the interrupted task was handed back, not left running under a dead lease.
        options.workerCount = 0;
        auto reopened = QueueEngine::open(options);
        QVERIFY2(reopened.ok(), qPrintable(reopened.errorString()));
        QCOMPARE(countIn(**reopened, TaskState::Running), qint64(0));
    }

    void busyScreenshot()
    {
        // A realistic busy day for a screenshot: several queues, failures, retries, workers at work.
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 4);
        QVERIFY(engine);
        QList<NewTask> tasks = test::makeTasks(3000);
        for (int i = 0; i < 60; ++i) {
            NewTask t;
            t.queue = i % 2 ? QStringLiteral("webhooks") : QStringLiteral("emails");
            t.type = QStringLiteral("sleep");
            t.payload = i % 3 ? QByteArrayLiteral("{\"ms\":300,\"fail\":\"retryable\"}")
                              : QByteArrayLiteral("{\"ms\":100,\"fail\":\"permanent\"}");
            t.priority = 50;
            tasks.append(t);
        }
        QVERIFY(engine->enqueueBatch(tasks).ok());
        MainWindow window(engine);
        window.resize(1600, 950);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_VERIFY_WITH_TIMEOUT(countIn(*engine, TaskState::Failed) > 0, 15000);
        selectRows(window, 1);
        window.taskView()->setCurrentIndex(window.taskModel()->index(0, 0));
        QTest::qWait(2500);
        QVERIFY(window.taskModel()->rowCount() == 3060);
        window.grab().save(QStringLiteral("/tmp/qd-main.png"));
        // And filtered to failures, with the inspector on one of them.
        window.filterBar()->setState(TaskState::Failed);
        QCOMPARE(window.taskModel()->totalCount(), qint64(-1)); // counting: the old rows are not the answer
        QTRY_VERIFY(window.taskModel()->totalCount() > 0);
        selectRows(window, 1);
        window.taskView()->setCurrentIndex(window.taskModel()->index(0, 0));
        const qint64 failedId = window.taskModel()->index(0, 0).data(TaskTableModel::TaskIdRole).toLongLong();
        QTRY_VERIFY(window.inspector()->shown() && window.inspector()->shown()->task.id == failedId);
        QCOMPARE(window.inspector()->shown()->task.state, TaskState::Failed);
        QTest::qWait(500);
        window.grab().save(QStringLiteral("/tmp/qd-failed.png"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
