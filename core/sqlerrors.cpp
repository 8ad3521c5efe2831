#include "sqlerrors.h"

namespace qd {

Q_LOGGING_CATEGORY(lcStore, "qd.core.store")

Error sqlError(const QSqlError& error, const QString& context)
{
    bool numeric = false;
    const int primary = error.nativeErrorCode().toInt(&numeric) & 0xff;
    const QString detail = error.databaseText().isEmpty() ? error.text() : error.databaseText();
    const QString message = context + QLatin1String(": ") + detail;
    if (!numeric)
        return {ErrorCode::Internal, message};
    switch (primary) {
    case 5: // SQLITE_BUSY
    case 6: // SQLITE_LOCKED
        return {ErrorCode::DatabaseLocked,
            context + QLatin1String(": the database is locked by another program (") + detail + QLatin1Char(')')};
    case 13: // SQLITE_FULL
        return {ErrorCode::DatabaseFull,
            context + QLatin1String(": the database or disk is full; nothing of this change was written")};
    case 8: // SQLITE_READONLY
        return {ErrorCode::ReadOnly, context + QLatin1String(": the database is read-only (") + detail + QLatin1Char(')')};
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

} // namespace qd
