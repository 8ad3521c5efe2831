#include "walcheckpointer.h"

#include <QLoggingCategory>
#include <QScopeGuard>

#include <sqlite3.h>

namespace qd {

Q_LOGGING_CATEGORY(lcCheckpoint, "qd.core.checkpoint")

WalCheckpointer::WalCheckpointer(QString path, int busyTimeoutMs)
    : m_path(std::move(path))
    , m_busyTimeoutMs(busyTimeoutMs)
{
    m_thread = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

quint64 WalCheckpointer::request()
{
    quint64 pass = 0;
    {
        std::lock_guard lock(m_mutex);
        m_requested = true;
        pass = m_started + 1; // a pass that is running now began before this request
    }
    m_wake.notify_all();
    return pass;
}

quint64 WalCheckpointer::finishedPasses() const
{
    std::lock_guard lock(m_mutex);
    return m_finished;
}

void WalCheckpointer::waitUntilIdle()
{
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return !m_checkpointing && !m_requested; });
}

int WalCheckpointer::completedCheckpoints() const
{
    std::lock_guard lock(m_mutex);
    return m_completed;
}

void WalCheckpointer::run()
{
    sqlite3* db = nullptr;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_requested || m_stop; });
            if (m_stop)
                break;
            m_requested = false;
            m_checkpointing = true;
            ++m_started;
        }
        // Whichever way this pass ends, a writer waiting in waitUntilIdle() goes on.
        const auto idle = qScopeGuard([this] {
            {
                std::lock_guard lock(m_mutex);
                m_checkpointing = false;
                ++m_finished;
            }
            m_idle.notify_all();
        });
        if (!db) {
            // Opened on first use, on this thread: SQLite keeps its own file locks right for several connections
            // of one process, and a database that has never needed a checkpoint never sees this connection.
            const QByteArray path = m_path.toUtf8();
            if (sqlite3_open_v2(path.constData(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr)
                != SQLITE_OK) {
                qCWarning(lcCheckpoint) << "cannot open" << m_path << "for checkpoints:" << sqlite3_errmsg(db);
                sqlite3_close(db);
                db = nullptr;
                continue;
            }
            sqlite3_busy_timeout(db, m_busyTimeoutMs);
            // SQLite opens a connection's WAL with its first read: until then a checkpoint finds no WAL and returns
            // SQLITE_OK having done nothing (-1 frames), and the writer was left to checkpoint by itself.
            if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) != SQLITE_OK)
                qCWarning(lcCheckpoint) << "cannot read" << m_path << "for checkpoints:" << sqlite3_errmsg(db);
        }
        int walFrames = 0;
        int copied = 0;
        const int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &walFrames, &copied);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
            qCWarning(lcCheckpoint) << "checkpoint of" << m_path << "failed:" << sqlite3_errmsg(db);
            continue;
        }
        if (copied <= 0)
            continue; // nothing to copy (or no WAL: see above)
        std::lock_guard lock(m_mutex);
        ++m_completed;
    }
    sqlite3_close(db);
}

} // namespace qd
