#include "databaseurl.h"

#include <QUrl>
#include <QUrlQuery>

namespace qd {

bool isPostgresUrl(const QString& text)
{
    return text.startsWith(QLatin1String("postgresql://")) || text.startsWith(QLatin1String("postgres://"));
}

QString databaseDisplayName(const QString& location)
{
    if (!isPostgresUrl(location))
        return location;
    auto url = DatabaseUrl::parse(location);
    return url ? url->displayName() : QStringLiteral("(an invalid PostgreSQL URL)");
}

Result<DatabaseUrl> DatabaseUrl::parse(const QString& text)
{
    DatabaseUrl result;
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return Error {ErrorCode::InvalidArgument, QStringLiteral("No database given")};
    if (!isPostgresUrl(trimmed)) {
        result.sqlitePath = trimmed.startsWith(QLatin1String("sqlite:")) ? trimmed.mid(7) : trimmed;
        if (result.sqlitePath.isEmpty())
            return Error {ErrorCode::InvalidArgument, QStringLiteral("sqlite: needs a file path")};
        return result;
    }
    const QUrl url(trimmed, QUrl::StrictMode);
    if (!url.isValid())
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("%1 is not a valid PostgreSQL URL: %2").arg(trimmed, url.errorString())};
    result.backend = Backend::Postgres;
    result.host = url.host();
    result.port = url.port(5432);
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
        else
            return Error {ErrorCode::InvalidArgument,
                QStringLiteral("Unknown option %1 in the PostgreSQL URL (known: host, port, user, password, dbname, "
                               "schema)")
                    .arg(key)};
    }
    if (result.databaseName.isEmpty())
        return Error {ErrorCode::InvalidArgument,
            QStringLiteral("The PostgreSQL URL %1 names no database (postgresql://host/dbname)").arg(trimmed)};
    // The schema name is put into SQL as an identifier, so only plain names are accepted.
    for (const QChar c : std::as_const(result.schema)) {
        if (!(c.isLetterOrNumber() || c == QLatin1Char('_')) || c.unicode() > 127)
            return Error {ErrorCode::InvalidArgument,
                QStringLiteral("Schema %1: use letters, digits and _ only").arg(result.schema)};
    }
    return result;
}

QString DatabaseUrl::displayName() const
{
    if (!isPostgres())
        return sqlitePath;
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
    return where;
}

} // namespace qd
