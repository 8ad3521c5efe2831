#include "notifyhandler.h"

#include "handlerpolicy.h"

#include "../handlercontext.h"
#include "payloadfields.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHostInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrl>

#include <memory>

namespace qd {

namespace {

constexpr qint64 defaultTimeoutMs = 10000;
constexpr qint64 maxTimeoutMs = 600000;
constexpr qsizetype excerptBytes = 1024;
constexpr int cancelPollMs = 25;

const QLatin1String urlKey("url");
const QLatin1String bodyKey("body");
const QLatin1String headersKey("headers");
const QLatin1String timeoutKey("timeoutMs");

bool isToken(const QString& name)
{
    if (name.isEmpty())
        return false;
    for (QChar c : name) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9')
            || QStringView(u"!#$%&'*+-.^_`|~").contains(c);
        if (!ok)
            return false;
    }
    return true;
}

// Retry-After is either delta-seconds or an HTTP date.
std::optional<qint64> retryAfterMs(const QByteArray& value)
{
    if (value.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 seconds = value.trimmed().toLongLong(&ok);
    if (ok)
        return seconds >= 0 ? std::optional<qint64>(seconds * 1000) : std::nullopt;
    const QDateTime at = QDateTime::fromString(QString::fromLatin1(value.trimmed()), Qt::RFC2822Date);
    if (!at.isValid())
        return std::nullopt;
    return std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(at));
}

QString excerpt(const QByteArray& bytes)
{
    return QString::fromUtf8(bytes).trimmed();
}

// The policy's verdict on every address `url`'s host resolves to (a blocking lookup: handlers run on workers).
std::optional<QString> refusalAfterLookup(const NetworkPolicy& policy, const QUrl& url)
{
    if (auto refusal = policy.refusalBeforeLookup(url.host()))
        return refusal;
    if (!QHostAddress(url.host()).isNull())
        return std::nullopt;
    const QHostInfo info = QHostInfo::fromName(url.host());
    if (info.error() != QHostInfo::NoError)
        return std::nullopt; // the request itself then fails with a retryable lookup error
    for (const QHostAddress& address : info.addresses()) {
        if (auto refusal = policy.refusal(address))
            return QStringLiteral("%1 resolves to %2").arg(url.host(), *refusal);
    }
    return std::nullopt;
}

} // namespace

QString NotifyHandler::description() const
{
    return QStringLiteral("POSTs a JSON body to a webhook URL; 429, 5xx and network errors are retried.");
}

QJsonObject NotifyHandler::payloadTemplate() const
{
    return QJsonObject {
        {urlKey, QStringLiteral("https://example.com/hooks/queuedesk")},
        {bodyKey, QJsonObject {{QStringLiteral("text"), QStringLiteral("Hello from QueueDesk")}}},
        {headersKey, QJsonObject {}},
        {timeoutKey, defaultTimeoutMs},
    };
}

bool NotifyHandler::followsDatabase() const
{
    return m_source || m_policy.toJson() == NetworkPolicy {}.toJson();
}

NetworkPolicy NotifyHandler::policy() const
{
    return m_source ? m_source->network() : m_policy;
}

std::optional<QString> NotifyHandler::validate(const QJsonObject& payload) const
{
    if (auto error = payload::checkRequiredString(payload, urlKey))
        return error;
    const QUrl url(payload.value(urlKey).toString(), QUrl::StrictMode);
    if (!url.isValid())
        return QStringLiteral("\"url\" is not a valid URL: %1").arg(url.errorString());
    if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        return QStringLiteral("\"url\" must be an http:// or https:// URL");
    if (url.host().isEmpty())
        return QStringLiteral("\"url\" must name a host");
    if (auto refusal = policy().refusalBeforeLookup(url.host()))
        return QStringLiteral("\"url\": %1").arg(*refusal);
    if (auto error = payload::checkOptionalStringMap(payload, headersKey))
        return error;
    const QJsonObject headers = payload.value(headersKey).toObject();
    for (auto it = headers.begin(); it != headers.end(); ++it) {
        if (!isToken(it.key()))
            return QStringLiteral("\"headers\": \"%1\" is not a valid header name").arg(it.key());
        if (it.value().toString().contains(QLatin1Char('\n')) || it.value().toString().contains(QLatin1Char('\r')))
            return QStringLiteral("\"headers\": the value of \"%1\" contains a line break").arg(it.key());
    }
    if (auto error = payload::checkOptionalInteger(payload, timeoutKey, 1, maxTimeoutMs))
        return error;
    return std::nullopt;
}

