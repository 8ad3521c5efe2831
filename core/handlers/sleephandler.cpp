#include "sleephandler.h"

#include "../handlercontext.h"

#include <QJsonValue>

namespace qd {

namespace {
constexpr qint64 maxSleepMs = 24LL * 3600 * 1000;
}

QString SleepHandler::description() const
{
    return QStringLiteral("Sleeps for \"ms\" milliseconds; \"fail\": \"retryable\" or \"permanent\" fails afterwards.");
}

QJsonObject SleepHandler::payloadTemplate() const
{
    return QJsonObject {{QStringLiteral("ms"), 1000}};
}

std::optional<QString> SleepHandler::validate(const QJsonObject& payload) const
{
    const QJsonValue ms = payload.value(QLatin1String("ms"));
    if (!ms.isDouble() || ms.toDouble() < 0 || ms.toDouble() > double(maxSleepMs)
        || ms.toDouble() != double(qint64(ms.toDouble())))
        return QStringLiteral("\"ms\" must be a whole number of milliseconds from 0 to %1").arg(maxSleepMs);
    const QJsonValue fail = payload.value(QLatin1String("fail"));
    if (!fail.isUndefined() && fail.toString() != QLatin1String("retryable")
        && fail.toString() != QLatin1String("permanent"))
        return QStringLiteral("\"fail\" must be \"retryable\" or \"permanent\"");
    return std::nullopt;
}

HandlerResult SleepHandler::run(const QJsonObject& payload, HandlerContext& context) const
{
    const qint64 ms = qint64(payload.value(QLatin1String("ms")).toDouble());
    if (!context.sleepFor(ms))
        return HandlerResult::retryable(QStringLiteral("stopped while sleeping"));
    const QString fail = payload.value(QLatin1String("fail")).toString();
    if (fail == QLatin1String("retryable"))
        return HandlerResult::retryable(QStringLiteral("asked to fail (retryable)"));
    if (fail == QLatin1String("permanent"))
        return HandlerResult::permanent(QStringLiteral("asked to fail (permanent)"));
    return HandlerResult::success(QJsonObject {{QStringLiteral("sleptMs"), ms}});
}

} // namespace qd
