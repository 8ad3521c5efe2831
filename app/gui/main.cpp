#include "core/queueengine.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QMessageBox>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("QueueDesk"));
    QApplication::setOrganizationName(QStringLiteral("QueueDesk"));

    qd::EngineOptions options;
    options.store.path = qd::defaultDatabasePath();
    options.workerCount = 4;
    auto engine = qd::QueueEngine::open(options);
    if (!engine) {
        QMessageBox::critical(nullptr, QObject::tr("QueueDesk"),
            QObject::tr("Cannot open %1:\n%2").arg(options.store.path, engine.errorString()));
        return 1;
    }
    qd::ui::MainWindow window(engine->get());
    window.show();
    return app.exec();
}
