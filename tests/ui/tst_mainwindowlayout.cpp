#include "ui/charts/timeserieschart.h"
#include "ui/mainwindow.h"
#include "ui/taskinspector.h"
#include "ui/tasktablemodel.h"
#include "uitesthelpers.h"

#include <QApplication>
#include <QChartView>
#include <QDockWidget>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QHeaderView>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>

using namespace qd;
using namespace qd::ui;

// The main window as a first start shows it (no saved layout): every column of the queue list and of the workers
// panel visible without scrolling, a task table without a horizontal scroll bar, and an inspector wide enough to
// read a payload.
class TestMainWindowLayout : public QObject {
    Q_OBJECT

    // Column c is entirely inside the view, and at least as wide as its header text and its widest cell.
    // From firstSized on, each column is as wide as its contents (a tree's first column holds the lines that span
    // the row, which elide instead).
    static void checkColumnsVisible(QAbstractItemView* view, QHeaderView* header, const char* what, int firstSized = 0)
    {
        const int viewportWidth = view->viewport()->width();
        QVERIFY2(view->horizontalScrollBar()->maximum() == 0,
            qPrintable(QStringLiteral("%1 scrolls sideways by %2 px")
                           .arg(QLatin1String(what))
                           .arg(view->horizontalScrollBar()->maximum())));
        for (int c = 0; c < header->count(); ++c) {
            if (header->isSectionHidden(c))
                continue;
            const int right = header->sectionViewportPosition(c) + header->sectionSize(c);
            QVERIFY2(right <= viewportWidth,
                qPrintable(QStringLiteral("%1 column %2 ends at %3 of %4 px")
                               .arg(QLatin1String(what))
                               .arg(c)
                               .arg(right)
                               .arg(viewportWidth)));
            if (c < firstSized)
                continue;
            const int needed = std::max(header->sectionSizeHint(c), view->sizeHintForColumn(c));
            QVERIFY2(header->sectionSize(c) >= needed,
                qPrintable(QStringLiteral("%1 column %2 (%3) is %4 px, needs %5")
                               .arg(QLatin1String(what))
                               .arg(c)
                               .arg(view->model()->headerData(c, Qt::Horizontal).toString())
                               .arg(header->sectionSize(c))
                               .arg(needed)));
        }
    }

    // Every text a chart draws (axis labels, title, legend) that is shown.
    static QStringList chartTexts(TimeSeriesChart* chart)
    {
        QStringList texts;
        const auto items = chart->findChild<QChartView*>()->scene()->items();
        for (QGraphicsItem* item : items) {
            if (!item->isVisible())
                continue;
            if (auto* text = dynamic_cast<QGraphicsTextItem*>(item))
                texts.append(text->toPlainText());
            else if (auto* simple = dynamic_cast<QGraphicsSimpleTextItem*>(item))
                texts.append(simple->text());
        }
        return texts;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // never the user's own settings
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_mainwindowlayout"));
        QSettings().clear(); // a first start: no window geometry or dock layout saved
    }

