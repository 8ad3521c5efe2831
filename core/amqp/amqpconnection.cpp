#include "amqpconnection.h"

#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>

#include <sys/time.h>

namespace qd {

namespace {

Error unavailable(const QString& message)
{
    return Error {ErrorCode::Unavailable, message};
}

// The text of a connection.close or channel.close the broker sent.
QString closeText(const amqp_method_t& method)
{
    if (method.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* m = static_cast<const amqp_connection_close_t*>(method.decoded);
        return QStringLiteral("the broker closed the connection: %1 %2")
            .arg(m->reply_code)
            .arg(toQString(m->reply_text));
    }
    if (method.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* m = static_cast<const amqp_channel_close_t*>(method.decoded);
        return QStringLiteral("the broker closed the channel: %1 %2").arg(m->reply_code).arg(toQString(m->reply_text));
    }
    return QStringLiteral("unexpected method 0x%1 from the broker").arg(method.id, 8, 16, QLatin1Char('0'));
}

} // namespace

AmqpConnection::~AmqpConnection()
{
    close();
}

Status AmqpConnection::open(const AmqpUrl& url, int channels, int heartbeatSeconds, int timeoutMs)
{
    close();
    m_reachedBroker = false;
    const auto fail = [this](Status s) {
        abandon();
        return s;
    };
    m_state = amqp_new_connection();
    if (!m_state)
        return Error {ErrorCode::Internal, QStringLiteral("Out of memory for an AMQP connection")};
    amqp_socket_t* socket = nullptr;
    if (url.tls) {
        socket = amqp_ssl_socket_new(m_state);
        if (socket) {
            amqp_ssl_socket_set_verify_peer(socket, 1);
            amqp_ssl_socket_set_verify_hostname(socket, 1);
            if (!url.caCertFile.isEmpty()) {
                if (const int rc = amqp_ssl_socket_set_cacert(socket, url.caCertFile.toLocal8Bit().constData()))
                    return fail(checkStatus(rc, QStringLiteral("Cannot read the CA file %1").arg(url.caCertFile)));
            }
            if (!url.certFile.isEmpty()) {
                if (const int rc = amqp_ssl_socket_set_key(
                        socket, url.certFile.toLocal8Bit().constData(), url.keyFile.toLocal8Bit().constData()))
                    return fail(checkStatus(rc, QStringLiteral("Cannot read the client certificate")));
            }
        }
    } else {
        socket = amqp_tcp_socket_new(m_state);
    }
    if (!socket)
        return fail(unavailable(QStringLiteral("Cannot create an AMQP socket")));
    const timeval timeout {timeoutMs / 1000, (timeoutMs % 1000) * 1000};
    amqp_set_handshake_timeout(m_state, &timeout);
    amqp_set_rpc_timeout(m_state, &timeout);
    const QString where = url.displayName();
    if (const int rc = amqp_socket_open_noblock(socket, url.host.toUtf8().constData(), url.port, &timeout))
        return fail(checkStatus(rc, QStringLiteral("Cannot connect to %1").arg(where)));
    m_reachedBroker = true;
    const amqp_rpc_reply_t login = amqp_login(m_state, url.vhost.toUtf8().constData(), 0, AMQP_DEFAULT_FRAME_SIZE,
        heartbeatSeconds, AMQP_SASL_METHOD_PLAIN, url.user.toUtf8().constData(), url.password.toUtf8().constData());
    if (Status s = check(login, QStringLiteral("Cannot log in to %1").arg(where)); !s.ok())
        return fail(s);
    m_healthy = true;
    for (int channel = 1; channel <= channels; ++channel) {
        amqp_channel_open(m_state, amqp_channel_t(channel));
        if (Status s = lastReply(QStringLiteral("Cannot open a channel on %1").arg(where)); !s.ok())
            return fail(s);
        m_channels = channel;
    }
    return success();
}

Status AmqpConnection::check(const amqp_rpc_reply_t& reply, const QString& what)
{
    switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return success();
    case AMQP_RESPONSE_NONE:
        return unavailable(what + QStringLiteral(": no reply from the broker"));
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        return unavailable(what + QStringLiteral(": ") + QString::fromUtf8(amqp_error_string2(reply.library_error)));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        return unavailable(what + QStringLiteral(": ") + closeText(reply.reply));
    }
    return unavailable(what);
}

Status AmqpConnection::checkStatus(int status, const QString& what)
{
    if (status == AMQP_STATUS_OK)
        return success();
    return unavailable(what + QStringLiteral(": ") + QString::fromUtf8(amqp_error_string2(status)));
}

Status AmqpConnection::lastReply(const QString& what) const
{
    const amqp_rpc_reply_t reply = amqp_get_rpc_reply(m_state);
    Status s = check(reply, what);
    if (!s.ok() && reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION) {
        // Answer the broker's close so it frees the connection at once; the caller reconnects.
        if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
            amqp_connection_close_ok_t ok {};
            amqp_send_method(m_state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        }
    }
    return s;
}

void AmqpConnection::close()
{
    if (!m_state)
        return;
    if (m_healthy) {
        // A short limit: a broker that stopped answering must not hold up a stop.
        const timeval brief {1, 0};
        amqp_set_rpc_timeout(m_state, &brief);
        for (int channel = m_channels; channel >= 1; --channel)
            amqp_channel_close(m_state, amqp_channel_t(channel), AMQP_REPLY_SUCCESS);
        amqp_connection_close(m_state, AMQP_REPLY_SUCCESS);
    }
    abandon();
}

void AmqpConnection::abandon()
{
    if (m_state)
        amqp_destroy_connection(m_state);
    m_state = nullptr;
    m_channels = 0;
    m_healthy = false;
}

} // namespace qd
