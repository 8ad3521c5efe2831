#include "rawmariadb.h"

#include "core/databaseurl.h"
#include "core/store/mariadbtls.h"

#include <QUrl>
#include <QUrlQuery>

#include <mysql.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace qd::bench {

namespace {

[[noreturn]] void die(const char* what, const char* message)
{
    std::fprintf(stderr, "qd_bench: raw MariaDB %s failed: %s\n", what, message);
    std::exit(2);
}

// Large enough for every column the figures read back (ids, times, short JSON); a longer value ends the run.
constexpr unsigned long columnBuffer = 4096;

} // namespace

QString mariaDbUrlWithDatabase(const QString& url, const QString& database)
{
    QUrl u(url);
    QUrlQuery query(u);
    query.removeAllQueryItems(QStringLiteral("schema"));
    query.addQueryItem(QStringLiteral("schema"), database);
    u.setQuery(query);
    return u.toString();
}

RawMariaDb::RawMariaDb(const QString& url)
{
    const Result<DatabaseUrl> parsed = DatabaseUrl::parse(url);
    if (!parsed || !parsed.value().isMariaDb())
        die("URL", parsed ? "not a mariadb:// URL" : qPrintable(parsed.errorString()));
    const DatabaseUrl& u = parsed.value();
    const QByteArray host = u.host.toUtf8(), user = u.user.toUtf8(), password = u.password.toUtf8(),
                     database = (u.schema.isEmpty() ? u.databaseName : u.schema).toUtf8(), socket = u.socket.toUtf8();
    m_conn = mysql_init(nullptr);
    if (m_conn && u.tls.requiresTls()) {
        // As the product asks through QMYSQL: the CA (or the system's), the client certificate, TLS insisted on.
        const QByteArray ca = u.tls.rootCert.toLocal8Bit(), cert = u.tls.clientCert.toLocal8Bit(),
                         key = u.tls.clientKey.toLocal8Bit();
        if (u.tls.verifiesChain())
            mysql_options(m_conn, ca.isEmpty() ? MYSQL_OPT_SSL_CAPATH : MYSQL_OPT_SSL_CA,
                ca.isEmpty() ? "/etc/ssl/certs" : ca.constData());
        if (!cert.isEmpty()) {
            mysql_options(m_conn, MYSQL_OPT_SSL_CERT, cert.constData());
            mysql_options(m_conn, MYSQL_OPT_SSL_KEY, key.constData());
        }
        const my_bool enforce = 1;
        mysql_options(m_conn, MYSQL_OPT_SSL_ENFORCE, &enforce);
    }
    if (!m_conn
        || !mysql_real_connect(m_conn, socket.isEmpty() ? host.constData() : "localhost", user.constData(),
            password.isEmpty() ? nullptr : password.constData(), database.constData(), unsigned(u.port),
            socket.isEmpty() ? nullptr : socket.constData(), 0))
        die("connect",
            m_conn ? qPrintable(explainTlsFailure(QString::fromUtf8(mysql_error(m_conn)), u.tls)) : "out of memory");
    if (const Status tls = storeimpl::checkMariaDbTls(m_conn, u); !tls)
        die("connect", qPrintable(tls.errorString()));
    // The product's session in what matters to these statements: utf8mb4, row locks without gap locks.
    exec("SET NAMES utf8mb4");
    exec("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
}

RawMariaDb::~RawMariaDb()
{
    for (auto& [name, statement] : m_statements)
        mysql_stmt_close(statement);
    mysql_close(m_conn);
}

QByteArray RawMariaDb::exec(const char* sql)
{
    if (mysql_query(m_conn, sql) != 0)
        die(sql, mysql_error(m_conn));
    QByteArray first;
    if (MYSQL_RES* result = mysql_store_result(m_conn)) {
        if (MYSQL_ROW row = mysql_fetch_row(result); row && row[0])
            first = row[0];
        mysql_free_result(result);
    } else if (mysql_field_count(m_conn) != 0) {
        die(sql, mysql_error(m_conn));
    }
    return first;
}

void RawMariaDb::prepare(const char* name, const char* sql)
{
    MYSQL_STMT* statement = mysql_stmt_init(m_conn);
    if (!statement || mysql_stmt_prepare(statement, sql, std::strlen(sql)) != 0)
        die(sql, statement ? mysql_stmt_error(statement) : mysql_error(m_conn));
    m_statements[name] = statement;
}

void RawMariaDb::run(const char* name, const std::vector<const char*>& params)
{
    const auto it = m_statements.find(name);
    if (it == m_statements.end())
        die(name, "not prepared");
    MYSQL_STMT* statement = it->second;
    std::vector<MYSQL_BIND> in(params.size());
    std::vector<unsigned long> inLengths(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        std::memset(&in[i], 0, sizeof(MYSQL_BIND));
        if (!params[i]) {
            in[i].buffer_type = MYSQL_TYPE_NULL;
            continue;
        }
        inLengths[i] = std::strlen(params[i]);
        in[i].buffer_type = MYSQL_TYPE_STRING;
        in[i].buffer = const_cast<char*>(params[i]);
        in[i].buffer_length = inLengths[i];
        in[i].length = &inLengths[i];
    }
    if ((!in.empty() && mysql_stmt_bind_param(statement, in.data())) || mysql_stmt_execute(statement) != 0)
        die(name, mysql_stmt_error(statement));
    m_rows.clear();
    m_affected = qint64(mysql_stmt_affected_rows(statement));
    m_insertId = qint64(mysql_stmt_insert_id(statement));
    const unsigned columns = mysql_stmt_field_count(statement);
    if (columns == 0)
        return;
    std::vector<MYSQL_BIND> out(columns);
    std::vector<std::vector<char>> buffers(columns, std::vector<char>(columnBuffer));
    std::vector<unsigned long> lengths(columns);
    std::vector<my_bool> nulls(columns);
    for (unsigned i = 0; i < columns; ++i) {
        std::memset(&out[i], 0, sizeof(MYSQL_BIND));
        out[i].buffer_type = MYSQL_TYPE_STRING;
        out[i].buffer = buffers[i].data();
        out[i].buffer_length = columnBuffer;
        out[i].length = &lengths[i];
        out[i].is_null = &nulls[i];
    }
    if (mysql_stmt_bind_result(statement, out.data()) != 0)
        die(name, mysql_stmt_error(statement));
    for (;;) {
        const int fetched = mysql_stmt_fetch(statement);
        if (fetched == MYSQL_NO_DATA)
            break;
        if (fetched != 0)
            die(name,
                fetched == MYSQL_DATA_TRUNCATED ? "a value longer than the column buffer"
                                                : mysql_stmt_error(statement));
        std::vector<QByteArray>& row = m_rows.emplace_back(columns);
        for (unsigned i = 0; i < columns; ++i) {
            if (!nulls[i])
                row[i] = QByteArray(buffers[i].data(), qsizetype(lengths[i]));
        }
    }
    mysql_stmt_free_result(statement);
}

} // namespace qd::bench