    void defaultSizeShowsEveryColumn()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 4);
        QVERIFY(engine);
        QList<NewTask> tasks = test::makeTasks(2000);
        for (int i = 0; i < 40; ++i) {
            NewTask t;
            t.queue = QStringLiteral("webhooks");
            t.type = QStringLiteral("sleep");
            t.payload = QByteArrayLiteral("{\"ms\":400,\"fail\":\"retryable\"}");
            tasks.append(t);
        }
        QVERIFY(engine->enqueueBatch(tasks).ok());
        MainWindow window(engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_VERIFY(window.taskModel()->totalCount() > 0);
        QTRY_VERIFY(window.taskModel()->data(window.taskModel()->index(0, 0), TaskTableModel::LoadedRole).toBool());
        window.taskView()->selectRow(0);
        QTest::qWait(1500); // workers busy, counts moving, a few chart samples
        window.grab().save(QStringLiteral("/tmp/qd-ui3-main-default.png"));

        QCOMPARE(window.size(), QSize(1500, 900));
        checkColumnsVisible(window.queueView(), window.queueView()->horizontalHeader(), "queue list");
        if (QTest::currentTestFailed())
            return;
        auto* workers = window.findChild<QTreeView*>(QStringLiteral("workersView"));
        QVERIFY(workers);
        checkColumnsVisible(workers, workers->header(), "workers panel", 1);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(window.taskView()->horizontalScrollBar()->maximum(), 0);
        auto* inspectorDock = window.findChild<QDockWidget*>(QStringLiteral("inspectorDock"));
        QVERIFY(inspectorDock && inspectorDock->isVisible());
        QVERIFY2(window.inspector()->width() >= 440, qPrintable(QString::number(window.inspector()->width())));
        QVERIFY2(window.inspector()->height() >= 450, qPrintable(QString::number(window.inspector()->height())));
        // The timeline of a task that ran and was retried, for the screenshot.
        QTRY_VERIFY_WITH_TIMEOUT(window.inspector()->shown() && window.inspector()->shown()->events.size() >= 4, 10000);
        auto* tabs = window.inspector()->findChild<QTabWidget*>();
        QVERIFY(tabs);
        tabs->setCurrentIndex(tabs->count() - 1);
        QTest::qWait(100);
        window.inspector()->grab().save(QStringLiteral("/tmp/qd-ui3-inspector-timeline.png"));
        // The table keeps room for rows: at least 12 of them.
        const int rowHeight = window.taskView()->verticalHeader()->defaultSectionSize();
        QVERIFY2(window.taskView()->viewport()->height() >= 12 * rowHeight,
            qPrintable(QString::number(window.taskView()->viewport()->height())));
    }

    // A layout saved by an older version (workers beside the queues, a 400 px error column) is not restored over
    // the new default; a layout saved by this version is.
    void onlyLayoutsOfThisVersionAreRestored()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(50)).ok());
        {
            MainWindow old(engine);
            auto* workersDock = old.findChild<QDockWidget*>(QStringLiteral("workersDock"));
            old.addDockWidget(Qt::TopDockWidgetArea, workersDock);
            old.taskView()->setColumnWidth(TaskTableModel::ErrorColumn, 400);
            old.taskView()->setColumnWidth(TaskTableModel::CreatedColumn, 300);
            QSettings settings;
            settings.setValue(QStringLiteral("window/state"), old.saveState()); // version 0, as before
            settings.setValue(QStringLiteral("window/taskHeader"), old.taskView()->horizontalHeader()->saveState());
            settings.remove(QStringLiteral("window/layoutVersion"));
        }
        {
            MainWindow window(engine);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            auto* workersDock = window.findChild<QDockWidget*>(QStringLiteral("workersDock"));
            QCOMPARE(window.dockWidgetArea(workersDock), Qt::RightDockWidgetArea);
            QVERIFY(window.taskView()->columnWidth(TaskTableModel::CreatedColumn) < 300);
            QTRY_COMPARE(window.taskView()->horizontalScrollBar()->maximum(), 0);
            // The admin's own changes are saved and come back.
            window.taskView()->setColumnWidth(TaskTableModel::CreatedColumn, 250);
            window.close();
        }
        MainWindow again(engine);
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        QCOMPARE(again.taskView()->columnWidth(TaskTableModel::CreatedColumn), 250);
        QCOMPARE(again.dockWidgetArea(again.findChild<QDockWidget*>(QStringLiteral("workersDock"))),
            Qt::RightDockWidgetArea);
        QSettings().clear();
    }

    // Issue 17: a charts panel dragged short was saved that way, and the charts opened with "..." for every number.
    // However short it was saved, it opens with every chart at least its minimum height and no label elided.
    void shortChartsPanelOpensReadable()
    {
        QSettings().clear();
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        {
            MainWindow window(engine);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            auto* chartsDock = window.findChild<QDockWidget*>(QStringLiteral("chartsDock"));
            window.resizeDocks({chartsDock}, {10}, Qt::Vertical); // as short as it goes
            QTest::qWait(50);
            window.close(); // saves the layout
        }
        MainWindow window(engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTest::qWait(600); // a few chart refreshes
        const auto charts = window.findChildren<TimeSeriesChart*>();
        QCOMPARE(charts.size(), 3);
        window.findChild<QDockWidget*>(QStringLiteral("chartsDock"))
            ->grab()
            .save(QStringLiteral("/tmp/qd-ui17-short-charts.png"));
        for (TimeSeriesChart* chart : charts) {
            QVERIFY2(chart->height() >= chart->minimumHeight(), qPrintable(QString::number(chart->height())));
            const QStringList texts = chartTexts(chart);
            for (const QString& text : texts) {
                QVERIFY2(!text.contains(QChar(0x2026)) && !text.contains(QLatin1String("...")),
                    qPrintable(chart->title() + QLatin1String(": ") + texts.join(QLatin1String(" | "))));
            }
        }
        QSettings().clear();
    }
};

QTEST_MAIN(TestMainWindowLayout)
#include "tst_mainwindowlayout.moc"
