#include "amqpurl.h"

#include <QUrl>
#include <QUrlQuery>

namespace qd {

namespace {

Error invalid(const QString& message)
{
    return Error {ErrorCode::InvalidArgument, message};
}

} // namespace

Result<AmqpUrl> AmqpUrl::parse(const QString& text)
{
    const QString trimmed = text.trimmed();
    const QUrl url(trimmed, QUrl::StrictMode);
    const QString shown = amqpDisplayUrl(trimmed);
    if (!url.isValid())
        return invalid(QStringLiteral("%1 is not a valid AMQP URL").arg(shown));
    AmqpUrl result;
    if (url.scheme() == u"amqps")
        result.tls = true;
    else if (url.scheme() != u"amqp")
        return invalid(QStringLiteral("%1 is not an AMQP URL (amqp:// or amqps://)").arg(shown));
    result.host = url.host();
    if (result.host.isEmpty())
        return invalid(QStringLiteral("The AMQP URL %1 names no host").arg(shown));
    result.port = url.port(result.tls ? 5671 : 5672);
    if (result.port <= 0)
        return invalid(QStringLiteral("The AMQP URL %1 has no valid port").arg(shown));
    if (!url.userName().isEmpty()) {
        result.user = url.userName(QUrl::FullyDecoded);
        result.password = url.password(QUrl::FullyDecoded);
    }
    // The path's first '/' separates; what follows (decoded, so %2F is '/') is the vhost.
    const QString path = url.path(QUrl::FullyDecoded);
    if (path.size() > 1)
        result.vhost = path.mid(1);
    const QUrlQuery query(url);
    for (const auto& [key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (!result.tls)
            return invalid(QStringLiteral("Option %1 of the AMQP URL %2 needs amqps://").arg(key, shown));
        if (key == u"cacert")
            result.caCertFile = value;
        else if (key == u"cert")
            result.certFile = value;
        else if (key == u"key")
            result.keyFile = value;
        else
            return invalid(
                QStringLiteral("Unknown option %1 in the AMQP URL %2 (known: cacert, cert, key)").arg(key, shown));
    }
    if (result.certFile.isEmpty() != result.keyFile.isEmpty())
        return invalid(QStringLiteral("The AMQP URL %1 needs both cert and key, or neither").arg(shown));
    return result;
}

QString AmqpUrl::displayName() const
{
    QUrl url;
    url.setScheme(tls ? QStringLiteral("amqps") : QStringLiteral("amqp"));
    url.setUserName(user);
    url.setHost(host);
    url.setPort(port);
    // "/" as the vhost is written %2F, as a URL must.
    url.setPath(QLatin1Char('/') + QString::fromLatin1(QUrl::toPercentEncoding(vhost)), QUrl::StrictMode);
    return url.toString();
}

QString amqpDisplayUrl(const QString& text)
{
    const QUrl url(text.trimmed());
    if (!url.isValid()) {
        // Unparsable: show what precedes the credentials, if any.
        const qsizetype at = text.lastIndexOf(u'@');
        return at < 0 ? text.trimmed() : QStringLiteral("(a URL with credentials)") + text.mid(at);
    }
    return url.toString(QUrl::RemovePassword);
}

} // namespace qd
