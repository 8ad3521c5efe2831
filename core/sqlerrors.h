#pragma once

#include "result.h"

#include <QLoggingCategory>
#include <QSqlError>

namespace qd {

Q_DECLARE_LOGGING_CATEGORY(lcStore)

// Turns a driver error into one of ours, with the SQLite meaning spelled out for the admin who reads it.
Error sqlError(const QSqlError& error, const QString& context);
// The same for a result code of the SQLite C API (see SqliteStatement).
Error sqliteError(int resultCode, const QString& detail, const QString& context);

} // namespace qd
