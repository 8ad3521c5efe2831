#pragma once

#include "amqpurl.h"

#include "core/result.h"

#include <QByteArray>
#include <QString>

#include <amqp.h>

namespace qd {

// One rabbitmq-c connection: socket (TCP, or TLS with the peer verified), login and channels, closed by the
// destructor. Errors come back as Status with the broker's or the library's words; never with the password.
// Thread contract: one thread at a time (rabbitmq-c connections are not thread-safe).
class AmqpConnection {
public:
    AmqpConnection() = default;
    ~AmqpConnection();
    AmqpConnection(const AmqpConnection&) = delete;
    AmqpConnection& operator=(const AmqpConnection&) = delete;

    // Connects within timeoutMs (socket, TLS, handshake; every later RPC gets the same limit), logs in with a
    // heartbeat of heartbeatSeconds (0: none) and opens channels 1..channels.
    Status open(const AmqpUrl& url, int channels, int heartbeatSeconds, int timeoutMs);
    bool isOpen() const { return m_state != nullptr; }
    // Whether the last open() got as far as a socket to the broker (a later failure is then the broker's refusal).
    bool reachedBroker() const { return m_reachedBroker; }
    amqp_connection_state_t get() const { return m_state; }

    // Ok for a normal reply, else Unavailable with what failed and why (the broker's reply text, or the library's).
    static Status check(const amqp_rpc_reply_t& reply, const QString& what);
    // The same for a library status code (AMQP_STATUS_*).
    static Status checkStatus(int status, const QString& what);
    // After an RPC: check(amqp_get_rpc_reply()).
    Status lastReply(const QString& what) const;

    // Closes channels and connection politely if the connection still works, then frees it. Idempotent.
    void close();
    // Frees it without a word to the broker (after a socket error, where a close would only wait).
    void abandon();

private:
    amqp_connection_state_t m_state = nullptr;
    int m_channels = 0;
    bool m_healthy = false;
    bool m_reachedBroker = false;
};

// rabbitmq-c byte strings from and to Qt (the bytes are not copied by amqpBytes: keep the QByteArray alive).
inline amqp_bytes_t amqpBytes(const QByteArray& bytes)
{
    return amqp_bytes_t {size_t(bytes.size()), const_cast<char*>(bytes.constData())};
}
inline QByteArray toByteArray(amqp_bytes_t bytes)
{
    return QByteArray(static_cast<const char*>(bytes.bytes), qsizetype(bytes.len));
}
inline QString toQString(amqp_bytes_t bytes)
{
    return QString::fromUtf8(static_cast<const char*>(bytes.bytes), qsizetype(bytes.len));
}

} // namespace qd
