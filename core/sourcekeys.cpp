#include "sourcekeys.h"

#include "core/amqp/amqpbridgeconfig.h"
#include "core/spool/spoolconfig.h"

namespace qd {

QString spoolTaskKeyPrefix(const QString& sourceName)
{
    return QStringLiteral("spool:%1:").arg(sourceName);
}

QString amqpTaskKeyPrefix(const QString& from)
{
    return QStringLiteral("amqp:%1:").arg(from);
}

Result<QString> sourceTaskKeyPrefix(const SourceRecord& source)
{
    if (source.kind == u"spool")
        return spoolTaskKeyPrefix(source.name);
    if (source.kind == u"amqp") {
        const Result<AmqpBridgeConfig> config = AmqpBridgeConfig::fromJson(source.config);
        if (!config)
            return config.error();
        return amqpTaskKeyPrefix(config->from);
    }
    return Error {ErrorCode::InvalidArgument, QStringLiteral("Unknown kind of source: %1").arg(source.kind)};
}

} // namespace qd
