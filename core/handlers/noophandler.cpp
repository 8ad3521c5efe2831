#include "noophandler.h"

namespace qd {

QString NoopHandler::description() const
{
    return QStringLiteral("Does nothing and succeeds at once.");
}

std::optional<QString> NoopHandler::validate(const QJsonObject&) const
{
    return std::nullopt;
}

HandlerResult NoopHandler::run(const QJsonObject&, HandlerContext&) const
{
    return HandlerResult::success();
}

} // namespace qd
