#include "sqlerrors.h"

namespace qd {

Q_LOGGING_CATEGORY(lcStore, "qd.core.store")

namespace {

// A privilege the login's role lacks (see core/accessroles.h): refused like a write to a read-only database, and
// said so, since nothing of the change was written.
Error permissionDenied(const QString& context, const QString& detail)
{
    return {ErrorCode::ReadOnly,
        context + QLatin1String(": the database server refused it: this login's role may not do that (") + detail
            + QLatin1String("); see queuedesk-cli roles list. Nothing was changed.")};
}

// PostgreSQL reports a five-character SQLSTATE; SQLite a decimal result code of at most four digits.
Error postgresError(const QString& state, const QString& context, const QString& detail)
{
    const QString message = context + QLatin1String(": ") + detail;
    const QString stateClass = state.left(2);
    if (state == QLatin1String("40001") || state == QLatin1String("40P01") || state == QLatin1String("55P03"))
        return {ErrorCode::DatabaseLocked,
            context + QLatin1String(": another writer holds these rows; try again (") + detail + QLatin1Char(')')};
    if (state == QLatin1String("53100"))
        return {ErrorCode::DatabaseFull,
            context + QLatin1String(": the database server's disk is full; nothing of this change was written")};
    if (state == QLatin1String("25006"))
        return {
            ErrorCode::ReadOnly, context + QLatin1String(": the session is read-only (") + detail + QLatin1Char(')')};
    if (state == QLatin1String("42501")) // insufficient_privilege
        return permissionDenied(context, detail);
    if (stateClass == QLatin1String("23"))
        return {ErrorCode::InvalidArgument, message};
    if (stateClass == QLatin1String("08") || stateClass == QLatin1String("28") || state == QLatin1String("57P01")
        || state == QLatin1String("57P02") || state == QLatin1String("57P03"))
        return {ErrorCode::Unavailable, message};
    if (state == QLatin1String("3D000"))
        return {ErrorCode::NotFound, message};
    if (state == QLatin1String("XX001") || state == QLatin1String("XX002"))
        return {ErrorCode::Corrupt, message};
    return {ErrorCode::Internal, message};
}

// MariaDB and MySQL number their errors from 1000 (server) and 2000 (client).
Error mariaDbError(int code, const QString& context, const QString& detail)
{
    const QString message = context + QLatin1String(": ") + detail;
    switch (code) {
    case 1205: // ER_LOCK_WAIT_TIMEOUT
    case 1213: // ER_LOCK_DEADLOCK
        return {ErrorCode::DatabaseLocked,
            context + QLatin1String(": another writer holds these rows; try again (") + detail + QLatin1Char(')')};
    case 1021: // ER_DISK_FULL
    case 1114: // ER_RECORD_FILE_FULL
        return {ErrorCode::DatabaseFull,
            context + QLatin1String(": the database server's disk is full; nothing of this change was written")};
    case 1290: // ER_OPTION_PREVENTS_STATEMENT (--read-only)
    case 1792: // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
        return {
            ErrorCode::ReadOnly, context + QLatin1String(": the session is read-only (") + detail + QLatin1Char(')')};
    case 1142: // ER_TABLEACCESS_DENIED_ERROR
    case 1143: // ER_COLUMNACCESS_DENIED_ERROR
    case 1227: // ER_SPECIFIC_ACCESS_DENIED_ERROR
        return permissionDenied(context, detail);
    case 1048: // ER_BAD_NULL_ERROR
    case 1062: // ER_DUP_ENTRY
    case 1264: // ER_WARN_DATA_OUT_OF_RANGE
    case 1366: // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
    case 1406: // ER_DATA_TOO_LONG
    case 1451: // ER_ROW_IS_REFERENCED_2
    case 1452: // ER_NO_REFERENCED_ROW_2
    case 3819: // ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
    case 4025: // ER_CONSTRAINT_FAILED (MariaDB)
        return {ErrorCode::InvalidArgument, message};
    case 1049: // ER_BAD_DB_ERROR
        return {ErrorCode::NotFound, message};
    case 1044: // ER_DBACCESS_DENIED_ERROR
    case 1045: // ER_ACCESS_DENIED_ERROR
    case 1053: // ER_SERVER_SHUTDOWN
    case 1927: // ER_CONNECTION_KILLED
    case 4031: // ER_CLIENT_INTERACTION_TIMEOUT
        return {ErrorCode::Unavailable, message};
    default:
        // 2000-2999: the client library's own (cannot connect, server gone away, lost during a query...).
        return {code >= 2000 && code < 3000 ? ErrorCode::Unavailable : ErrorCode::Internal, message};
    }
}

} // namespace

Error sqliteError(int resultCode, const QString& detail, const QString& context)
{
    const QString message = context + QLatin1String(": ") + detail;
    switch (resultCode & 0xff) {
    case 5: // SQLITE_BUSY
    case 6: // SQLITE_LOCKED
        return {ErrorCode::DatabaseLocked,
            context + QLatin1String(": the database is locked by another program (") + detail + QLatin1Char(')')};
    case 13: // SQLITE_FULL
        return {ErrorCode::DatabaseFull,
            context + QLatin1String(": the database or disk is full; nothing of this change was written")};
    case 8: // SQLITE_READONLY
        return {
            ErrorCode::ReadOnly, context + QLatin1String(": the database is read-only (") + detail + QLatin1Char(')')};
    case 11: // SQLITE_CORRUPT
    case 26: // SQLITE_NOTADB
        return {ErrorCode::Corrupt,
            context + QLatin1String(": the file is not a valid database or is damaged (") + detail + QLatin1Char(')')};
    case 10: // SQLITE_IOERR
    case 14: // SQLITE_CANTOPEN
        return {ErrorCode::Io, message};
    case 19: // SQLITE_CONSTRAINT
        return {ErrorCode::InvalidArgument, message};
    default:
        return {ErrorCode::Internal, message};
    }
}

Error sqlError(const QSqlError& error, const QString& context)
{
    const QString code = error.nativeErrorCode();
    const QString detail = error.databaseText().isEmpty() ? error.text() : error.databaseText();
    if (code.size() == 5)
        return postgresError(code, context, detail);
    bool numeric = false;
    const int resultCode = code.toInt(&numeric);
    if (!numeric) {
        // No code at all: the PostgreSQL driver's way of saying the connection is gone or never came up.
        if (error.type() == QSqlError::ConnectionError)
            return {ErrorCode::Unavailable, context + QLatin1String(": ") + detail};
        return {ErrorCode::Internal, context + QLatin1String(": ") + detail};
    }
    // Qt's MariaDB/MySQL driver starts its own text with its name (QMYSQL, QMYSQL3 for prepared statements).
    if (error.driverText().startsWith(QLatin1String("QMYSQL")))
        return mariaDbError(resultCode, context, detail);
    return sqliteError(resultCode, detail, context);
}

} // namespace qd
