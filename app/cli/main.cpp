#include "cli_commands.h"

#include <QCoreApplication>

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("QueueDesk"));
    QCoreApplication::setOrganizationName(QStringLiteral("QueueDesk"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QUEUEDESK_VERSION));
    return qd::cli::runCli(QCoreApplication::arguments());
}
