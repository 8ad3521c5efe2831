// Issue 17: a created from/to range on the task table, beside queue, state and type; the count and the bulk actions
// on the filter honour it, and a range that ends before it starts is an error that changes nothing.
#include "ui/filterbar.h"
#include "ui/mainwindow.h"
#include "ui/tasktablemodel.h"
#include "uitesthelpers.h"

#include <QAction>
#include <QApplication>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QStandardPaths>

using namespace qd;
using namespace qd::ui;

class TestTimeRangeFilter : public QObject {
    Q_OBJECT

    static qint64 total(QueueEngine& engine)
    {
        qint64 n = 0;
        for (const StateCounts& c : engine.counts()) {
            for (qint64 v : c)
                n += v;
        }
        return n;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_timerangefilter"));
    }

    void rangeNarrowsTableCountAndBulkActions()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(30)).ok());
        QTest::qWait(20);
        const qint64 between = QDateTime::currentMSecsSinceEpoch();
        QTest::qWait(20);
        QVERIFY(engine->enqueueBatch(test::makeTasks(12, 30)).ok());

        MainWindow window(engine);
        window.setConfirmHandler([](const QString&) { return true; });
        window.show();
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(42));
        QVERIFY(window.filterBar()->findChild<QDateTimeEdit*>(QStringLiteral("createdFrom")));

        window.filterBar()->setCreatedRange(between, 0);
        QCOMPARE(window.taskModel()->filter().createdFrom, between);
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(12));
        window.filterBar()->setCreatedRange(0, between);
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(30));
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            window.grab().save(shots + QStringLiteral("/time-range-filter.png"));

        // Ends before it starts: said so, and the table keeps showing what it showed.
        window.filterBar()->setCreatedRange(between, between - 60'000);
        QVERIFY(!window.filterBar()->rangeError().isEmpty());
        QCOMPARE(window.taskModel()->filter().createdTo, between);
        QCOMPARE(window.taskModel()->totalCount(), qint64(30));

        // Delete all matching the range: the later 12 go, the earlier 30 stay.
        window.filterBar()->setCreatedRange(between, 0);
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(12));
        window.action(QStringLiteral("deleteMatching"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(total(*engine), qint64(30), test::backgroundTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(window.taskModel()->totalCount(), qint64(0), test::backgroundTimeoutMs);

        window.filterBar()->clear();
        QCOMPARE(window.taskModel()->filter().createdFrom, qint64(0));
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(30));
    }
};

QTEST_MAIN(TestTimeRangeFilter)
#include "tst_timerangefilter.moc"
