#include "core/queueengine.h"
#include "ui/enginereaper.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QMessageBox>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
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
    parser.addPositionalArgument(QStringLiteral("database"),
        QApplication::translate("main", "The SQLite database (default: %1).").arg(qd::defaultDatabasePath()));
    parser.process(app);

    qd::EngineOptions options;
    options.store.path = parser.positionalArguments().value(0, qd::defaultDatabasePath());
    options.store.readOnly = parser.isSet(readOnly);
    options.workerCount = options.store.readOnly ? 0 : 4;
    auto engine = qd::QueueEngine::open(options);
    if (!engine) {
        QMessageBox::critical(nullptr, QApplication::translate("main", "QueueDesk"),
            QApplication::translate("main", "Cannot open %1:\n%2").arg(options.store.path, engine.errorString()));
        return 1;
    }
    auto* window = new qd::ui::MainWindow(std::shared_ptr<qd::QueueEngine>(std::move(engine).value()));
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->show();
    const int status = app.exec();
    // Closed windows shut their engines down in the background; every database is closed before we exit.
    qd::ui::EngineReaper::waitForAll();
    return status;
}
