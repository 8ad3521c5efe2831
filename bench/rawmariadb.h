#pragma once

#include <QByteArray>
#include <QString>

#include <map>
#include <string>
#include <vector>

struct st_mysql;
struct st_mysql_stmt;

namespace qd::bench {

// The baseline side of the MariaDB figures (B20, B21): libmariadb's C API with nothing of ours in between, on a
// database whose tables and indexes TaskStore created. Statements are prepared once (mysql_stmt_prepare) and run with
// text parameters; rows come back as text. Any error ends the run: a baseline that silently did less work would make
// every ratio meaningless.
// Thread contract: one thread.
class RawMariaDb {
public:
    // `url`: a mariadb:// URL as DatabaseUrl parses it; its ?schema= names the database used (as TaskStore does).
    explicit RawMariaDb(const QString& url);
    ~RawMariaDb();
    RawMariaDb(const RawMariaDb&) = delete;
    RawMariaDb& operator=(const RawMariaDb&) = delete;

    // A statement without parameters; returns the first column of the first row, or an empty string.
    QByteArray exec(const char* sql);
    void prepare(const char* name, const char* sql);
    // Runs a prepared statement (nullptr: NULL); its rows stay readable until the next call (rows(), value()).
    void run(const char* name, const std::vector<const char*>& params);
    int rows() const { return int(m_rows.size()); }
    const QByteArray& value(int row, int column) const { return m_rows[std::size_t(row)][std::size_t(column)]; }
    // Of the last run: rows changed (an UPDATE's matched rows count only when their values change), the new id.
    qint64 affectedRows() const { return m_affected; }
    qint64 insertId() const { return m_insertId; }

private:
    st_mysql* m_conn = nullptr;
    std::map<std::string, st_mysql_stmt*> m_statements;
    std::vector<std::vector<QByteArray>> m_rows;
    qint64 m_affected = 0;
    qint64 m_insertId = 0;
};

// The server of a mariadb:// URL and the database of its ?schema= (the same URL with ?schema=NAME instead).
QString mariaDbUrlWithDatabase(const QString& url, const QString& database);

} // namespace qd::bench
