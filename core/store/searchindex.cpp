// SQLite's payload search index (schema 9): the background pass that fills it after a cursor of task ids, and the
// cursor's repair after a purge.
#include "taskstore_p.h"

namespace qd {

using namespace storeimpl;

Status TaskStore::detectSearchIndex()
{
    m_searchIndexed = false;
    if (!m_options.useSearchIndex || m_dialect.engine != SqlDialect::Engine::Sqlite)
        return success();
    StoreStatement q = statement(
        QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'task_search_cursor'"));
    const bool present = q.next() && q.integer(0) > 0;
    if (!q.finish())
        return q.error(QStringLiteral("Cannot read the schema"));
    m_searchIndexed = present;
    return success();
}

Result<qint64> TaskStore::indexSearchBatch(int limit)
{
    if (!m_searchIndexed)
        return qint64(0);
    qint64 passed = 0;
    Status s = atomically([&]() -> Status {
        StoreStatement cursor = statement(QStringLiteral("SELECT last_task_id FROM task_search_cursor"));
        const qint64 from = cursor.next() ? cursor.integer(0) : 0;
        if (!cursor.finish())
            return cursor.error(QStringLiteral("Cannot read the search index's cursor"));
        StoreStatement last = statement(QStringLiteral(
            "SELECT coalesce(max(id), 0), count(*) FROM (SELECT id FROM tasks WHERE id > ?1 ORDER BY id LIMIT ?2)"));
        last.bind(1, from);
        last.bind(2, limit);
        const bool read = last.next();
        const qint64 to = read ? last.integer(0) : 0;
        passed = read ? last.integer(1) : 0;
        if (!last.finish())
            return last.error(QStringLiteral("Cannot read the tasks to index"));
        if (passed == 0)
            return success();
        // Sealed payloads are ciphertext: a search never matches them (see searchPlainCondition).
        StoreStatement insert
            = statement(QStringLiteral("INSERT INTO task_search(rowid, payload) SELECT id, payload FROM tasks"
                                       " WHERE id > ?1 AND id <= ?2 AND payload NOT LIKE 'qdenc1:%'"));
        insert.bind(1, from);
        insert.bind(2, to);
        if (!insert.run())
            return insert.error(QStringLiteral("Cannot index payloads for search"));
        StoreStatement move = statement(QStringLiteral("UPDATE task_search_cursor SET last_task_id = ?1"));
        move.bind(1, to);
        if (!move.run())
            return move.error(QStringLiteral("Cannot move the search index's cursor"));
        return success();
    });
    if (!s)
        return s.error();
    return passed;
}

Status TaskStore::clampSearchCursor()
{
    if (!m_searchIndexed)
        return success();
    // SQLite gives a new task the highest id + 1, so ids above the highest left are used again: they must be indexed
    // again. Entries of deleted tasks stay in the index; a search checks every candidate with LIKE.
    StoreStatement clamp = statement(
        QStringLiteral("UPDATE task_search_cursor SET last_task_id = (SELECT coalesce(max(id), 0) FROM tasks)"
                       " WHERE last_task_id > (SELECT coalesce(max(id), 0) FROM tasks)"));
    if (!clamp.run())
        return clamp.error(QStringLiteral("Cannot move the search index's cursor"));
    return success();
}

} // namespace qd
