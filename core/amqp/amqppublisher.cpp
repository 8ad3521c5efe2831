#include "amqppublisher.h"

#include "amqptable.h"

#include <QElapsedTimer>

namespace qd {

namespace {

constexpr amqp_channel_t publishChannel = 1;

} // namespace

Status AmqpConfirmPublisher::open(const AmqpUrl& url, int heartbeatSeconds, int timeoutMs)
{
    m_firstTag = 1;
    m_pendingIds.clear();
    m_outcomes.clear();
    m_known.clear();
    if (Status s = m_connection.open(url, 1, heartbeatSeconds, timeoutMs); !s.ok())
        return s;
    amqp_confirm_select(m_connection.get(), publishChannel);
    if (Status s = m_connection.lastReply(QStringLiteral("Cannot turn publisher confirms on")); !s.ok()) {
        m_connection.abandon();
        return s;
    }
    return success();
}

Error AmqpConfirmPublisher::fail(Error error)
{
    m_connection.abandon();
    m_pendingIds.clear();
    m_outcomes.clear();
    m_known.clear();
    return error;
}

Status AmqpConfirmPublisher::publish(const AmqpOutgoing& message)
{
    if (!m_connection.isOpen())
        return Error {ErrorCode::Unavailable, QStringLiteral("not connected")};
    amqp_basic_properties_t p {};
    p._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    p.delivery_mode = message.persistent ? 2 : 1;
    if (!message.messageId.isEmpty()) {
        p._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
        p.message_id = amqpBytes(message.messageId);
    }
    if (!message.contentType.isEmpty()) {
        p._flags |= AMQP_BASIC_CONTENT_TYPE_FLAG;
        p.content_type = amqpBytes(message.contentType);
    }
    const amqp_table_t none {0, nullptr};
    AmqpTableExtension headers(none);
    for (const auto& [key, value] : message.headers)
        headers.set(key, value);
    if (!message.headers.isEmpty()) {
        p._flags |= AMQP_BASIC_HEADERS_FLAG;
        p.headers = headers.table();
    }
    const int rc = amqp_basic_publish(m_connection.get(), publishChannel, amqpBytes(message.exchange),
        amqpBytes(message.routingKey), message.mandatory ? 1 : 0, 0, &p, amqpBytes(message.body));
    if (rc != AMQP_STATUS_OK)
        return fail(AmqpConnection::checkStatus(rc, QStringLiteral("Cannot publish")).error());
    m_pendingIds.append(message.messageId);
    m_outcomes.append(AmqpConfirmOutcome {});
    m_known.append(false);
    return success();
}

Result<QList<AmqpConfirmOutcome>> AmqpConfirmPublisher::waitForConfirms(
    int timeoutMs, const std::function<bool()>& stop)
{
    // After a failed publish nothing is pending any more: that is no confirm.
    if (!m_connection.isOpen())
        return Error {ErrorCode::Unavailable, QStringLiteral("not connected")};
    amqp_connection_state_t c = m_connection.get();
    QElapsedTimer quiet; // time since the last frame
    quiet.start();
    const auto settled = [this] { return !m_known.contains(false); };
    while (!settled()) {
        if (!m_connection.isOpen())
            return Error {ErrorCode::Unavailable, QStringLiteral("not connected")};
        if (stop && stop())
            return fail(
                Error {ErrorCode::Unavailable, QStringLiteral("stopped while waiting for the broker's confirm")});
        if (quiet.elapsed() >= timeoutMs)
            return fail(Error {
                ErrorCode::Unavailable, QStringLiteral("no confirm from the broker within %1 ms").arg(timeoutMs)});
        amqp_frame_t frame;
        const timeval slice {0, 100'000};
        const int rc = amqp_simple_wait_frame_noblock(c, &frame, &slice);
        if (rc == AMQP_STATUS_TIMEOUT)
            continue;
        if (rc != AMQP_STATUS_OK)
            return fail(AmqpConnection::checkStatus(rc, QStringLiteral("Lost the connection")).error());
        quiet.restart();
        if (frame.frame_type != AMQP_FRAME_METHOD)
            continue;
        const amqp_method_number_t id = frame.payload.method.id;
        if (id == AMQP_BASIC_ACK_METHOD || id == AMQP_BASIC_NACK_METHOD) {
            quint64 tag = 0;
            bool multiple = false;
            if (id == AMQP_BASIC_ACK_METHOD) {
                const auto* ack = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
                tag = ack->delivery_tag;
                multiple = ack->multiple;
            } else {
                const auto* nack = static_cast<const amqp_basic_nack_t*>(frame.payload.method.decoded);
                tag = nack->delivery_tag;
                multiple = nack->multiple;
            }
            const qsizetype last = qsizetype(tag - m_firstTag);
            for (qsizetype i = multiple ? 0 : last; i <= last && i < m_known.size(); ++i) {
                if (i < 0 || m_known[i])
                    continue;
                m_known[i] = true;
                if (id == AMQP_BASIC_NACK_METHOD)
                    m_outcomes[i] = {AmqpConfirmOutcome::Kind::Nacked,
                        QStringLiteral("the broker refused the message (basic.nack)")};
                // An ack after a basic.return keeps the Returned outcome set below.
            }
        } else if (id == AMQP_BASIC_RETURN_METHOD) {
            const auto* ret = static_cast<const amqp_basic_return_t*>(frame.payload.method.decoded);
            const QString reason
                = QStringLiteral("unroutable: %1 %2").arg(ret->reply_code).arg(toQString(ret->reply_text));
            amqp_message_t message;
            const amqp_rpc_reply_t read = amqp_read_message(c, frame.channel, &message, 0);
            if (read.reply_type != AMQP_RESPONSE_NORMAL)
                return fail(AmqpConnection::check(read, QStringLiteral("Lost the connection")).error());
            const QByteArray returnedId = message.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG
                ? toByteArray(message.properties.message_id)
                : QByteArray();
            amqp_destroy_message(&message);
            // The return precedes its ack: the first unconfirmed message of that id is the one.
            for (qsizetype i = 0; i < m_pendingIds.size(); ++i) {
                if (!m_known[i] && m_pendingIds[i] == returnedId
                    && m_outcomes[i].kind == AmqpConfirmOutcome::Kind::Acked) {
                    m_outcomes[i] = {AmqpConfirmOutcome::Kind::Returned, reason};
                    break;
                }
            }
        } else if (id == AMQP_CHANNEL_CLOSE_METHOD || id == AMQP_CONNECTION_CLOSE_METHOD) {
            int code = 0;
            if (id == AMQP_CHANNEL_CLOSE_METHOD) {
                code = static_cast<const amqp_channel_close_t*>(frame.payload.method.decoded)->reply_code;
                amqp_channel_close_ok_t ok {};
                amqp_send_method(c, frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
            } else {
                code = static_cast<const amqp_connection_close_t*>(frame.payload.method.decoded)->reply_code;
                amqp_connection_close_ok_t ok {};
                amqp_send_method(c, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
            }
            const amqp_rpc_reply_t reply {AMQP_RESPONSE_SERVER_EXCEPTION, frame.payload.method, 0};
            Error error = AmqpConnection::check(reply, QStringLiteral("Cannot publish")).error();
            // 403 access refused, 404 not found, 406 precondition failed: the same message would meet the same.
            if (code == 403 || code == 404 || code == 406)
                error.code = ErrorCode::InvalidArgument;
            return fail(error);
        }
    }
    m_firstTag += quint64(m_known.size());
    QList<AmqpConfirmOutcome> outcomes = std::move(m_outcomes);
    m_outcomes.clear();
    m_known.clear();
    m_pendingIds.clear();
    return outcomes;
}

} // namespace qd
