// A read-only window on a database an older QueueDesk left (schema 7 to 12): it cannot migrate it, and must still
// show the queues, the tasks, a search, the sources and the dashboard, with no error in the message strip.
#include "core/store/sqldialect.h"
#include "tests/core/storetestutil.h"
#include "ui/dashboardstrip.h"
#include "ui/filterbar.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "ui/queuelistmodel.h"
#include "ui/sourcesmodel.h"
#include "ui/sourcespanel.h"
#include "ui/tasktablemodel.h"
#include "uitesthelpers.h"

#include <QApplication>
#include <QStandardPaths>

using namespace qd;
using namespace qd::ui;

class TestReadOnlyOldWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_readonlyoldwindow"));
    }

    void showsWhatTheSchemaHas_data()
    {
        QTest::addColumn<int>("version");
        for (int v = sourceCursorsSchemaVersion; v < TaskStore::schemaVersion(); ++v)
            QTest::addRow("schema %d", v) << v;
    }

    void showsWhatTheSchemaHas()
    {
        QFETCH(int, version);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("ui.db"));
        {
            auto store = test::openStore(path);
            QVERIFY(store);
            QVERIFY(store->enqueue(test::makeTasks(30), 1000).ok());
            QVERIFY(store->setRequireSigned(QStringLiteral("reports"), true, 2000).ok());
            SourceRecord spool;
            spool.kind = QStringLiteral("spool");
            spool.name = QStringLiteral("inbox");
            spool.config = "{\"dir\":\"/nonexistent/qd-inbox\",\"queue\":\"emails\"}";
            QVERIFY(store->addSource(spool, 3000).ok());
            QVERIFY(test::rollBackSchema(*store, version));
        }
        auto engine = test::openEngine(dir, 0, true);
        QVERIFY(engine);
        MainWindow window(engine);
        window.resize(1400, 900);
        window.show();

        QTRY_COMPARE_WITH_TIMEOUT(window.queueModel()->queueNames(),
            (QStringList {QStringLiteral("default"), QStringLiteral("emails"), QStringLiteral("images"),
                QStringLiteral("reports")}),
            test::backgroundTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(window.taskModel()->totalCount(), qint64(30), test::backgroundTimeoutMs);
        window.filterBar()->setSearchText(QStringLiteral("needle"));
        QTRY_COMPARE_WITH_TIMEOUT(window.taskModel()->totalCount(), qint64(1), test::backgroundTimeoutMs);
        auto* strip = window.findChild<DashboardStrip*>();
        QVERIFY(strip);
        QTRY_VERIFY_WITH_TIMEOUT(strip->figures().has_value(), test::backgroundTimeoutMs);
        window.sourcesPanel()->model()->reload();
        QTRY_COMPARE_WITH_TIMEOUT(window.sourcesPanel()->model()->rowCount(), 1, test::backgroundTimeoutMs);
        QVERIFY2(window.messageBar()->kind() != MessageBar::Kind::Error || window.messageBar()->text().isEmpty(),
            qPrintable(window.messageBar()->text()));
    }
};

QTEST_MAIN(TestReadOnlyOldWindow)
#include "tst_readonlyoldwindow.moc"
