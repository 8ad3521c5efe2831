#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QUrl>

#include <atomic>
#include <memory>
#include <mutex>

class QTcpServer;
class QTcpSocket;

namespace qd {

// A tiny HTTP/1.1 server on 127.0.0.1 that accepts webhook calls and answers each with a configurable status, for
// the demo workload and for tests of the "notify" handler. It is not a general web server: one request per
// connection (it answers "Connection: close"), bodies need a Content-Length, at most 4 MiB.
// A request to a path of the form /status/NNN is answered with status NNN, whatever the configured status, and one to
// /redirect?to=URL (URL percent-encoded) with a 307 redirect to URL.
//
// Thread contract: a QObject of the thread it lives in; that thread must run an event loop for requests to be
// served (so a handler that blocks its thread calling the sink must run on another thread). The setters,
// requestCount() and requests() may be called from any thread.
class WebhookSink : public QObject {
    Q_OBJECT

public:
    struct Request {
        QByteArray method;
        QByteArray path;
        QList<std::pair<QByteArray, QByteArray>> headers; // names lower-cased
        QByteArray body;

        QByteArray header(QByteArrayView name) const;
    };

    explicit WebhookSink(QObject* parent = nullptr);
    ~WebhookSink() override;

    // Listens on 127.0.0.1; port 0 picks a free one. Call in the sink's own thread.
    bool listen(quint16 port = 0);
    void close();
    quint16 port() const { return m_port.load(); }
    // http://127.0.0.1:<port>/hook
    QUrl url() const;
    QString errorString() const;

    void setStatus(int status) { m_status.store(status); }
    // Adds "Retry-After: <seconds>" to every answer with status 429 or 503; negative: none.
    void setRetryAfterSeconds(int seconds) { m_retryAfterSeconds.store(seconds); }
    // Waits this long before answering (to test client timeouts and cancellation).
    void setResponseDelayMs(int ms) { m_responseDelayMs.store(ms); }

    // Complete requests received so far (including ones whose answer is still delayed).
    int requestCount() const { return m_requestCount.load(); }
    // The most recent requests, at most 100.
    QList<Request> requests() const;

signals:
    void requestReceived(int count);

private:
    struct Connection;

    void handleNewConnections();
    void handleReadyRead(QTcpSocket* socket, const std::shared_ptr<Connection>& connection);
    void answer(QTcpSocket* socket, int status, const QByteArray& body, const QByteArray& location = {});

    QTcpServer* m_server;
    std::atomic<quint16> m_port {0};
    std::atomic<int> m_status {200};
    std::atomic<int> m_retryAfterSeconds {-1};
    std::atomic<int> m_responseDelayMs {0};
    std::atomic<int> m_requestCount {0};
    mutable std::mutex m_mutex; // guards m_requests
    QList<Request> m_requests;
};

} // namespace qd
