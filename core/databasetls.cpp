#include "databasetls.h"

#include <QFileInfo>

#include <array>

namespace qd {

namespace {

struct ModeName {
    TlsMode mode;
    const char* name;
};
constexpr std::array modeNames {ModeName {TlsMode::Disable, "disable"}, ModeName {TlsMode::Prefer, "prefer"},
    ModeName {TlsMode::Require, "require"}, ModeName {TlsMode::VerifyCa, "verify-ca"},
    ModeName {TlsMode::VerifyFull, "verify-full"}};

// QPSQL and QMYSQL split their connect options at ';', so a path holding one cannot be passed through them.
Status checkPath(const QString& key, const QString& path)
{
    if (path.isEmpty())
        return Error {ErrorCode::InvalidArgument, QStringLiteral("%1 needs a file").arg(key)};
    const bool isKey = key == QLatin1String("sslkey");
    if (!path.startsWith(QLatin1Char('/')))
        return Error {ErrorCode::InvalidArgument,
            isKey ? QStringLiteral("sslkey: give the key file's absolute path")
                  : QStringLiteral("%1 %2: give the file's absolute path").arg(key, path)};
    if (path.contains(QLatin1Char(';')))
        return Error {ErrorCode::InvalidArgument,
            isKey ? QStringLiteral("sslkey: the path may not contain ';'")
                  : QStringLiteral("%1 %2: the path may not contain ';'").arg(key, path)};
    return success();
}

} // namespace

QString tlsModeName(TlsMode mode)
{
    for (const ModeName& m : modeNames) {
        if (m.mode == mode)
            return QString::fromLatin1(m.name);
    }
    return {};
}

std::optional<TlsMode> tlsModeFromName(const QString& name)
{
    for (const ModeName& m : modeNames) {
        if (name == QLatin1String(m.name))
            return m.mode;
    }
    return std::nullopt;
}

bool isTlsOption(const QString& key)
{
    return key == QLatin1String("sslmode") || key == QLatin1String("sslrootcert") || key == QLatin1String("sslcert")
        || key == QLatin1String("sslkey");
}

Status setTlsOption(DatabaseTls& tls, const QString& key, const QString& value, bool mariaDb)
{
    if (key == QLatin1String("sslmode")) {
        const std::optional<TlsMode> mode = tlsModeFromName(value);
        if (!mode)
            return Error {ErrorCode::InvalidArgument,
                QStringLiteral("sslmode=%1 is not a TLS mode (disable, %2require, verify-ca or verify-full)")
                    .arg(value, mariaDb ? QString() : QStringLiteral("prefer, "))};
        tls.mode = *mode;
        return success();
    }
    if (Status s = checkPath(key, value); !s)
        return s;
    if (key == QLatin1String("sslrootcert"))
        tls.rootCert = value;
    else if (key == QLatin1String("sslcert"))
        tls.clientCert = value;
    else
        tls.clientKey = value;
    return success();
}

Status checkTlsOptions(const DatabaseTls& tls, bool mariaDb, bool unixSocket)
{
    const QString mode = tlsModeName(tls.mode);
    if (mariaDb && tls.mode == TlsMode::Prefer)
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("sslmode=prefer is not available on MariaDB (its client cannot fall back to plain text): "
                           "use sslmode=require, verify-ca or verify-full, or leave TLS off")};
    if (tls.clientCert.isEmpty() != tls.clientKey.isEmpty())
        return Error {ErrorCode::InvalidArgument, QStringLiteral("A client certificate needs both sslcert and sslkey")};
    if (!tls.rootCert.isEmpty() && !tls.verifiesChain())
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("sslrootcert is used to verify the server: give sslmode=verify-ca or verify-full with it")};
    if (!tls.clientCert.isEmpty() && !tls.requiresTls())
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("A client certificate (sslcert, sslkey) is sent over TLS: give sslmode=require, verify-ca "
                           "or verify-full with it")};
    if (unixSocket && tls.requiresTls())
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("sslmode=%1 needs a TCP connection: a Unix socket (or no host%2) is not covered by TLS; "
                           "give the server's host name or address")
                .arg(mode, mariaDb ? QStringLiteral(", or MariaDB's localhost") : QString())};
    return success();
}

Status checkTlsFilesReadable(const DatabaseTls& tls)
{
    const auto check = [](const QString& path, const QString& what, bool showPath) -> Status {
        if (path.isEmpty())
            return success();
        const QFileInfo file(path);
        if (file.isFile() && file.isReadable())
            return success();
        const QString problem = file.exists() ? QStringLiteral("cannot be read") : QStringLiteral("does not exist");
        return Error {ErrorCode::Io,
            showPath ? QStringLiteral("The %1 %2 %3").arg(what, path, problem)
                     : QStringLiteral("The %1 (sslkey) %2").arg(what, problem)};
    };
    if (Status s = check(tls.rootCert, QStringLiteral("CA file (sslrootcert)"), true); !s)
        return s;
    if (Status s = check(tls.clientCert, QStringLiteral("client certificate (sslcert)"), true); !s)
        return s;
    return check(tls.clientKey, QStringLiteral("client key"), false);
}

QList<std::pair<QString, QString>> tlsDisplayOptions(const DatabaseTls& tls)
{
    QList<std::pair<QString, QString>> options;
    if (tls.mode != TlsMode::ServerDefault)
        options.append({QStringLiteral("sslmode"), tlsModeName(tls.mode)});
    if (!tls.rootCert.isEmpty())
        options.append({QStringLiteral("sslrootcert"), tls.rootCert});
    if (!tls.clientCert.isEmpty())
        options.append({QStringLiteral("sslcert"), tls.clientCert});
    return options;
}

QList<std::pair<QByteArray, QByteArray>> libpqTlsParameters(const DatabaseTls& tls)
{
    QList<std::pair<QByteArray, QByteArray>> parameters;
    if (tls.mode != TlsMode::ServerDefault)
        parameters.append({"sslmode", tlsModeName(tls.mode).toLatin1()});
    if (!tls.rootCert.isEmpty())
        parameters.append({"sslrootcert", tls.rootCert.toLocal8Bit()});
    if (!tls.clientCert.isEmpty()) {
        parameters.append({"sslcert", tls.clientCert.toLocal8Bit()});
        parameters.append({"sslkey", tls.clientKey.toLocal8Bit()});
    }
    return parameters;
}

QString explainTlsFailure(const QString& message, const DatabaseTls& tls)
{
    QString text = message.trimmed();
    if (!tls.clientKey.isEmpty())
        text.replace(tls.clientKey, QStringLiteral("(the sslkey file)"));
    const auto has = [&text](const char* words) { return text.contains(QLatin1String(words), Qt::CaseInsensitive); };
    QString why;
    if (has("does not match host name") || has("does not name host"))
        why = QStringLiteral("Certificate verification failed: the server's certificate is not for the host name "
                             "connected to (sslmode=verify-full checks the name; verify-ca only the CA)");
    else if (has("certificate verify failed") || has("unable to get local issuer") || has("self-signed certificate")
        || has("self signed certificate"))
        why = QStringLiteral("Certificate verification failed: the server's certificate is not signed by %1, or "
                             "has expired")
                  .arg(tls.rootCert.isEmpty() ? QStringLiteral("a CA this connection trusts")
                                              : QStringLiteral("the CA in sslrootcert"));
    else if (has("does not support SSL") || has("server does not offer TLS"))
        why = QStringLiteral("The server does not offer TLS, and sslmode=%1 requires it").arg(tlsModeName(tls.mode));
    return why.isEmpty() ? text : text + QStringLiteral(". ") + why;
}

} // namespace qd
