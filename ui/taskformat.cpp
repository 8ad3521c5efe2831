#include "taskformat.h"

#include "themesetting.h"

#include <QDateTime>
#include <QLocale>

namespace qd::ui {

QString formatDuration(qint64 ms)
{
    if (ms < 0)
        return {};
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60'000)
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', ms < 10'000 ? 2 : 1);
    const qint64 s = ms / 1000;
    if (s < 3600)
        return QStringLiteral("%1m %2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    if (s < 86400)
        return QStringLiteral("%1h %2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1d %2h").arg(s / 86400).arg((s % 86400) / 3600);
}

QString formatTimestamp(qint64 msSinceEpoch)
{
    if (msSinceEpoch <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString formatCount(qint64 n)
{
    return QLocale().toString(n);
}

QColor stateColor(TaskState state)
{
    // On a dark palette the same hues, lighter, so text in them stays readable.
    if (isDarkPalette()) {
        switch (state) {
        case TaskState::Queued:
            return QColor(0x6c, 0xb4, 0xee);
        case TaskState::Scheduled:
            return QColor(0xc8, 0x9f, 0x94);
        case TaskState::Running:
            return QColor(0xff, 0xb3, 0x47);
        case TaskState::Succeeded:
            return QColor(0x6b, 0xd8, 0x6b);
        case TaskState::Failed:
            return QColor(0xff, 0x6b, 0x6b);
        case TaskState::Cancelled:
            return QColor(0xa8, 0xa8, 0xa8);
        }
    }
    switch (state) {
    case TaskState::Queued:
        return QColor(0x1f, 0x77, 0xb4);
    case TaskState::Scheduled:
        return QColor(0x8c, 0x56, 0x4b);
    case TaskState::Running:
        return QColor(0xe6, 0x8a, 0x00);
    case TaskState::Succeeded:
        return QColor(0x2c, 0xa0, 0x2c);
    case TaskState::Failed:
        return QColor(0xd6, 0x27, 0x28);
    case TaskState::Cancelled:
        return QColor(0x7f, 0x7f, 0x7f);
    }
    return {};
}

} // namespace qd::ui
