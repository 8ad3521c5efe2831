#pragma once

// The throwaway RabbitMQ server of the ctest fixture `amqp` (scripts/rabbitmq-test-server.sh): its URL and folder
// come from the environment (QD_TEST_AMQP_URL, QD_TEST_AMQP_DIR). A client on it publishes, reads queues, and halts
// and resumes the broker for the restart tests. Thread contract: one thread.
#include "core/amqp/amqpconnection.h"
#include "core/amqp/amqptable.h"
#include "core/amqp/amqpurl.h"

#include <QJsonObject>
#include <QProcess>
#include <QtTest>

namespace qdtest {

struct AmqpGot {
    QByteArray body;
    QString messageId;
    QJsonObject headers;
};

class AmqpTestBroker {
public:
    static QString url() { return qEnvironmentVariable("QD_TEST_AMQP_URL"); }
    static bool available() { return !url().isEmpty(); }

    // (Re)connects; a publisher channel 1 in confirm mode, so publish() returns once the broker has the message.
    bool connect()
    {
        const qd::Result<qd::AmqpUrl> parsed = qd::AmqpUrl::parse(url());
        if (!parsed.ok())
            return false;
        m_sent = m_confirmed = 0;
        const qd::Status s = m_connection.open(parsed.value(), 1, 0, 5000);
        if (!s.ok()) {
            qWarning("%s", qPrintable(s.errorString()));
            return false;
        }
        amqp_confirm_select(m_connection.get(), 1);
        return m_connection.lastReply(QStringLiteral("confirm.select")).ok();
    }

    // A durable queue, emptied; its dead-letter queue (FROM.dead-letter) emptied too when it exists.
    bool freshQueue(const QString& name)
    {
        for (const QString& q : QStringList {name, name + QStringLiteral(".dead-letter")}) {
            amqp_queue_delete(m_connection.get(), 1, qd::amqpBytes(q.toUtf8()), 0, 0);
            if (!m_connection.lastReply(QStringLiteral("queue.delete")).ok())
                return false;
        }
        amqp_queue_declare(m_connection.get(), 1, qd::amqpBytes(name.toUtf8()), 0, 1, 0, 0, amqp_empty_table);
        return m_connection.lastReply(QStringLiteral("queue.declare")).ok();
    }

    // Publishes persistent messages to the default exchange and waits for the broker's confirms.
    bool publish(const QString& queue, const QByteArray& body, const QString& messageId = {},
        const QList<std::pair<QByteArray, QByteArray>>& headers = {}, const QByteArray& contentType = {})
    {
        if (!send(queue, body, messageId, headers, contentType))
            return false;
        return waitConfirms(1);
    }
    bool send(const QString& queue, const QByteArray& body, const QString& messageId = {},
        const QList<std::pair<QByteArray, QByteArray>>& headers = {}, const QByteArray& contentType = {})
    {
        amqp_basic_properties_t p {};
        p._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
        p.delivery_mode = 2;
        const QByteArray id = messageId.toUtf8();
        if (!id.isEmpty()) {
            p._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
            p.message_id = qd::amqpBytes(id);
        }
        if (!contentType.isEmpty()) {
            p._flags |= AMQP_BASIC_CONTENT_TYPE_FLAG;
            p.content_type = qd::amqpBytes(contentType);
        }
        const amqp_table_t none {0, nullptr};
        qd::AmqpTableExtension table(none);
        for (const auto& [key, value] : headers)
            table.set(key, value);
        if (!headers.isEmpty()) {
            p._flags |= AMQP_BASIC_HEADERS_FLAG;
            p.headers = table.table();
        }
        const QByteArray routingKey = queue.toUtf8();
        return amqp_basic_publish(
                   m_connection.get(), 1, amqp_empty_bytes, qd::amqpBytes(routingKey), 0, 0, &p, qd::amqpBytes(body))
            == AMQP_STATUS_OK;
    }
    // Waits until `count` more messages are confirmed (acks may cover several: multiple=true).
    bool waitConfirms(qint64 count)
    {
        m_sent += count;
        while (m_confirmed < m_sent) {
            amqp_frame_t frame;
            timeval timeout {10, 0};
            if (amqp_simple_wait_frame_noblock(m_connection.get(), &frame, &timeout) != AMQP_STATUS_OK)
                return false;
            if (frame.frame_type != AMQP_FRAME_METHOD)
                continue;
            if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
                const auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
                m_confirmed = ack->multiple ? qint64(ack->delivery_tag) : m_confirmed + 1;
            } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
                return false;
            }
        }
        return true;
    }

    // Takes one message off a queue (auto-acked); nothing when it is empty.
    std::optional<AmqpGot> get(const QString& queue)
    {
        amqp_connection_state_t c = m_connection.get();
        const amqp_rpc_reply_t reply = amqp_basic_get(c, 1, qd::amqpBytes(queue.toUtf8()), 1);
        if (reply.reply_type != AMQP_RESPONSE_NORMAL || reply.reply.id != AMQP_BASIC_GET_OK_METHOD)
            return std::nullopt;
        amqp_message_t message;
        if (amqp_read_message(c, 1, &message, 0).reply_type != AMQP_RESPONSE_NORMAL)
            return std::nullopt;
        AmqpGot got;
        got.body = qd::toByteArray(message.body);
        if (message.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG)
            got.messageId = qd::toQString(message.properties.message_id);
        if (message.properties._flags & AMQP_BASIC_HEADERS_FLAG)
            got.headers = qd::amqpTableToJson(message.properties.headers);
        amqp_destroy_message(&message);
        return got;
    }

    // Messages ready in a queue (-1 when it does not exist).
    qint64 depth(const QString& queue)
    {
        const amqp_queue_declare_ok_t* ok
            = amqp_queue_declare(m_connection.get(), 1, qd::amqpBytes(queue.toUtf8()), 1, 0, 0, 0, amqp_empty_table);
        if (!ok) {
            connect(); // a failed passive declare closes the channel
            return -1;
        }
        return qint64(ok->message_count);
    }

    // Stops the broker (connections drop; durable queues and persistent messages stay) and starts it again.
    static bool halt() { return script(QStringLiteral("halt")); }
    static bool resume() { return script(QStringLiteral("resume")); }

    qd::AmqpConnection& connection() { return m_connection; }

private:
    static bool script(const QString& action)
    {
        const int rc = QProcess::execute(
            QStringLiteral(QD_AMQP_SERVER_SCRIPT), {action, qEnvironmentVariable("QD_TEST_AMQP_DIR")});
        return rc == 0;
    }

    qd::AmqpConnection m_connection;
    qint64 m_sent = 0;
    qint64 m_confirmed = 0;
};

} // namespace qdtest
