#include "workercountsetting.h"

#include "core/databaseurl.h"

#include <QSettings>
#include <QUrl>

#include <algorithm>

namespace qd::ui {

namespace {

// One key per database; a server is keyed without its password, and '/' is encoded so a path is not a group tree.
QString keyFor(const QString& databasePath)
{
    return QStringLiteral("databaseWorkers/")
        + QString::fromLatin1(QUrl::toPercentEncoding(databaseDisplayName(databasePath)));
}

} // namespace

int savedWorkerCount(const QString& databasePath, int fallback)
{
    bool ok = false;
    const int count = QSettings().value(keyFor(databasePath)).toInt(&ok);
    return ok ? std::clamp(count, 0, maxWindowWorkers) : fallback;
}

void saveWorkerCount(const QString& databasePath, int count)
{
    QSettings().setValue(keyFor(databasePath), std::clamp(count, 0, maxWindowWorkers));
}

} // namespace qd::ui
