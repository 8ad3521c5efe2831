#pragma once

#include "core/databasetls.h"

#include <QByteArray>
#include <QString>

#include <vector>

struct pg_conn;
struct pg_result;

namespace qd::bench {

// The baseline side of the PostgreSQL figures: libpq with nothing of ours in between, on a schema whose tables and
// indexes TaskStore created. Statements are prepared once (PQprepare) and run with PQexecPrepared, text parameters.
// Any error ends the run: a baseline that silently did less work would make every ratio meaningless.
// Thread contract: one thread.
class RawPostgres {
public:
    // `url`: a postgresql:// URL as DatabaseUrl parses it; its ?schema= becomes the search_path.
    explicit RawPostgres(const QString& url);
    ~RawPostgres();
    RawPostgres(const RawPostgres&) = delete;
    RawPostgres& operator=(const RawPostgres&) = delete;

    // A statement without parameters; returns the first column of the first row, or an empty string.
    QByteArray exec(const char* sql);
    void prepare(const char* name, const char* sql);
    // Runs a prepared statement; the result stays valid until the next call (rows(), value()).
    void run(const char* name, const std::vector<const char*>& params);
    int rows() const;
    const char* value(int row, int column) const;

private:
    void clear();

    pg_conn* m_conn = nullptr;
    pg_result* m_result = nullptr;
};

// The parts of a postgresql:// URL that libpq needs, plus the schema; exits on a URL DatabaseUrl rejects.
struct PgTarget {
    QString host, user, password, database, schema;
    int port = 5432;
    DatabaseTls tls; // the URL's sslmode, sslrootcert, sslcert, sslkey: the baseline connects as the product does
};
PgTarget parsePgTarget(const QString& url);

// The same server and database as `url`, in schema `schema` (replacing any ?schema= of url).
QString pgUrlWithSchema(const QString& url, const QString& schema);

} // namespace qd::bench
