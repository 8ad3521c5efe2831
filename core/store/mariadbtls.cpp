#include "mariadbtls.h"

#include <QHostAddress>

#include <mysql.h>
// The connection's TLS session (MYSQL::net.pvio->ctls->ssl, an OpenSSL SSL*), from the client's installed headers;
// without HAVE_TLS they declare ctls as void*.
#define HAVE_TLS
#include <ma_pvio.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <memory>

namespace qd::storeimpl {

namespace {

// Without sslrootcert, verify-ca and verify-full trust the system's CAs.
constexpr const char* systemCaDirectory = "/etc/ssl/certs";

SSL* tlsSession(MYSQL* connection)
{
    if (!connection || !connection->net.pvio || !connection->net.pvio->ctls)
        return nullptr;
    return static_cast<SSL*>(connection->net.pvio->ctls->ssl);
}

struct CertificateFree {
    void operator()(X509* certificate) const { X509_free(certificate); }
};

} // namespace

QString mariaDbTlsConnectOptions(const DatabaseTls& tls)
{
    if (!tls.requiresTls())
        return {};
    QString options;
    if (tls.verifiesChain())
        options += tls.rootCert.isEmpty() ? QString(QStringLiteral(";SSL_CAPATH=") + QLatin1String(systemCaDirectory))
                                          : QString(QStringLiteral(";SSL_CA=") + tls.rootCert);
    if (!tls.clientCert.isEmpty())
        options += QStringLiteral(";SSL_CERT=%1;SSL_KEY=%2").arg(tls.clientCert, tls.clientKey);
    // QMYSQL asks for TLS only when an SSL_ option is given (it ignores CLIENT_SSL); sslmode=require names no file,
    // so it gives OpenSSL's own default TLS 1.3 suites, which changes nothing else.
    if (options.isEmpty())
        options
            = QStringLiteral(";SSL_CIPHER=TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256");
    return options;
}

Status checkMariaDbTls(MYSQL* connection, const DatabaseUrl& url)
{
    const DatabaseTls& tls = url.tls;
    if (!tls.requiresTls())
        return success();
    SSL* session = tlsSession(connection);
    if (!session)
        return Error {ErrorCode::Unavailable,
            QStringLiteral("The server does not offer TLS, and sslmode=%1 requires it").arg(tlsModeName(tls.mode))};
    if (tls.verifiesChain()) {
        if (const long verified = SSL_get_verify_result(session); verified != X509_V_OK)
            return Error {ErrorCode::Unavailable,
                explainTlsFailure(QStringLiteral("TLS error: certificate verify failed (%1)")
                                      .arg(QString::fromUtf8(X509_verify_cert_error_string(verified))),
                    tls)};
    }
    const std::unique_ptr<X509, CertificateFree> certificate(SSL_get1_peer_certificate(session));
    if (tls.verifiesChain() && !certificate)
        return Error {ErrorCode::Unavailable,
            explainTlsFailure(QStringLiteral("TLS error: certificate verify failed (no certificate)"), tls)};
    if (tls.verifiesHost()) {
        const QByteArray host = url.host.toUtf8();
        const bool isAddress = !QHostAddress(url.host).isNull();
        const int matches = isAddress ? X509_check_ip_asc(certificate.get(), host.constData(), 0)
                                      : X509_check_host(certificate.get(), host.constData(), size_t(host.size()),
                                          X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr);
        if (matches != 1)
            return Error {ErrorCode::Unavailable,
                explainTlsFailure(
                    QStringLiteral("The server's certificate does not match host name \"%1\"").arg(url.host), tls)};
    }
    return success();
}

} // namespace qd::storeimpl
