#include "ui/filterbar.h"
#include "ui/mainwindow.h"
#include "ui/tasktablemodel.h"
#include "uitesthelpers.h"

#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>

using namespace qd;
using namespace qd::ui;

// Issue 17: a Help menu (keyboard shortcuts, About), what to do in an empty database, Tab between panels.
class TestWindowHelp : public QObject {
    Q_OBJECT

    static QLabel* hint(MainWindow& window) { return window.findChild<QLabel*>(QStringLiteral("emptyDatabaseHint")); }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_windowhelp"));
        QApplication::setApplicationVersion(QStringLiteral("9.8.7"));
    }

    void helpMenuListsEveryShortcut()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        QStringList menus;
        for (QAction* a : window.menuBar()->actions())
            menus.append(a->text().remove(QLatin1Char('&')));
        QCOMPARE(menus.last(), QStringLiteral("Help"));

        window.action(QStringLiteral("shortcuts"))->trigger();
        auto* dialog = window.findChild<QDialog*>(QStringLiteral("shortcutsDialog"));
        QVERIFY(dialog && dialog->isVisible());
        auto* table = dialog->findChild<QTableWidget*>();
        QStringList keys;
        for (int r = 0; r < table->rowCount(); ++r)
            keys.append(table->item(r, 1)->text());
        int withShortcut = 0;
        for (QAction* a : window.findChildren<QAction*>()) {
            if (a->shortcut().isEmpty())
                continue;
            ++withShortcut;
            QVERIFY2(keys.contains(a->shortcut().toString(QKeySequence::NativeText)), qPrintable(a->objectName()));
        }
        QVERIFY(withShortcut > 10);
        QVERIFY(keys.contains(QStringLiteral("Tab / Shift+Tab")));
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            dialog->grab().save(shots + QStringLiteral("/shortcuts-dialog.png"));
        dialog->close();

        window.action(QStringLiteral("about"))->trigger();
        auto* about = window.findChild<QMessageBox*>(QStringLiteral("aboutBox"));
        QVERIFY(about && about->isVisible());
        QVERIFY2(about->text().contains(QLatin1String("9.8.7")), qPrintable(about->text()));
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            about->grab().save(shots + QStringLiteral("/about-box.png"));
    }

    void emptyDatabaseSaysWhatToDo()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(0));
        QVERIFY(hint(window)->isVisible());
        QVERIFY2(
            hint(window)->text().contains(QLatin1String("queuedesk-cli demo --db ")), qPrintable(hint(window)->text()));
        QVERIFY(hint(window)->text().contains(QLatin1String("Enqueue")));

        // A filter that matches nothing is not an empty database.
        window.filterBar()->setSearchText(QStringLiteral("nothing"));
        QTRY_VERIFY(!window.taskModel()->filter().search.isEmpty());
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(0));
        QVERIFY(!hint(window)->isVisible());
        window.filterBar()->clear();

        QVERIFY(engine->enqueueBatch(test::makeTasks(3)).ok());
        QTRY_COMPARE_WITH_TIMEOUT(window.taskModel()->totalCount(), qint64(3), test::backgroundTimeoutMs);
        QVERIFY(!hint(window)->isVisible());
    }

    void readOnlyEmptyDatabaseOffersNoEnqueue()
    {
        QTemporaryDir dir;
        QVERIFY(test::openEngine(dir));
        auto engine = test::openEngine(dir, 0, true);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(0));
        QVERIFY(hint(window)->isVisible());
        QVERIFY(!hint(window)->text().contains(QLatin1String("Enqueue")));
    }

    void tabMovesBetweenPanels()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(5)).ok());
        MainWindow window(engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        window.taskView()->setFocus();
        QTRY_VERIFY(window.taskView()->hasFocus());
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget*>(window.queueView()));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Backtab);
        QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget*>(window.taskView()));
    }
};

QTEST_MAIN(TestWindowHelp)
#include "tst_windowhelp.moc"
