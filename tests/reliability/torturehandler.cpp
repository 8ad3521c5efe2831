#include "torturehandler.h"

#include "core/handlercontext.h"

#include <QJsonObject>

#include <unistd.h>

namespace qd::test {

TortureHandler::TortureHandler(int recordFd)
    : m_recordFd(recordFd)
{ }

QString TortureHandler::type() const
{
    return QStringLiteral("torture");
}

QString TortureHandler::description() const
{
    return QStringLiteral("Records each run, sleeps, then fails or succeeds as its payload says");
}

QJsonObject TortureHandler::payloadTemplate() const
{
    return {{QStringLiteral("ms"), 10}};
}

std::optional<QString> TortureHandler::validate(const QJsonObject& payload) const
{
    if (payload.value(QLatin1String("ms")).toInt(-1) < 0)
        return QStringLiteral("ms: a number of milliseconds is required");
    return std::nullopt;
}

HandlerResult TortureHandler::run(const QJsonObject& payload, HandlerContext& context) const
{
    if (m_recordFd >= 0) {
        const QByteArray line
            = QByteArray::number(context.taskId()) + ' ' + QByteArray::number(context.attempt()) + '\n';
        if (::write(m_recordFd, line.constData(), size_t(line.size())) != line.size())
            return HandlerResult::retryable(QStringLiteral("cannot record the run"));
    }
    if (!context.sleepFor(payload.value(QLatin1String("ms")).toInt()))
        return HandlerResult::retryable(QStringLiteral("stopped"));
    if (payload.value(QLatin1String("permanent")).toBool())
        return HandlerResult::permanent(QStringLiteral("asked to fail for good"));
    if (context.attempt() < payload.value(QLatin1String("failUntil")).toInt())
        return HandlerResult::retryable(QStringLiteral("transient failure on attempt %1").arg(context.attempt()));
    QJsonObject result {{QStringLiteral("attempt"), context.attempt()}};
    if (const int bytes = payload.value(QLatin1String("bytes")).toInt(); bytes > 0)
        result.insert(QStringLiteral("filler"), QString(bytes, u'x'));
    return HandlerResult::success(result);
}

} // namespace qd::test
