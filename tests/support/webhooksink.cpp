#include "webhooksink.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace qd {

namespace {
constexpr qsizetype maxHeaderBytes = 64 * 1024;
constexpr qsizetype maxBodyBytes = 4 * 1024 * 1024;
constexpr qsizetype keptRequests = 100;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 307:
        return "Temporary Redirect";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 411:
        return "Length Required";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}
} // namespace

// Per-connection parse state; shared by the socket's lambdas and released with them.
struct WebhookSink::Connection {
    QByteArray buffer;
    qsizetype headerEnd = -1; // index just past "\r\n\r\n"
    qsizetype contentLength = 0;
    Request request;
    bool answered = false;
};

QByteArray WebhookSink::Request::header(QByteArrayView name) const
{
    for (const auto& [key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

WebhookSink::WebhookSink(QObject* parent)
    : QObject(parent)
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &WebhookSink::handleNewConnections);
}

WebhookSink::~WebhookSink() = default;

bool WebhookSink::listen(quint16 port)
{
    if (!m_server->listen(QHostAddress::LocalHost, port))
        return false;
    m_port.store(m_server->serverPort());
    return true;
}

void WebhookSink::close()
{
    m_server->close();
    m_port.store(0);
}

QUrl WebhookSink::url() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port());
    url.setPath(QStringLiteral("/hook"));
    return url;
}

QString WebhookSink::errorString() const
{
    return m_server->errorString();
}

QList<WebhookSink::Request> WebhookSink::requests() const
{
    std::lock_guard lock(m_mutex);
    return m_requests;
}

void WebhookSink::handleNewConnections()
{
    while (QTcpSocket* socket = m_server->nextPendingConnection()) {
        auto connection = std::make_shared<Connection>();
        connect(
            socket, &QTcpSocket::readyRead, this, [this, socket, connection] { handleReadyRead(socket, connection); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
}

void WebhookSink::handleReadyRead(QTcpSocket* socket, const std::shared_ptr<Connection>& connection)
{
    Connection& c = *connection;
    if (c.answered) {
        socket->readAll();
        return;
    }
    c.buffer += socket->readAll();
    if (c.headerEnd < 0) {
        const qsizetype end = c.buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            if (c.buffer.size() > maxHeaderBytes) {
                c.answered = true;
                answer(socket, 400, R"({"error":"header too large"})");
            }
            return;
        }
        c.headerEnd = end + 4;
        const QList<QByteArray> lines = c.buffer.left(end).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        if (requestLine.size() != 3) {
            c.answered = true;
            answer(socket, 400, R"({"error":"bad request line"})");
            return;
        }
        c.request.method = requestLine.at(0);
        c.request.path = requestLine.at(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            if (colon > 0)
                c.request.headers.append(
                    {lines.at(i).left(colon).trimmed().toLower(), lines.at(i).mid(colon + 1).trimmed()});
        }
        const QByteArray length = c.request.header("content-length");
        bool ok = true;
        c.contentLength = length.isEmpty() ? 0 : length.toLongLong(&ok);
        if (!ok || c.contentLength < 0 || !c.request.header("transfer-encoding").isEmpty()) {
            c.answered = true;
            answer(socket, 411, R"({"error":"a Content-Length is required"})");
            return;
        }
        if (c.contentLength > maxBodyBytes) {
            c.answered = true;
            answer(socket, 413, R"({"error":"body too large"})");
            return;
        }
    }
    if (c.buffer.size() - c.headerEnd < c.contentLength)
        return;

    c.answered = true;
    c.request.body = c.buffer.mid(c.headerEnd, c.contentLength);
    c.buffer.clear();
    int status = m_status.load();
    QByteArray location;
    if (c.request.path.startsWith("/redirect?to=")) {
        status = 307;
        location = QByteArray::fromPercentEncoding(c.request.path.mid(13));
    } else if (c.request.path.startsWith("/status/")) {
        bool ok = false;
        const int forced = c.request.path.mid(8).toInt(&ok);
        if (ok && forced >= 100 && forced <= 599)
            status = forced;
    }
    const int count = m_requestCount.fetch_add(1) + 1;
    {
        std::lock_guard lock(m_mutex);
        m_requests.append(std::move(c.request));
        if (m_requests.size() > keptRequests)
            m_requests.removeFirst();
    }
    emit requestReceived(count);

    const QByteArray body
        = QJsonDocument(QJsonObject {{QStringLiteral("received"), count}, {QStringLiteral("status"), status}})
              .toJson(QJsonDocument::Compact);
    const int delay = m_responseDelayMs.load();
    if (delay > 0)
        QTimer::singleShot(
            delay, socket, [this, socket, status, body, location] { answer(socket, status, body, location); });
    else
        answer(socket, status, body, location);
}

void WebhookSink::answer(QTcpSocket* socket, int status, const QByteArray& body, const QByteArray& location)
{
    QByteArray response = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    response += "Content-Type: application/json\r\n";
    if (!location.isEmpty())
        response += "Location: " + location + "\r\n";
    response += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    const int retryAfter = m_retryAfterSeconds.load();
    if (retryAfter >= 0 && (status == 429 || status == 503))
        response += "Retry-After: " + QByteArray::number(retryAfter) + "\r\n";
    response += "Connection: close\r\n\r\n";
    response += body;
    socket->write(response);
    // disconnectFromHost() flushes what is written first; the socket deletes itself once disconnected.
    socket->disconnectFromHost();
}

} // namespace qd
