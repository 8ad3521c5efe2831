#pragma once

#include "result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace qd {

// TLS to a database server, from the URL's options. Both servers take libpq's names, so one spelling (and one
// choice in the GUI) serves PostgreSQL and MariaDB:
//   sslmode=disable|prefer|require|verify-ca|verify-full   (MariaDB: no prefer; its client has no fallback mode)
//   sslrootcert=/abs/ca.pem   the CA that must have signed the server's certificate (verify-ca, verify-full)
//   sslcert=/abs/client.pem&sslkey=/abs/client.key          a client certificate, given together
// verify-ca checks the certificate's chain; verify-full also that it names the host connected to. Without
// sslmode, PostgreSQL keeps libpq's default (prefer, or PGSSLMODE) and MariaDB connects without TLS.
enum class TlsMode { ServerDefault, Disable, Prefer, Require, VerifyCa, VerifyFull };

struct DatabaseTls {
    TlsMode mode = TlsMode::ServerDefault;
    QString rootCert; // sslrootcert
    QString clientCert; // sslcert
    QString clientKey; // sslkey: never shown in a message or a log

    bool requiresTls() const { return mode >= TlsMode::Require; }
    bool verifiesChain() const { return mode >= TlsMode::VerifyCa; }
    bool verifiesHost() const { return mode == TlsMode::VerifyFull; }
    bool isSet() const { return mode != TlsMode::ServerDefault || !rootCert.isEmpty() || !clientCert.isEmpty(); }
};

// The URL spelling of a mode ("verify-full"); empty for ServerDefault.
QString tlsModeName(TlsMode mode);
std::optional<TlsMode> tlsModeFromName(const QString& name);

// True when key is one of the TLS options above.
bool isTlsOption(const QString& key);
// Takes one TLS option of a URL into tls; a bad value is an InvalidArgument naming the option.
Status setTlsOption(DatabaseTls& tls, const QString& key, const QString& value, bool mariaDb);
// Checks the options together, once all are read: a mode that MariaDB lacks, files without TLS, a certificate
// without its key, TLS asked of a Unix socket (which libpq would silently connect to in plain text).
Status checkTlsOptions(const DatabaseTls& tls, bool mariaDb, bool unixSocket);
// Before connecting: the files named exist and can be read, reported without the key's path.
Status checkTlsFilesReadable(const DatabaseTls& tls);

// The options as URL query items in a fixed order, for displayName(); the key's path is left out.
QList<std::pair<QString, QString>> tlsDisplayOptions(const DatabaseTls& tls);
// libpq keywords and values (PQconnectdbParams, or QPSQL's connect options).
QList<std::pair<QByteArray, QByteArray>> libpqTlsParameters(const DatabaseTls& tls);

// A client library's error text made fit to show: the key's path replaced, and a sentence saying what a TLS failure
// means when the text is one libpq or MariaDB's client gives for it.
QString explainTlsFailure(const QString& message, const DatabaseTls& tls);

} // namespace qd