HandlerResult NotifyHandler::run(const QJsonObject& payload, HandlerContext& context) const
{
    if (auto error = validate(payload))
        return HandlerResult::permanent(*error);
    if (context.isCancelled())
        return HandlerResult::retryable(QStringLiteral("stopped before sending"));
    const NetworkPolicy policy = this->policy(); // one policy for the whole exchange, redirects included

    const QUrl url(payload.value(urlKey).toString(), QUrl::StrictMode);
    const qint64 timeoutMs = payload::integer(payload, timeoutKey, defaultTimeoutMs);
    const QJsonValue bodyValue = payload.value(bodyKey);
    QByteArray body;
    if (bodyValue.isObject() || bodyValue.isUndefined())
        body = QJsonDocument(bodyValue.toObject()).toJson(QJsonDocument::Compact);
    else if (bodyValue.isArray())
        body = QJsonDocument(bodyValue.toArray()).toJson(QJsonDocument::Compact);
    else // a scalar: wrap in an array and strip the brackets, as QJsonDocument only holds containers
        body = QJsonDocument(QJsonArray {bodyValue}).toJson(QJsonDocument::Compact).chopped(1).mid(1);

    if (auto refusal = refusalAfterLookup(policy, url))
        return HandlerResult::permanent(QStringLiteral("%1: %2").arg(url.toDisplayString(), *refusal));

    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("QueueDesk-notify/1"));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::UserVerifiedRedirectPolicy);
    const QJsonObject headers = payload.value(headersKey).toObject();
    for (auto it = headers.begin(); it != headers.end(); ++it)
        request.setRawHeader(it.key().toLatin1(), it.value().toString().toUtf8());

    context.reportProgress(0.0, QStringLiteral("sending to %1").arg(url.host()));
    QElapsedTimer elapsed;
    elapsed.start();

    // Everything below lives on this thread's stack: the manager, its reply, the loop and the timers.
    QNetworkAccessManager manager;
    QEventLoop loop;
    std::unique_ptr<QNetworkReply> reply(manager.post(request, body));
    QByteArray received;
    bool timedOut = false;
    bool stopped = false;
    std::optional<QString> redirectRefusal;

    QObject::connect(reply.get(), &QNetworkReply::readyRead, &loop, [&] {
        // Keep the start of the answer only, so a huge response costs no memory.
        const QByteArray chunk = reply->readAll();
        if (received.size() < excerptBytes)
            received += chunk.left(excerptBytes - received.size());
    });
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(reply.get(), &QNetworkReply::redirected, &loop, [&](const QUrl& target) {
        if (url.scheme() == QLatin1String("https") && target.scheme() != QLatin1String("https"))
            redirectRefusal = QStringLiteral("redirected from https to %1").arg(target.toDisplayString());
        else if (auto refusal = refusalAfterLookup(policy, target))
            redirectRefusal = QStringLiteral("redirected to %1: %2").arg(target.toDisplayString(), *refusal);
        if (redirectRefusal)
            reply->abort();
        else
            Q_EMIT reply->redirectAllowed();
    });
    QTimer poll;
    poll.setInterval(cancelPollMs);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (context.isCancelled() && !stopped) {
            stopped = true;
            reply->abort();
        }
    });
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &loop, [&] {
        timedOut = true;
        reply->abort();
    });
    if (!reply->isFinished()) {
        poll.start();
        deadline.start(int(timeoutMs));
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    }
    poll.stop();
    deadline.stop();
    if (reply->isOpen() && received.size() < excerptBytes)
        received += reply->read(excerptBytes - received.size());

    const qint64 ms = elapsed.elapsed();
    if (redirectRefusal)
        return HandlerResult::permanent(QStringLiteral("%1: %2").arg(url.toDisplayString(), *redirectRefusal));
    if (stopped)
        return HandlerResult::retryable(QStringLiteral("stopped while waiting for %1").arg(url.host()));
    if (timedOut)
        return HandlerResult::retryable(
            QStringLiteral("no answer from %1 within %2 ms").arg(url.host()).arg(timeoutMs));

    const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusAttribute.isValid()) {
        // No HTTP answer at all: connection refused, DNS, TLS, reset... all may heal by themselves.
        const auto error = reply->error();
        if (error == QNetworkReply::ProtocolUnknownError || error == QNetworkReply::InsecureRedirectError
            || error == QNetworkReply::TooManyRedirectsError)
            return HandlerResult::permanent(QStringLiteral("%1: %2").arg(url.toDisplayString(), reply->errorString()));
        return HandlerResult::retryable(QStringLiteral("%1: %2").arg(url.toDisplayString(), reply->errorString()));
    }

    const int status = statusAttribute.toInt();
    const QString text = excerpt(received);
    const QString summary = text.isEmpty() ? QStringLiteral("HTTP %1").arg(status)
                                           : QStringLiteral("HTTP %1: %2").arg(status).arg(text.left(200));
    if (status >= 200 && status < 300) {
        context.reportProgress(1.0);
        return HandlerResult::success(QJsonObject {
            {QStringLiteral("status"), status},
            {QStringLiteral("responseExcerpt"), text},
            {QStringLiteral("elapsedMs"), ms},
        });
    }
    if (status == 429 || status >= 500)
        return HandlerResult::retryable(summary, retryAfterMs(reply->rawHeader("Retry-After")));
    return HandlerResult::permanent(summary);
}

} // namespace qd
