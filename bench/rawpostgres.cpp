#include "rawpostgres.h"

#include "core/databaseurl.h"

#include <QUrl>
#include <QUrlQuery>

#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace qd::bench {

namespace {

[[noreturn]] void die(const char* what, const char* message)
{
    std::fprintf(stderr, "qd_bench: raw PostgreSQL %s failed: %s\n", what, message);
    std::exit(2);
}

} // namespace

PgTarget parsePgTarget(const QString& url)
{
    const Result<DatabaseUrl> parsed = DatabaseUrl::parse(url);
    if (!parsed || !parsed.value().isPostgres())
        die("URL", parsed ? "not a postgresql:// URL" : qPrintable(parsed.errorString()));
    const DatabaseUrl& u = parsed.value();
    return {u.host, u.user, u.password, u.databaseName, u.schema, u.port, u.tls};
}

QString pgUrlWithSchema(const QString& url, const QString& schema)
{
    QUrl u(url);
    QUrlQuery query(u);
    query.removeAllQueryItems(QStringLiteral("schema"));
    query.addQueryItem(QStringLiteral("schema"), schema);
    u.setQuery(query);
    return u.toString();
}

RawPostgres::RawPostgres(const QString& url)
{
    const PgTarget t = parsePgTarget(url);
    const QByteArray host = t.host.toUtf8(), port = QByteArray::number(t.port), user = t.user.toUtf8(),
                     password = t.password.toUtf8(), database = t.database.toUtf8();
    std::vector<const char*> keys {"host", "port", "user", "password", "dbname", "application_name"};
    std::vector<const char*> values {host.isEmpty() ? nullptr : host.constData(), port.constData(),
        user.isEmpty() ? nullptr : user.constData(), password.isEmpty() ? nullptr : password.constData(),
        database.constData(), "qd_bench_raw"};
    const QList<std::pair<QByteArray, QByteArray>> tls = libpqTlsParameters(t.tls);
    for (const auto& [key, value] : tls) {
        keys.push_back(key.constData());
        values.push_back(value.constData());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    m_conn = PQconnectdbParams(keys.data(), values.data(), 0);
    if (PQstatus(m_conn) != CONNECTION_OK)
        die("connect", qPrintable(explainTlsFailure(QString::fromLocal8Bit(PQerrorMessage(m_conn)), t.tls)));
    exec("SET client_min_messages = warning");
    if (!t.schema.isEmpty())
        exec(QByteArray("SET search_path = \"" + t.schema.toUtf8() + '"').constData());
}

RawPostgres::~RawPostgres()
{
    clear();
    PQfinish(m_conn);
}

void RawPostgres::clear()
{
    if (m_result)
        PQclear(m_result);
    m_result = nullptr;
}

QByteArray RawPostgres::exec(const char* sql)
{
    clear();
    m_result = PQexec(m_conn, sql);
    const ExecStatusType status = PQresultStatus(m_result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        die(sql, PQerrorMessage(m_conn));
    return rows() > 0 ? QByteArray(value(0, 0)) : QByteArray();
}

void RawPostgres::prepare(const char* name, const char* sql)
{
    clear();
    m_result = PQprepare(m_conn, name, sql, 0, nullptr);
    if (PQresultStatus(m_result) != PGRES_COMMAND_OK)
        die(sql, PQerrorMessage(m_conn));
}

void RawPostgres::run(const char* name, const std::vector<const char*>& params)
{
    clear();
    m_result = PQexecPrepared(m_conn, name, int(params.size()), params.data(), nullptr, nullptr, 0);
    const ExecStatusType status = PQresultStatus(m_result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        die(name, PQerrorMessage(m_conn));
}

int RawPostgres::rows() const
{
    return m_result ? PQntuples(m_result) : 0;
}

const char* RawPostgres::value(int row, int column) const
{
    return PQgetvalue(m_result, row, column);
}

} // namespace qd::bench
