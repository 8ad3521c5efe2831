#include "mariadbchangewatcher.h"

#include "sqlerrors.h"
#include "storeoptions.h"
#include "taskstore.h"

#include <QSqlQuery>

namespace qd {

MariaDbChangeWatcher::MariaDbChangeWatcher(
    QString location, std::shared_ptr<std::atomic<qint64>> ownVersion, std::function<void()> onForeignCommit)
    : m_location(std::move(location))
    , m_ownVersion(std::move(ownVersion))
    , m_onForeignCommit(std::move(onForeignCommit))
    , m_thread([this] { run(); })
{ }

MariaDbChangeWatcher::~MariaDbChangeWatcher()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_stopped.notify_all();
    m_thread.join();
}

bool MariaDbChangeWatcher::sleepFor(int ms)
{
    std::unique_lock lock(m_mutex);
    return !m_stopped.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_stopping; });
}

void MariaDbChangeWatcher::run()
{
    // A read-only store of its own: the same connection setup, reconnection included, on this thread.
    StoreOptions options;
    options.path = m_location;
    options.readOnly = true;
    std::unique_ptr<TaskStore> store;
    qint64 seen = -1;
    bool warned = false;
    do {
        if (!store) {
            auto opened = TaskStore::open(options);
            if (!opened) {
                if (!std::exchange(warned, true))
                    qCWarning(lcStore) << "change watcher:" << opened.errorString() << "- trying again every second";
                if (!sleepFor(1000))
                    break;
                continue;
            }
            store = std::move(opened).value();
            warned = false;
        }
        qint64 version = -1;
        {
            QSqlQuery q(store->database());
            if (q.exec(QStringLiteral("SELECT version FROM queuedesk_changes WHERE id = 1")) && q.next())
                version = q.value(0).toLongLong();
        }
        if (version < 0) {
            store.reset();
            seen = -1;
            m_onForeignCommit(); // what happened while the server was away is unknown
            continue;
        }
        if (seen >= 0 && version != seen && version != m_ownVersion->load())
            m_onForeignCommit();
        seen = version;
    } while (sleepFor(pollMs));
}

} // namespace qd
