// SQLite WAL checkpoints handed to a WalCheckpointer (see TaskStore::handOverCheckpoints).
#include "taskstore_p.h"

#include "core/walcheckpointer.h"

#include <sqlite3.h>

namespace qd {

using namespace storeimpl;

bool TaskStore::handOverCheckpoints(int walFrames, WalCheckpointer& checkpointer)
{
    if (m_options.readOnly || !m_sqlite || !exec(QStringLiteral("PRAGMA wal_autocheckpoint = 0")))
        return false;
    m_checkpointFrames = walFrames;
    m_checkpointer = &checkpointer;
    m_spacedCheckpoints = m_options.durability == Durability::Full;
    sqlite3_wal_hook(
        m_sqlite,
        [](void* self, sqlite3*, const char*, int frames) -> int {
            auto* store = static_cast<TaskStore*>(self);
            const int bound = store->m_checkpointFrames;
            store->m_walFrames = frames;
            if (frames < store->m_passAskedAt)
                store->m_passAskedAt = 0; // the WAL started over
            if (frames >= bound * 4) {
                store->finishCheckpoint();
            } else if (frames >= bound
                && (!store->m_spacedCheckpoints || store->m_passAskedAt == 0
                    || frames >= store->m_passAskedAt + bound)) {
                store->m_passAskedAt = frames;
                store->m_pass = store->m_checkpointer->request();
            }
            return SQLITE_OK;
        },
        this);
    return true;
}

bool TaskStore::checkpointDue() const
{
    if (m_truncateWal)
        return true;
    return m_spacedCheckpoints && m_pass != 0 && m_walFrames >= m_checkpointFrames
        && m_checkpointer->finishedPasses() >= m_pass;
}

void TaskStore::requestWalTruncation()
{
    m_truncateWal = m_sqlite != nullptr && m_checkpointer != nullptr;
}

void TaskStore::finishCheckpoint()
{
    // After the checkpointer's pass, if one runs: SQLite gives up at once, never waiting, on the checkpoint lock
    // another connection holds, and a checkpoint given up would leave the WAL to grow.
    m_checkpointer->waitUntilIdle();
    sqlite3_wal_checkpoint_v2(m_sqlite, nullptr,
        std::exchange(m_truncateWal, false) ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    m_pass = 0; // until the checkpointer's next pass: a WAL a reader holds on to would otherwise be copied at
                // every idle moment
}

} // namespace qd
