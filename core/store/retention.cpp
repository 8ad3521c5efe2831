// Retention: ended tasks older than the database's retention.endedTasksDays deleted with their history, in small
// batches the writer's maintenance takes one at a time (see RetentionSweeper).
#include "taskstore_p.h"

namespace qd {

using namespace storeimpl;

Result<TaskStore::RetentionBatch> TaskStore::purgeEndedBatch(
    TaskState state, qint64 afterId, int scanLimit, qint64 finishedBefore)
{
    if (!isFinal(state) || scanLimit < 1)
        return Error {ErrorCode::InvalidArgument, QStringLiteral("Retention takes ended tasks only")};
    RetentionBatch batch;
    batch.lastId = afterId;
    // A range of tasks_state(state, id): the cost is scanLimit rows, however many tasks there are.
    QSqlQuery& scan
        = prepared(QStringLiteral("SELECT id, finished_at FROM tasks WHERE state = ? AND id > ? ORDER BY id LIMIT ?"));
    scan.bindValue(0, taskStateName(state));
    scan.bindValue(1, afterId);
    scan.bindValue(2, scanLimit);
    if (!scan.exec())
        return sqlError(scan.lastError(), QStringLiteral("Cannot read ended tasks for retention"));
    QStringList old;
    int scanned = 0;
    while (scan.next()) {
        ++scanned;
        batch.lastId = scan.value(0).toLongLong();
        if (!scan.value(1).isNull() && scan.value(1).toLongLong() < finishedBefore)
            old.append(QString::number(batch.lastId));
    }
    scan.finish();
    batch.reachedEnd = scanned < scanLimit;
    if (old.isEmpty())
        return batch;
    Status s = atomically([&]() -> Status {
        // The state and age are checked again: another process may have retried a task since it was read. Rows
        // another writer holds are left for the next sweep.
        const QString ids = old.join(QLatin1Char(','));
        const QString chosen = QStringLiteral("id IN (%1) AND state = ? AND finished_at < ?").arg(ids);
        // PostgreSQL: locked rows are skipped here; MariaDB's updateReturning() skips them itself.
        const QString sql = m_dialect.postgres
            ? QStringLiteral("DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE %1 FOR UPDATE SKIP LOCKED)"
                             " RETURNING id, queue")
                  .arg(chosen)
            : QStringLiteral("DELETE FROM tasks WHERE %1 RETURNING id, queue").arg(chosen);
        auto deleted = updateReturning(sql, {taskStateName(state), finishedBefore}, {}, true, false);
        if (!deleted)
            return Error {deleted.error().code, QStringLiteral("Cannot delete old tasks: ") + deleted.errorString()};
        if (deleted->isEmpty())
            return success();
        QStringList gone;
        for (const QVariantList& row : std::as_const(*deleted)) {
            gone.append(row.at(0).toString());
            m_transitions.append({row.at(0).toLongLong(), row.at(1).toString(), state, std::nullopt});
        }
        QSqlQuery events(m_db);
        if (!events.exec(
                QStringLiteral("DELETE FROM task_events WHERE task_id IN (%1)").arg(gone.join(QLatin1Char(',')))))
            return sqlError(events.lastError(), QStringLiteral("Cannot delete old tasks' history"));
        batch.purged = deleted->size();
        return clampSearchCursor();
    });
    if (!s)
        return s.error();
    return batch;
}

} // namespace qd
