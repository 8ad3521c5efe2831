#pragma once

#include <QtGlobal>

namespace qd {

class TaskStore;

// Keeps SQLite's payload search index up with new tasks (TaskStore::indexSearchBatch): one batch a second while
// the writer is busy, batch after batch while it has nothing else to do. Searches read what is not indexed yet by
// LIKE, so falling behind under load costs search time, never results.
//
// Thread contract: the engine's writer thread only.
class SearchIndexer {
public:
    static constexpr int batchSize = 2000;

    explicit SearchIndexer(qint64 intervalMs)
        : m_intervalMs(intervalMs)
    { }
    // Enabled when the store has the index, may write and intervalMs > 0.
    void start(TaskStore& store, qint64 now);
    // When the next batch is due; 0 when disabled.
    qint64 nextPassAt() const { return m_enabled ? m_nextPass : 0; }
    // Indexes a batch when one is due. `idle`: the cycle wrote nothing, so another batch may follow at once.
    void indexIfDue(TaskStore& store, qint64 now, bool idle);

private:
    qint64 m_intervalMs;
    bool m_enabled = false;
    bool m_behind = false; // the last batch was full
    qint64 m_nextPass = 0;
};

} // namespace qd
