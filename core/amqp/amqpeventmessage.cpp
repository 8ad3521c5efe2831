#include "amqpeventmessage.h"

#include "core/export/exportcodec.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace qd {

AmqpOutgoing terminalEventMessage(const TerminalEvent& event, const AmqpEventsOutConfig& config)
{
    QJsonObject o {{QStringLiteral("eventId"), event.id}, {QStringLiteral("taskId"), event.taskId},
        {QStringLiteral("queue"), event.queue}, {QStringLiteral("state"), event.state},
        {QStringLiteral("event"), event.kind}, {QStringLiteral("attempt"), event.attempt},
        {QStringLiteral("at"), ExportCodec::isoTime(event.at)}};
    o.insert(QStringLiteral("type"), event.type.isEmpty() ? QJsonValue() : QJsonValue(event.type));
    o.insert(QStringLiteral("createdAt"),
        event.createdAt > 0 ? QJsonValue(ExportCodec::isoTime(event.createdAt)) : QJsonValue());
    if (event.durationMs >= 0)
        o.insert(QStringLiteral("durationMs"), event.durationMs);
    if (!event.worker.isEmpty())
        o.insert(QStringLiteral("worker"), event.worker);
    if (event.detail.startsWith(QLatin1String("qdenc1:")))
        o.insert(QStringLiteral("detailSealed"), true);
    else if (!event.detail.isEmpty())
        o.insert(QStringLiteral("detail"), event.detail);
    AmqpOutgoing m;
    m.exchange = config.exchange.toUtf8();
    m.routingKey = (config.routingKeyPrefix + event.state + QLatin1Char('.') + event.queue).toUtf8();
    m.body = QJsonDocument(o).toJson(QJsonDocument::Compact);
    m.messageId = QByteArrayLiteral("qd-event-") + QByteArray::number(event.id);
    m.contentType = QByteArrayLiteral("application/json");
    m.headers = {{QByteArrayLiteral("x-queuedesk-task-id"), QByteArray::number(event.taskId)},
        {QByteArrayLiteral("x-queuedesk-state"), event.state.toUtf8()}};
    m.persistent = true;
    // An unroutable event comes back and is sent again later: a queue that is down (a broker shutting down) or an
    // exchange not bound yet must not lose it.
    m.mandatory = true;
    return m;
}

} // namespace qd
