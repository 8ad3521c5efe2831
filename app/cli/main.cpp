#include "core/queueengine.h"

#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("QueueDesk"));
    QCoreApplication::setOrganizationName(QStringLiteral("QueueDesk"));
    QTextStream(stdout) << qd::defaultDatabasePath() << Qt::endl;
    return 0;
}
