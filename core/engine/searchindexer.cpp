// The engine's pass over new tasks that keeps the payload search index up (see searchindexer.h).
#include "searchindexer.h"

#include "enginelog.h"

#include "core/taskstore.h"

namespace qd {

void SearchIndexer::start(TaskStore& store, qint64 now)
{
    m_enabled = m_intervalMs > 0 && store.hasSearchIndex() && !store.isReadOnly();
    m_behind = true;
    m_nextPass = now;
}

void SearchIndexer::indexIfDue(TaskStore& store, qint64 now, bool idle)
{
    if (!m_enabled || now < m_nextPass || store.inTransaction())
        return;
    auto passed = store.indexSearchBatch(batchSize);
    if (!passed) {
        qCWarning(lcEngine) << passed.errorString();
        m_behind = false;
    } else {
        m_behind = *passed >= batchSize;
    }
    m_nextPass = m_behind && idle ? now : now + m_intervalMs;
}

} // namespace qd
