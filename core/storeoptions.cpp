#include "storeoptions.h"

#include <QDir>
#include <QStandardPaths>

namespace qd {

QString defaultDatabasePath()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty())
        dir = QDir::homePath() + QLatin1String("/.local/share/QueueDesk");
    return dir + QLatin1String("/queuedesk.db");
}

} // namespace qd
