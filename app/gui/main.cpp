#include "core/databaseurl.h"
#include "core/queueengine.h"
#include "core/startuptrace.h"
#include "ui/enginereaper.h"
#include "ui/firstrowsprobe.h"
#include "ui/mainwindow.h"
#include "ui/themesetting.h"
#include "ui/workercountsetting.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QIcon>
#include <QMessageBox>
#include <QTableView>
#include <QThread>
#include <QTimer>

#include <cstdio>
#include <optional>

namespace {

// Opening may wait on the desktop keyring (a key kept there) or migrate the schema: done on a thread of its own while
// the GUI thread's event loop runs.
qd::Result<std::unique_ptr<qd::QueueEngine>> openOffGuiThread(const qd::EngineOptions& options)
{
    std::optional<qd::Result<std::unique_ptr<qd::QueueEngine>>> opened;
    QThread* guiThread = QThread::currentThread();
    std::unique_ptr<QThread> opener(QThread::create([&] {
        opened.emplace(qd::QueueEngine::open(options));
        if (*opened)
            opened->value()->moveToThread(guiThread); // its queued signals and timers belong with the window
    }));
    QEventLoop loop;
    QObject::connect(opener.get(), &QThread::finished, &loop, &QEventLoop::quit);
    opener->start();
    loop.exec();
    opener->wait();
    return std::move(*opened);
}

} // namespace

int main(int argc, char* argv[])
{
    QElapsedTimer sinceStart; // from main(): what loading the program took is seen only from outside
    sinceStart.start();
    qd::startuptrace::mark("main()");
    QApplication app(argc, argv);
    qd::startuptrace::mark("QApplication");
    QApplication::setApplicationName(QStringLiteral("QueueDesk"));
    QApplication::setOrganizationName(QStringLiteral("QueueDesk"));
    QApplication::setApplicationVersion(QStringLiteral(QT_STRINGIFY(QUEUEDESK_VERSION)));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/queuedesk/queuedesk.svg")));
    QApplication::setDesktopFileName(QStringLiteral("queuedesk"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Administer a QueueDesk task queue."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption readOnly(QStringLiteral("read-only"),
        QApplication::translate("main", "Open the database without writing to it (no workers)."));
    parser.addOption(readOnly);
    // For the README's screenshot command (scripts/screenshot.sh): the window as a user sees it, saved by grab().
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
        QApplication::translate("main", "Save a picture of the window to FILE after --screenshot-after-ms, then quit."),
        QStringLiteral("file"));
    const QCommandLineOption screenshotAfter(QStringLiteral("screenshot-after-ms"),
        QApplication::translate("main", "When to take the --screenshot (default 8000)."), QStringLiteral("ms"),
        QStringLiteral("8000"));
    const QCommandLineOption tab(QStringLiteral("tab"),
        QApplication::translate(
            "main", "Bring the dock tab of this title forward (Sources, Capacity, Alerts, Failures, Audit)."),
        QStringLiteral("title"));
    // For screenshots of both themes (scripts/screenshot.sh): this run's theme, not saved.
    const QCommandLineOption themeOption(QStringLiteral("theme"),
        QApplication::translate("main", "Use this theme for this run without saving it (system, light, dark)."),
        QStringLiteral("name"));
    // Measures start-up from outside: the time from main() to the first rows painted, then quit.
    const QCommandLineOption firstRows(QStringLiteral("exit-after-first-rows"),
        QApplication::translate(
            "main", "Print the milliseconds from start to the first rows painted in the task table, then quit."));
    parser.addOption(firstRows);
    parser.addOption(screenshot);
    parser.addOption(screenshotAfter);
    parser.addOption(tab);
    parser.addOption(themeOption);
    parser.addPositionalArgument(QStringLiteral("database"),
        QApplication::translate("main", "A SQLite file or a postgresql:// URL (default: %1).")
            .arg(qd::defaultDatabasePath()));
    parser.process(app);
    const QString themeName = parser.value(themeOption);
    if (!themeName.isEmpty() && qd::ui::themeName(qd::ui::themeFromName(themeName)) != themeName) {
        std::fprintf(stderr, "%s\n",
            qPrintable(
                QApplication::translate("main", "Unknown theme \"%1\": use system, light or dark.").arg(themeName)));
        return 2;
    }

    // The user's theme (Settings) unless --theme names one: the system's unless one was chosen.
    const qd::ui::Theme theme = themeName.isEmpty() ? qd::ui::savedTheme() : qd::ui::themeFromName(themeName);
    if (theme != qd::ui::Theme::System)
        qd::ui::applyTheme(theme);

    qd::EngineOptions options;
    options.store.readOnly = parser.isSet(readOnly);
    // The default database is moved from its old place (QueueDesk/QueueDesk/) on first use, when that is safe.
    options.store.path = parser.positionalArguments().isEmpty() ? qd::defaultDatabaseToOpen(!options.store.readOnly)
                                                                : parser.positionalArguments().first();
    // The workers this window last ran on this database (the status bar's control), 4 the first time.
    options.workerCount = options.store.readOnly ? 0 : qd::ui::savedWorkerCount(options.store.path, 4);
    options.processKind = QStringLiteral("gui"); // in the Workers view of every window on this database
    qd::startuptrace::mark("options parsed");
    options.store.actor.client = QStringLiteral("gui"); // in the audit log
    auto engine = openOffGuiThread(options);
    qd::startuptrace::mark("QueueEngine::open");
    if (!engine) {
        QMessageBox::critical(nullptr, QApplication::translate("main", "QueueDesk"),
            QApplication::translate("main", "Cannot open %1:\n%2")
                .arg(qd::databaseDisplayName(options.store.path), engine.errorString()));
        return 1;
    }
    auto* window = new qd::ui::MainWindow(std::shared_ptr<qd::QueueEngine>(std::move(engine).value()));
    qd::startuptrace::mark("MainWindow built");
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->show();
    qd::startuptrace::mark("MainWindow shown");
    for (QDockWidget* dock : window->findChildren<QDockWidget*>()) {
        if (parser.isSet(tab) && dock->windowTitle().compare(parser.value(tab), Qt::CaseInsensitive) == 0)
            dock->raise();
    }
    if (parser.isSet(firstRows)) {
        new qd::ui::FirstRowsProbe(window->taskView(), [window, &sinceStart] {
            qd::startuptrace::mark("first rows painted");
            std::printf("first_rows_painted_ms %lld\n", static_cast<long long>(sinceStart.elapsed()));
            std::fflush(stdout);
            window->close();
        });
    }
    if (parser.isSet(screenshot)) {
        QTimer::singleShot(parser.value(screenshotAfter).toInt(), window, [window, file = parser.value(screenshot)] {
            if (!window->grab().save(file))
                qWarning("Cannot save the screenshot to %s", qPrintable(file));
            window->close();
        });
    }
    const int status = app.exec();
    // Closed windows shut their engines down in the background; every database is closed before we exit.
    qd::ui::EngineReaper::waitForAll();
    return status;
}
