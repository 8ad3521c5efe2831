#pragma once

#include "core/result.h"

#include <QString>

namespace qd {

// Where a RabbitMQ broker is, parsed from an AMQP URI:
//   amqp://user:password@host:port/vhost             plain TCP (port 5672 by default)
//   amqps://user:password@host:port/vhost?cacert=F   TLS (port 5671), the peer's certificate and host name verified
// The vhost is the percent-decoded path after the first '/'; none or an empty one is RabbitMQ's default "/" (write
// "/%2F" or leave it out). Query options (amqps only): cacert (CA bundle, PEM; default: the system's), cert and key
// (a client certificate). User and password default to guest/guest.
struct AmqpUrl {
    bool tls = false;
    QString host;
    int port = 5672;
    QString user = QStringLiteral("guest");
    QString password = QStringLiteral("guest");
    QString vhost = QStringLiteral("/");
    QString caCertFile;
    QString certFile;
    QString keyFile;

    // Errors never quote the password.
    static Result<AmqpUrl> parse(const QString& text);
    // For logs, lists and error messages: the URL without its password.
    QString displayName() const;
};

// What to show of an AMQP URL the user typed, valid or not: never its password.
QString amqpDisplayUrl(const QString& text);

} // namespace qd
