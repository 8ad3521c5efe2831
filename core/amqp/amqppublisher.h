#pragma once

#include "amqpconnection.h"

#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <functional>
#include <utility>

namespace qd {

// One message to publish.
struct AmqpOutgoing {
    QByteArray exchange; // empty: the default exchange
    QByteArray routingKey;
    QByteArray body;
    QByteArray messageId; // consumers dedupe on it; also how a basic.return is matched to its message
    QByteArray contentType;
    QList<std::pair<QByteArray, QByteArray>> headers; // UTF-8 string headers
    bool persistent = true;
    bool mandatory = false; // an unroutable message comes back (basic.return) instead of vanishing
};

// What the broker said about one message.
struct AmqpConfirmOutcome {
    enum class Kind { Acked, Nacked, Returned };
    Kind kind = Kind::Acked;
    QString reason; // for Nacked and Returned, e.g. "unroutable: 312 NO_ROUTE"
};

// A connection in publisher-confirm mode (confirm.select on channel 1): publish() sends, waitForConfirms() waits
// until the broker has confirmed (or returned, or nacked) everything sent, so a caller can publish one message and
// wait (one task) or a batch and wait once (the events relay).
// Errors: InvalidArgument for what retrying cannot mend (the broker closed the channel with 403 access refused,
// 404 no such exchange or 406 precondition failed); Unavailable for the rest (connection lost, timed out, stopped).
// After any error the connection is closed: open() again.
// Thread contract: one thread at a time, like AmqpConnection.
class AmqpConfirmPublisher {
public:
    Status open(const AmqpUrl& url, int heartbeatSeconds, int timeoutMs);
    bool isOpen() const { return m_connection.isOpen(); }
    void close() { m_connection.close(); }
    AmqpConnection& connection() { return m_connection; }

    // Sends one message (does not wait). Fails only when the socket does.
    Status publish(const AmqpOutgoing& message);
    // Waits for the confirms of every message sent since the last wait: their outcomes, in the order they were
    // sent. Gives up after timeoutMs without a frame, or when stop() turns true (looked at every 100 ms).
    Result<QList<AmqpConfirmOutcome>> waitForConfirms(int timeoutMs, const std::function<bool()>& stop = {});

private:
    Error fail(Error error); // closes the connection, returns the error

    AmqpConnection m_connection;
    quint64 m_firstTag = 1; // delivery tag of the first message not yet confirmed
    QList<QByteArray> m_pendingIds; // message ids of the unconfirmed messages, from m_firstTag on
    QList<AmqpConfirmOutcome> m_outcomes; // known so far for them (index = tag - m_firstTag)
    QList<bool> m_known;
};

} // namespace qd
