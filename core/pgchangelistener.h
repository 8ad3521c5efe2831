#pragma once

#include "databaseurl.h"

#include <QString>

#include <atomic>
#include <functional>
#include <thread>

namespace qd {

// Wakes the engine's writer at once when another connection commits to the same PostgreSQL database: LISTEN on a
// connection of its own, waited on with poll() beside a stop pipe (workers on other hosts enqueue, cancel or pause;
// this is how they reach us without the writer polling fast). The writer then asks TaskStore::dataVersion() what
// changed, so an extra wake costs one check and a missed one is caught by the writer's own slow poll. While the
// server is away it reconnects every second.
// Thread contract: constructed and destroyed by the writer; onForeignCommit runs on the listener's own thread.
class PgChangeListener {
public:
    PgChangeListener(DatabaseUrl url, QString channel, std::function<void()> onForeignCommit);
    ~PgChangeListener(); // stops and joins
    PgChangeListener(const PgChangeListener&) = delete;
    PgChangeListener& operator=(const PgChangeListener&) = delete;

    // The writer's own connection: notifications of its commits wake nobody.
    void ignoreBackend(int serverProcessId) { m_ignoredBackend.store(serverProcessId); }

private:
    void run();

    const DatabaseUrl m_url;
    const QString m_channel;
    const std::function<void()> m_onForeignCommit;
    std::atomic<int> m_ignoredBackend {0};
    int m_stopPipe[2] = {-1, -1};
    std::thread m_thread;
};

} // namespace qd
