#include "pgchangelistener.h"

#include "sqlerrors.h"

#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <memory>
#include <vector>

namespace qd {

namespace {

struct ConnectionCloser {
    void operator()(PGconn* connection) const { PQfinish(connection); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;

Connection connectTo(const DatabaseUrl& url)
{
    const QByteArray host = url.host.toUtf8(), port = QByteArray::number(url.port), user = url.user.toUtf8(),
                     password = url.password.toUtf8(), database = url.databaseName.toUtf8();
    std::vector<const char*> keys {"host", "port", "user", "password", "dbname", "connect_timeout", "application_name"};
    std::vector<const char*> values {host.isEmpty() ? nullptr : host.constData(), port.constData(),
        user.isEmpty() ? nullptr : user.constData(), password.isEmpty() ? nullptr : password.constData(),
        database.constData(), "5", "queuedesk-listener"};
    // The same TLS as the store's own connection: the listener must not be the one connection left unverified.
    const QList<std::pair<QByteArray, QByteArray>> tls = libpqTlsParameters(url.tls);
    for (const auto& [key, value] : tls) {
        keys.push_back(key.constData());
        values.push_back(value.constData());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    return Connection(PQconnectdbParams(keys.data(), values.data(), 0));
}

} // namespace

PgChangeListener::PgChangeListener(DatabaseUrl url, QString channel, std::function<void()> onForeignCommit)
    : m_url(std::move(url))
    , m_channel(std::move(channel))
    , m_onForeignCommit(std::move(onForeignCommit))
{
    if (::pipe(m_stopPipe) != 0) {
        qCWarning(lcStore) << "no pipe for the PostgreSQL listener; other hosts' work is seen by polling only";
        return;
    }
    m_thread = std::thread([this] { run(); });
}

PgChangeListener::~PgChangeListener()
{
    if (m_thread.joinable()) {
        const char stop = 1;
        [[maybe_unused]] const ssize_t written = ::write(m_stopPipe[1], &stop, 1);
        m_thread.join();
    }
    for (int fd : m_stopPipe) {
        if (fd >= 0)
            ::close(fd);
    }
}

void PgChangeListener::run()
{
    const QByteArray listen = "LISTEN \"" + m_channel.toUtf8() + '"';
    Connection connection;
    for (;;) {
        if (!connection || PQstatus(connection.get()) != CONNECTION_OK) {
            connection = connectTo(m_url);
            bool listening = PQstatus(connection.get()) == CONNECTION_OK;
            if (listening) {
                PGresult* result = PQexec(connection.get(), listen.constData());
                listening = PQresultStatus(result) == PGRES_COMMAND_OK;
                PQclear(result);
            }
            if (!listening) {
                connection.reset();
                pollfd stop {m_stopPipe[0], POLLIN, 0};
                if (::poll(&stop, 1, 1000) > 0)
                    return;
                continue;
            }
            m_onForeignCommit(); // whatever happened while we were away
        }
        pollfd fds[2] = {{m_stopPipe[0], POLLIN, 0}, {PQsocket(connection.get()), POLLIN, 0}};
        if (::poll(fds, 2, 60'000) < 0)
            continue;
        if (fds[0].revents != 0)
            return;
        if (fds[1].revents == 0)
            continue;
        if (PQconsumeInput(connection.get()) == 0) {
            connection.reset(); // the server went away: reconnect
            continue;
        }
        bool foreign = false;
        while (PGnotify* notification = PQnotifies(connection.get())) {
            foreign |= notification->be_pid != m_ignoredBackend.load();
            PQfreemem(notification);
        }
        if (foreign)
            m_onForeignCommit();
    }
}

} // namespace qd
