#pragma once

#include <QString>
#include <QStringList>

namespace qd {

// Every statement whose text differs between database engines, in one place per backend, so that a PostgreSQL
// twin is a second instance of this struct rather than a rewrite of TaskStore.
struct SqlDialect {
    QString name;
    // migrations[i] brings the schema from version i to i + 1; each entry is a list of statements.
    QList<QStringList> migrations;
    // Takes the write lock at the start, so a transaction never fails half-way on a lock upgrade.
    QString beginWrite;
    // Binds :now, :owner, :lease_until, :queue, :limit; returns the claimed rows' columns (taskColumns order).
    QString claim;
    // Inserts a queue row unless it exists. Binds :name, :now.
    QString ensureQueue;
    // Case-insensitive substring match, one positional parameter holding the pattern with % around it.
    QString searchCondition;
};

const SqlDialect& sqliteDialect();

// The columns of `tasks` in the order TaskStore reads them.
QString taskColumns();

} // namespace qd
