#pragma once

#include "core/databaseurl.h"

#include <QString>

struct st_mysql;

namespace qd::storeimpl {

// TLS on a MariaDB connection opened through Qt's QMYSQL driver, which (Qt 6.4) passes only SSL_CA, SSL_CERT and
// SSL_KEY to the client library: the client checks the CA's chain itself, but neither insists on TLS nor checks the
// host name. checkMariaDbTls() does both on the open connection, before QueueDesk runs its first statement.

// QMYSQL connect options for url's TLS ("" when it asks for none), each led by ';'.
QString mariaDbTlsConnectOptions(const DatabaseTls& tls);
// On the connection just opened: encrypted when the mode requires it, the chain verified (verify-ca), the
// certificate naming url.host (verify-full). The error names what failed and never the key's path.
Status checkMariaDbTls(st_mysql* connection, const DatabaseUrl& url);

} // namespace qd::storeimpl
