// Transactions, savepoints and atomically(), and the state transitions they keep or drop.
#include "taskstore_p.h"

#include <sqlite3.h>

#include <chrono>

namespace qd {

using namespace storeimpl;

// --- transactions ---

Status TaskStore::begin()
{
    if (m_options.readOnly)
        return Error {ErrorCode::ReadOnly, QStringLiteral("The database is open read-only")};
    if (m_txDepth > 0)
        return Error {ErrorCode::Internal, QStringLiteral("A transaction is already open")};
    reconnectIfLost();
    Status began = execControl(m_dialect.beginWrite);
    if (!began && m_dialect.server) {
        // A server restart is noticed only by the first statement sent on the dead connection. Nothing has been
        // done yet, so connect again and begin once more instead of failing the caller.
        reconnectIfLost();
        began = execControl(m_dialect.beginWrite);
    }
    if (!began)
        return Error {began.error().code, QStringLiteral("Cannot start a write transaction: ") + began.errorString()};
    m_txDepth = 1;
    m_transitionsBefore = m_transitions.size(); // those of earlier transactions that nobody took yet
    // keys rotate may have named a new sealing key since the last transaction.
    if (m_encryption) {
        if (Status s = refreshSealingKey(); !s) {
            rollback();
            return s;
        }
    }
    return success();
}

Status TaskStore::commit()
{
    if (Status s = writeCountDeltas(); !s) {
        rollback();
        return s;
    }
    // Delivered when the commit is, to every other connection of this database (see dataVersion()): PostgreSQL's
    // notification, or MariaDB's change counter.
    if (Status s = m_dialect.postgres ? execPrepared(m_notifyChanges)
            : isMariaDb()             ? bumpChangeCounter()
                                      : success();
        !s) {
        rollback();
        return s;
    }
    if (Status s = execControl(QStringLiteral("COMMIT")); !s) {
        rollback();
        return Error {s.error().code, QStringLiteral("Cannot commit: ") + s.errorString()};
    }
    if (isMariaDb())
        ++m_ownChanges;
    m_txDepth = 0;
    return success();
}

void TaskStore::rollback()
{
    // SQLite has already rolled back a transaction that met a full disk or a lost lock: nothing to undo.
    if (m_sqlite && sqlite3_get_autocommit(m_sqlite))
        m_txDepth = 0;
    else if (Status s = execControl(QStringLiteral("ROLLBACK")); !s)
        qCDebug(lcStore) << "rollback:" << s.errorString(); // SQLite may already have rolled back (disk full)
    m_txDepth = 0;
    m_transitions.clear();
}

Status TaskStore::atomically(Undo undo, const std::function<Status()>& fn)
{
    if (m_txDepth == 0) {
        if (Status s = begin(); !s)
            return s;
        Status s = fn();
        if (!s) {
            rollback();
            return s;
        }
        return commit();
    }
    const auto steadyMs = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now().time_since_epoch())
            .count();
    };
    if (undo == Undo::Transaction && (m_sqlite || steadyMs() >= m_savepointsUntilMs)) {
        const sqlite3_int64 changesBefore = m_sqlite ? sqlite3_total_changes64(m_sqlite) : 0;
        const qsizetype mark = m_transitions.size();
        const int depth = m_txDepth++;
        Status s = fn();
        if (transactionEndedWithin())
            return transactionEnded(s);
        m_txDepth = depth;
        if (s)
            return s;
        // Whether fn wrote part of its change, which only the whole transaction can take back. SQLite counts changes;
        // on a server (no savepoint: two round trips saved per write) a fence that does not hold reports NotFound
        // before anything is written, and any other failure is taken as a partial write.
        const bool wrote
            = m_sqlite ? sqlite3_total_changes64(m_sqlite) != changesBefore : s.error().code != ErrorCode::NotFound;
        if (!wrote) {
            m_transitions.resize(mark);
            return s;
        }
        rollback();
        if (!m_sqlite)
            m_savepointsUntilMs = steadyMs() + 60'000; // the caller's retry isolates the failing write
        return s;
    }
    const QString savepoint = QStringLiteral("sp%1").arg(m_txDepth);
    if (Status s = execControl(QLatin1String("SAVEPOINT ") + savepoint); !s)
        return s;
    const qsizetype mark = m_transitions.size();
    const int depth = m_txDepth++;
    Status s = fn();
    if (transactionEndedWithin())
        return transactionEnded(s);
    m_txDepth = depth;
    if (!s) {
        // No savepoint to return to: the server ended the whole transaction (MariaDB rolls it all back on a
        // deadlock; a lost connection). The statements after it must not run on, each committing by itself.
        if (!execControl(QLatin1String("ROLLBACK TO ") + savepoint)) {
            rollback();
            return transactionEnded(s);
        }
        m_transitions.resize(mark);
    }
    if (Status released = execControl(QLatin1String("RELEASE SAVEPOINT ") + savepoint); !released && s)
        return released;
    return s;
}

// After a nested fn: whether the whole transaction was rolled back meanwhile, by SQLite itself (disk full, I/O
// error) or by a nested write without a savepoint (Undo::Transaction).
bool TaskStore::transactionEndedWithin() const
{
    return m_txDepth == 0 || (m_sqlite && sqlite3_get_autocommit(m_sqlite) != 0);
}

// There is no savepoint to return to, and nothing of the enclosing transaction survives: a success of fn's would
// now be a lie.
Status TaskStore::transactionEnded(const Status& s)
{
    m_txDepth = 0;
    m_transitions.clear();
    return s ? Status(Error {ErrorCode::Internal, QStringLiteral("The transaction ended early")}) : s;
}

QList<StateTransition> TaskStore::takeTransitions()
{
    return std::exchange(m_transitions, {});
}

} // namespace qd
