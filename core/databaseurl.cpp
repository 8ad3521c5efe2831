#include "databaseurl.h"

#include <QUrl>
#include <QUrlQuery>

namespace qd {

namespace {

// A path as a query value that parse() reads back as it was ('&', '#', '%' and spaces encoded).
QString urlValue(const QString& value)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(value, "/:"));
}

} // namespace

bool isPostgresUrl(const QString& text)
{
    return text.startsWith(QLatin1String("postgresql://")) || text.startsWith(QLatin1String("postgres://"));
}

bool isMariaDbUrl(const QString& text)
{
    return text.startsWith(QLatin1String("mariadb://")) || text.startsWith(QLatin1String("mysql://"));
}

bool isServerUrl(const QString& text)
{
    return isPostgresUrl(text) || isMariaDbUrl(text);
}

QString databaseDisplayName(const QString& location)
{
    if (!isServerUrl(location))
        return location;
    auto url = DatabaseUrl::parse(location);
    return url ? url->displayName()
               : QStringLiteral("(an invalid %1 URL)")
                     .arg(isPostgresUrl(location) ? QLatin1String("PostgreSQL") : QLatin1String("MariaDB"));
}

Result<DatabaseUrl> DatabaseUrl::parse(const QString& text)
{
    DatabaseUrl result;
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return Error {ErrorCode::InvalidArgument, QStringLiteral("No database given")};
    if (!isServerUrl(trimmed)) {
        result.sqlitePath = trimmed.startsWith(QLatin1String("sqlite:")) ? trimmed.mid(7) : trimmed;
        if (result.sqlitePath.isEmpty())
            return Error {ErrorCode::InvalidArgument, QStringLiteral("sqlite: needs a file path")};
        return result;
    }
    const bool mariaDb = isMariaDbUrl(trimmed);
    const QString kind = mariaDb ? QStringLiteral("MariaDB") : QStringLiteral("PostgreSQL");
    const QUrl url(trimmed, QUrl::StrictMode);
    if (!url.isValid())
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("%1 is not a valid %2 URL: %3").arg(trimmed, kind, url.errorString())};
    result.backend = mariaDb ? Backend::MariaDb : Backend::Postgres;
    result.host = url.host();
    result.port = url.port(mariaDb ? 3306 : 5432);
    result.user = url.userName();
    result.password = url.password();
    result.databaseName = url.path().mid(1);
    const QUrlQuery query(url);
    for (const auto& [key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == QLatin1String("host"))
            result.host = value;
        else if (key == QLatin1String("port")) {
            bool ok = false;
            result.port = value.toInt(&ok);
            if (!ok || result.port <= 0 || result.port > 65535)
                return Error {ErrorCode::InvalidArgument, QStringLiteral("Port %1 is not a port number").arg(value)};
        } else if (key == QLatin1String("user"))
            result.user = value;
        else if (key == QLatin1String("password"))
            result.password = value;
        else if (key == QLatin1String("dbname"))
            result.databaseName = value;
        else if (key == QLatin1String("schema"))
            result.schema = value;
        else if (mariaDb && key == QLatin1String("socket"))
            result.socket = value;
        else if (isTlsOption(key)) {
            if (Status s = setTlsOption(result.tls, key, value, mariaDb); !s)
                return s.error();
        } else
            return Error {ErrorCode::InvalidArgument,
                QStringLiteral("Unknown option %1 in the %2 URL (known: host, port, user, password, dbname, "
                               "schema%3, sslmode, sslrootcert, sslcert, sslkey)%4")
                    .arg(key, kind, mariaDb ? QStringLiteral(", socket") : QString(),
                        key.startsWith(QLatin1String("ssl")) || key == QLatin1String("tls")
                            ? QStringLiteral("; TLS is set with libpq's names on both servers, e.g. "
                                             "?sslmode=verify-full&sslrootcert=/path/ca.pem")
                            : QString())};
    }
    if (result.databaseName.isEmpty())
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("The %1 URL %2 names no database (%3://host/dbname)")
                .arg(kind, trimmed, mariaDb ? QStringLiteral("mariadb") : QStringLiteral("postgresql"))};
    if (mariaDb && result.host.startsWith(QLatin1Char('/')))
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("A MariaDB socket is given as ?socket=/path/to/mysqld.sock, not as the host")};
    if (mariaDb && !result.socket.isEmpty() && !result.socket.startsWith(QLatin1Char('/')))
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("Socket %1: give the socket file's absolute path").arg(result.socket)};
    // MariaDB's client connects to "localhost" (or no host) through its default socket.
    const bool unixSocket = result.host.isEmpty()
        || (mariaDb ? !result.socket.isEmpty() || result.host == QLatin1String("localhost")
                    : result.host.startsWith(QLatin1Char('/')));
    if (Status s = checkTlsOptions(result.tls, mariaDb, unixSocket); !s)
        return s.error();
    // The schema (and on MariaDB the database) name is put into SQL as an identifier, so only plain names are
    // accepted.
    const auto plainName = [](const QString& name) {
        for (const QChar c : name) {
            if (!(c.isLetterOrNumber() || c == QLatin1Char('_')) || c.unicode() > 127)
                return false;
        }
        return true;
    };
    if (!plainName(result.schema))
        return Error {
            ErrorCode::InvalidArgument, QStringLiteral("Schema %1: use letters, digits and _ only").arg(result.schema)};
    if (mariaDb && !plainName(result.databaseName))
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("Database %1: use letters, digits and _ only").arg(result.databaseName)};
    if (mariaDb && result.schema.size() > 64)
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("Schema %1: MariaDB allows at most 64 characters").arg(result.schema)};
    return result;
}

QString DatabaseUrl::displayName() const
{
    if (backend == Backend::Sqlite)
        return sqlitePath;
    if (isMariaDb()) {
        QString where
            = QStringLiteral("mariadb://%1%2")
                  .arg(user.isEmpty() ? QString() : user + QLatin1Char('@'),
                      socket.isEmpty() ? QStringLiteral("%1:%2").arg(host).arg(port) : QStringLiteral("localhost"));
        where += QLatin1Char('/') + databaseName;
        QStringList options;
        if (!socket.isEmpty())
            options.append(QLatin1String("socket=") + socket);
        if (!schema.isEmpty())
            options.append(QLatin1String("schema=") + schema);
        for (const auto& [key, value] : tlsDisplayOptions(tls))
            options.append(key + QLatin1Char('=') + urlValue(value));
        return options.isEmpty() ? where : where + QLatin1Char('?') + options.join(QLatin1Char('&'));
    }
    QString where = host.startsWith(QLatin1Char('/')) || host.isEmpty()
        ? QStringLiteral("postgresql:///%1?host=%2").arg(databaseName, host)
        : QStringLiteral("postgresql://%1%2:%3/%4")
              .arg(user.isEmpty() ? QString() : user + QLatin1Char('@'), host)
              .arg(port)
              .arg(databaseName);
    if (host.startsWith(QLatin1Char('/')) || host.isEmpty())
        where += QStringLiteral("&port=%1").arg(port);
    if (!schema.isEmpty())
        where += (where.contains(QLatin1Char('?')) ? QLatin1Char('&') : QLatin1Char('?')) + QLatin1String("schema=")
            + schema;
    for (const auto& [key, value] : tlsDisplayOptions(tls))
        where += (where.contains(QLatin1Char('?')) ? QLatin1Char('&') : QLatin1Char('?')) + key + QLatin1Char('=')
            + urlValue(value);
    return where;
}

} // namespace qd
