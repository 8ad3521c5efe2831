#pragma once

#include <QDateTime>
#include <QLoggingCategory>

namespace qd {

// The engine's log category ("qd.core.engine"), shared by the files of core/engine/.
Q_DECLARE_LOGGING_CATEGORY(lcEngine)

inline qint64 engineNowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace qd
