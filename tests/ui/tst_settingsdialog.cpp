#include "core/databasesettings.h"
#include "core/taskstore.h"
#include "ui/backgroundwriter.h"
#include "ui/charts/timeserieschart.h"
#include "ui/databasesettingseditor.h"
#include "ui/mainwindow.h"
#include "ui/settingsdialog.h"
#include "ui/taskformat.h"
#include "ui/tasktablemodel.h"
#include "ui/themesetting.h"
#include "ui/workercountsetting.h"
#include "uitesthelpers.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>

using namespace qd;
using namespace qd::ui;

// Issue 17: a Settings dialog (workers and the database's own settings, per database; the theme, per user),
// read-only on a read-only window.
class TestSettingsDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_settingsdialog"));
        QVERIFY2(QSettings().fileName().contains(QLatin1String("qttest")), qPrintable(QSettings().fileName()));
        QSettings().clear();
    }

    void cleanup()
    {
        applyTheme(Theme::System);
        QSettings().clear();
    }

    void okAppliesWorkersPerDatabaseAndThemePerUser()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 1);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        QAction* settings = window.action(QStringLiteral("settings"));
        QVERIFY(settings && settings->isEnabled());
        settings->trigger();
        auto* dialog = window.findChild<SettingsDialog*>();
        QVERIFY(dialog && dialog->isVisible());
        auto* workers = dialog->findChild<QSpinBox*>(QStringLiteral("workersSetting"));
        QVERIFY(workers && workers->isEnabled());
        QCOMPARE(workers->value(), 1);
        workers->setValue(3);
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            dialog->grab().save(shots + QStringLiteral("/settings-dialog.png"));
        dialog->setTheme(Theme::Dark);
        QVERIFY(!isDarkPalette()); // nothing applies before OK
        dialog->accept();
        QCOMPARE(engine->workerCount(), 3);
        QCOMPARE(savedWorkerCount(engine->options().store.path, -1), 3);
        QCOMPARE(savedTheme(), Theme::Dark);
        QVERIFY(isDarkPalette());
        // Another database keeps its own count; the theme is the user's everywhere.
        QCOMPARE(savedWorkerCount(dir.filePath(QStringLiteral("other.db")), -1), -1);
    }

    void cancelChangesNothing()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 2);
        QVERIFY(engine);
        MainWindow window(engine);
        SettingsDialog* dialog = window.showSettingsDialog();
        dialog->findChild<QSpinBox*>(QStringLiteral("workersSetting"))->setValue(0);
        dialog->setTheme(Theme::Dark);
        dialog->reject();
        QCOMPARE(engine->workerCount(), 2);
        QCOMPARE(savedTheme(), Theme::System);
        QVERIFY(!isDarkPalette());
    }

    void readOnlyWindowShowsTheDatabaseSettingsReadOnly()
    {
        QTemporaryDir dir;
        QVERIFY(test::openEngine(dir)); // creates the database
        auto engine = test::openEngine(dir, 0, true);
        QVERIFY(engine && engine->isReadOnly());
        MainWindow window(engine);
        QVERIFY(window.action(QStringLiteral("settings"))->isEnabled());
        SettingsDialog* dialog = window.showSettingsDialog();
        QVERIFY(!dialog->findChild<QSpinBox*>(QStringLiteral("workersSetting"))->isEnabled());
        for (const char* name : {"allowedPrograms", "programPath", "addProgram", "removeProgram", "refuseLoopback",
                 "refusePrivate", "allowHosts", "endedTasksDays", "metricsDays"}) {
            auto* field = dialog->findChild<QWidget*>(QLatin1String(name));
            QVERIFY2(field && !field->isEnabled(), name);
        }
        QVERIFY(dialog->findChild<QComboBox*>(QStringLiteral("themeSetting"))->isEnabled());
        QVERIFY(!dialog->findChild<QLabel*>(QStringLiteral("retention"))->text().isEmpty());
        // The default program runs no commands, and says where that is decided.
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            dialog->grab().save(shots + QStringLiteral("/settings-dialog-read-only.png"));
        const QString command = dialog->findChild<QLabel*>(QStringLiteral("commandPolicy"))->text();
        QVERIFY2(command.startsWith(QLatin1String("Off")), qPrintable(command));
    }

    // The database's own settings: a program added (and bad ones refused with the reason), loopback refused, hosts
    // and retention set; an invalid field keeps the dialog open; OK writes through the background writer, and the
    // values are in the database for every process.
    void databaseSettingsAreEditedAndStored()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        MainWindow window(engine);
        window.show();
        SettingsDialog* dialog = window.showSettingsDialog();
        QVERIFY(dialog->isVisible());
        DatabaseSettingsEditor* editor = dialog->databaseSettingsEditor();
        auto* programs = dialog->findChild<QListWidget*>(QStringLiteral("allowedPrograms"));
        auto* error = dialog->findChild<QLabel*>(QStringLiteral("settingsError"));
        QVERIFY(programs && error && programs->isEnabled());
        QCOMPARE(programs->count(), 0);
        QVERIFY(dialog->findChild<QLabel*>(QStringLiteral("commandPolicy"))->text().startsWith(QLatin1String("Off")));

        const QString echo = QStandardPaths::findExecutable(QStringLiteral("echo"));
        QVERIFY(!echo.isEmpty());
        const QString notExecutable = dir.filePath(QStringLiteral("notes.txt"));
        QFile(notExecutable).open(QIODevice::WriteOnly);
        for (const QString& bad : {QStringLiteral("echo"), QStringLiteral("/nonexistent/qd-tool"), notExecutable}) {
            const std::optional<QString> refused = editor->addProgram(bad);
            QVERIFY2(refused, qPrintable(bad));
            QVERIFY(!error->isHidden());
            QCOMPARE(error->text(), *refused);
        }
        QCOMPARE(programs->count(), 0);
        // Typed in and added with the button, as an admin does.
        auto* path = dialog->findChild<QLineEdit*>(QStringLiteral("programPath"));
        path->setText(echo);
        dialog->findChild<QPushButton*>(QStringLiteral("addProgram"))->click();
        QCOMPARE(programs->count(), 1);
        QVERIFY(path->text().isEmpty());
        QVERIFY(error->isHidden());
        QVERIFY(editor->addProgram(echo)); // listed already

        dialog->findChild<QCheckBox*>(QStringLiteral("refuseLoopback"))->setChecked(true);
        auto* hosts = dialog->findChild<QLineEdit*>(QStringLiteral("allowHosts"));
        hosts->setText(QStringLiteral("hooks.example.com, bad host"));
        dialog->findChild<QSpinBox*>(QStringLiteral("endedTasksDays"))->setValue(30);
        dialog->accept();
        QVERIFY(dialog->isVisible()); // the bad host keeps it open, with the reason
        QVERIFY2(error->text().contains(QLatin1String("bad host")), qPrintable(error->text()));
        hosts->setText(QStringLiteral("Hooks.Example.com, 10.0.0.7"));
        if (const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR"); !shots.isEmpty())
            dialog->grab().save(shots + QStringLiteral("/settings-dialog-database.png"));
        dialog->accept();
        QVERIFY(!dialog->isVisible());

        QTRY_COMPARE(engine->databaseSettings().allowedPrograms(), QStringList {echo});
        window.writer()->waitForAll();
        const DatabaseSettings inMemory = engine->databaseSettings();
        QVERIFY(inMemory.networkPolicy().refuseLoopback);
        QCOMPARE(inMemory.networkPolicy().allowedHosts,
            QStringList({QStringLiteral("hooks.example.com"), QStringLiteral("10.0.0.7")}));
        QCOMPARE(inMemory.endedTasksDays(), 30);
        QVERIFY(!inMemory.isStored(settingkeys::retentionMetricsDays)); // untouched: not written
        StoreOptions options;
        options.path = engine->options().store.path;
        auto store = TaskStore::open(options);
        QVERIFY(store);
        const DatabaseSettings stored = store.value()->databaseSettings().value();
        QCOMPARE(stored.stored, inMemory.stored);

        // Opened again, the dialog shows what is stored, and says the command type is on.
        SettingsDialog* again = window.showSettingsDialog();
        QCOMPARE(again->findChild<QListWidget*>(QStringLiteral("allowedPrograms"))->count(), 1);
        QVERIFY(again->findChild<QCheckBox*>(QStringLiteral("refuseLoopback"))->isChecked());
        QCOMPARE(again->findChild<QSpinBox*>(QStringLiteral("endedTasksDays"))->value(), 30);
        QVERIFY(again->findChild<QLabel*>(QStringLiteral("commandPolicy"))->text().startsWith(QLatin1String("On")));
        // Removing the program and accepting turns the type off again.
        auto* list = again->findChild<QListWidget*>(QStringLiteral("allowedPrograms"));
        list->item(0)->setSelected(true);
        again->findChild<QPushButton*>(QStringLiteral("removeProgram"))->click();
        QCOMPARE(list->count(), 0);
        again->accept();
        QTRY_VERIFY(engine->databaseSettings().allowedPrograms().isEmpty());
        window.writer()->waitForAll();
    }

    // Dark mode: View > Theme overrides the system palette; state colours and charts follow; both themes pictured.
    void viewMenuSwitchesTheThemeEverywhere()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(40)).ok());
        MainWindow window(engine);
        window.resize(1500, 900);
        window.show();
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(40));
        QVERIFY(window.action(QStringLiteral("themeSystem"))->isChecked());
        const QList<TimeSeriesChart*> charts = window.findChildren<TimeSeriesChart*>();
        QVERIFY(!charts.isEmpty());
        const QColor lightQueued = stateColor(TaskState::Queued);
        QVERIFY(charts.first()->backgroundColor().lightness() > 128);
        QTest::qWait(100); // laid out after the first reads
        const QString shots = qEnvironmentVariable("QD_SCREENSHOT_DIR");
        if (!shots.isEmpty())
            window.grab().save(shots + QStringLiteral("/theme-light.png"));

        window.action(QStringLiteral("themeDark"))->trigger();
        QVERIFY(isDarkPalette());
        QCOMPARE(savedTheme(), Theme::Dark);
        QVERIFY(window.action(QStringLiteral("themeDark"))->isChecked());
        QVERIFY(!window.action(QStringLiteral("themeSystem"))->isChecked());
        QVERIFY(stateColor(TaskState::Queued).lightness() > lightQueued.lightness());
        for (TimeSeriesChart* chart : charts)
            QTRY_VERIFY2(chart->backgroundColor().lightness() < 100, qPrintable(chart->title()));
        QTest::qWait(100);
        if (!shots.isEmpty())
            window.grab().save(shots + QStringLiteral("/theme-dark.png"));

        // Settings shows the choice, and a second window's menu follows a change made in the first.
        MainWindow second(engine);
        QVERIFY(second.action(QStringLiteral("themeDark"))->isChecked());
        window.action(QStringLiteral("themeLight"))->trigger();
        QVERIFY(!isDarkPalette());
        QVERIFY(second.action(QStringLiteral("themeLight"))->isChecked());
        QCOMPARE(stateColor(TaskState::Queued), lightQueued);
        QTRY_VERIFY(charts.first()->backgroundColor().lightness() > 128);
    }

    void themeNamesRoundTrip()
    {
        for (Theme t : {Theme::System, Theme::Light, Theme::Dark})
            QCOMPARE(themeFromName(themeName(t)), t);
        QCOMPARE(themeFromName(QStringLiteral("purple")), Theme::System);
    }
};

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"
