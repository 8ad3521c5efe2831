// The MariaDB (10.6+) and MySQL (8.0+) dialect. Like PostgreSQL's, it is derived from the SQLite one rather than
// written a third time: the schema and most statements are SQLite's, translated by the rules below. The session runs
// with ANSI_QUOTES, PIPES_AS_CONCAT and NO_BACKSLASH_ESCAPES (see mariadbconnection.cpp), so standard SQL reads the
// same here. What MariaDB lacks, UPDATE ... RETURNING (and a DELETE ... RETURNING whose rows Qt's driver can read
// from a prepared statement), TaskStore::updateReturning() builds from splitUpdateReturning().
#include "sqldialect.h"

#include <QRegularExpression>

namespace qd {

namespace {

// Large texts (payloads, results, errors, details, configs, alert rules and their history, settings, the audit log's
// targets and filters) become LONGTEXT; every other TEXT column is a name or a key that an index holds, which InnoDB
// needs bounded: VARCHAR(255), enforced by the session's strict mode.
QString translatedStatement(QString statement)
{
    static const QRegularExpression largeText(QStringLiteral(
        R"(\b(payload|result|last_error|detail|config|definition|states|message|rule_name|value_json|target|task_filter) TEXT\b)"));
    static const QRegularExpression partialIndexOnValue(QStringLiteral(R"(ON (\w+)\(([^)]*)\) WHERE (\w+) = '\w+'$)"));
    static const QRegularExpression partialIndexNotNull(QStringLiteral(R"( WHERE \w+ IS NOT NULL$)"));
    statement.replace(
        QLatin1String("CAST(strftime('%s','now') AS INTEGER) * 1000"), QLatin1String("UNIX_TIMESTAMP() * 1000"));
    statement.replace(largeText, QStringLiteral("\\1 LONGTEXT"));
    statement.replace(QLatin1String(" TEXT"), QLatin1String(" VARCHAR(255)"));
    statement.replace(QLatin1String(" INTEGER PRIMARY KEY"), QLatin1String(" BIGINT AUTO_INCREMENT PRIMARY KEY"));
    statement.replace(QLatin1String(" INTEGER"), QLatin1String(" BIGINT"));
    statement.replace(QLatin1String(" REAL"), QLatin1String(" DOUBLE"));
    statement.replace(QLatin1String(") WITHOUT ROWID"), QLatin1String(")"));
    // No partial indexes: an index on (state, ...) serves a partial index on one state; a UNIQUE index allows any
    // number of NULLs anyway.
    statement.replace(partialIndexOnValue, QStringLiteral("ON \\1(\\3, \\2)"));
    statement.replace(partialIndexNotNull, QString());
    // Each statement may run again after a migration stopped half-way (MariaDB's DDL commits at once, so a
    // migration is not one transaction): IF NOT EXISTS and IGNORE make that harmless.
    if (statement.startsWith(QLatin1String("CREATE TABLE ")))
        statement = QLatin1String("CREATE TABLE IF NOT EXISTS ") + statement.mid(13)
            + QLatin1String(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
    else if (statement.startsWith(QLatin1String("CREATE INDEX ")))
        statement = QLatin1String("CREATE INDEX IF NOT EXISTS ") + statement.mid(13);
    else if (statement.startsWith(QLatin1String("CREATE UNIQUE INDEX ")))
        statement = QLatin1String("CREATE UNIQUE INDEX IF NOT EXISTS ") + statement.mid(20);
    else if (statement.startsWith(QLatin1String("INSERT INTO ")))
        statement = QLatin1String("INSERT IGNORE INTO ") + statement.mid(12);
    else if (statement.startsWith(QLatin1String("ALTER TABLE ")))
        statement.replace(QLatin1String(" ADD COLUMN "), QLatin1String(" ADD COLUMN IF NOT EXISTS "));
    return statement;
}

QList<QStringList> translatedMigrations(const QList<QStringList>& sqliteMigrations)
{
    QList<QStringList> result;
    for (const QStringList& migration : sqliteMigrations) {
        QStringList statements;
        for (const QString& statement : migration) {
            if (!isSqliteOnlyStatement(statement)) // MariaDB searches with LIKE
                statements.append(translatedStatement(statement));
        }
        result.append(statements);
    }
    return result;
}

// SQLite's numbered parameters (?1, ?2...) as plain ones: every statement that uses them binds them in order.
QString plainParameters(QString sql)
{
    static const QRegularExpression numbered(QStringLiteral(R"(\?\d+)"));
    return sql.replace(numbered, QStringLiteral("?"));
}

// Statements shared with SQLite and PostgreSQL in MariaDB's words: upserts, casts, SQLite's index hints.
QString adaptStatement(const QString& sql)
{
    static const QRegularExpression upsert(QStringLiteral(R"((?: WHERE true)? ON CONFLICT ?\([^)]*\) DO UPDATE SET)"));
    static const QRegularExpression ignore(QStringLiteral(R"( ON CONFLICT ?\((\w+)\) DO NOTHING)"));
    static const QRegularExpression excluded(QStringLiteral(R"(\bexcluded\.(\w+))"));
    static const QRegularExpression indexedBy(QStringLiteral(R"( INDEXED BY \w+)"));
    QString result = sql;
    result.replace(upsert, QStringLiteral(" ON DUPLICATE KEY UPDATE"));
    result.replace(ignore, QStringLiteral(" ON DUPLICATE KEY UPDATE \\1 = \\1"));
    result.replace(excluded, QStringLiteral("VALUES(\\1)"));
    result.replace(indexedBy, QString());
    result.replace(QLatin1String(" AS BIGINT)"), QLatin1String(" AS SIGNED)"));
    result.replace(QLatin1String(" AS INTEGER)"), QLatin1String(" AS SIGNED)"));
    result.replace(QLatin1String(" AS TEXT)"), QLatin1String(" AS CHAR)"));
    result.replace(QLatin1String(" AS DOUBLE PRECISION)"), QLatin1String(" AS DOUBLE)"));
    return result;
}

// The index of `word` in sql outside parentheses, from `from`; -1 when absent.
qsizetype topLevelIndexOf(const QString& sql, QLatin1String word, qsizetype from)
{
    int depth = 0;
    for (qsizetype i = from; i < sql.size(); ++i) {
        const QChar c = sql.at(i);
        if (c == QLatin1Char('('))
            ++depth;
        else if (c == QLatin1Char(')'))
            --depth;
        else if (depth == 0 && QStringView(sql).mid(i).startsWith(word))
            return i;
    }
    return -1;
}

} // namespace

SplitUpdate splitUpdateReturning(const QString& sql, const QString& lock)
{
    const QString statement = adaptStatement(sql);
    const bool isDelete = statement.startsWith(QLatin1String("DELETE FROM "));
    if (!isDelete && !statement.startsWith(QLatin1String("UPDATE ")))
        return {};
    // UPDATE table SET ... [WHERE ...] RETURNING ..., or DELETE FROM table [WHERE ...] RETURNING ...
    const qsizetype tableStart = isDelete ? 12 : 7;
    const qsizetype set = isDelete ? -1 : statement.indexOf(QLatin1String(" SET "));
    const qsizetype afterTable = isDelete ? tableStart : set;
    const qsizetype where = topLevelIndexOf(statement, QLatin1String(" WHERE "), afterTable);
    const qsizetype returning = topLevelIndexOf(statement, QLatin1String(" RETURNING "), afterTable);
    if (afterTable < 0 || returning < 0)
        return {};
    const qsizetype tableEnd = isDelete ? (where < 0 ? returning : where) : set;
    const QString table = statement.mid(tableStart, tableEnd - tableStart);
    const QString condition = where < 0 ? QStringLiteral("1 = 1") : statement.mid(where + 7, returning - where - 7);
    const QString setClause = isDelete ? QString() : statement.mid(set + 5, (where < 0 ? returning : where) - set - 5);
    SplitUpdate split;
    split.pick = QLatin1String("SELECT ") + statement.mid(returning + 11) + QLatin1String(", id FROM ") + table
        + QLatin1String(" WHERE ") + condition + QLatin1String(" ORDER BY id") + lock;
    split.update = isDelete ? QString(QLatin1String("DELETE FROM ") + table)
                            : QString(QLatin1String("UPDATE ") + table + QLatin1String(" SET ") + setClause);
    split.update += QLatin1String(" WHERE id IN (");
    split.setParameters = int(setClause.count(QLatin1Char('?')));
    return split;
}

const SqlDialect& mariaDbDialect()
{
    static const SqlDialect dialect = [] {
        const SqlDialect& sqlite = sqliteDialect();
        SqlDialect d;
        d.name = QStringLiteral("mariadb");
        d.engine = SqlDialect::Engine::MariaDb;
        d.server = true;
        d.updateReturning = false;
        d.adapt = adaptStatement;
        d.migrations = translatedMigrations(sqlite.migrations);
        d.addCountDelta = adaptStatement(sqlite.addCountDelta);
        // READ COMMITTED (set for the session): row locks only, no gap locks, so claims skip instead of waiting.
        d.beginWrite = QStringLiteral("START TRANSACTION");
        // Picked and locked as SQLite picks them, skipping rows another host holds; TaskStore::claim() takes each.
        const QString pick = sqlite.claim + QLatin1String(" FOR UPDATE SKIP LOCKED");
        d.claim = pick;
        d.claimAhead = pick;
        d.claimTake = plainParameters(sqlite.claimTake);
        // The ahead claim leaves the first parameter unbound: started_at is NULL until the real start.
        d.claimTakeAhead
            = QStringLiteral("UPDATE tasks SET started_at = ?, state = 'running',"
                             " attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, cancel_requested = 0"
                             " WHERE id = ?");
        d.ensureQueue = adaptStatement(sqlite.ensureQueue);
        // Columns compare as utf8mb4_bin (idempotency keys and names are exact); a search ignores case.
        d.searchCondition = QStringLiteral("(payload COLLATE utf8mb4_general_ci LIKE ? ESCAPE '\\'"
                                           " OR last_error COLLATE utf8mb4_general_ci LIKE ? ESCAPE '\\')");
        d.searchPlainCondition = QStringLiteral(
            "((payload COLLATE utf8mb4_general_ci LIKE ? ESCAPE '\\' AND payload NOT LIKE 'qdenc1:%')"
            " OR (last_error COLLATE utf8mb4_general_ci LIKE ? ESCAPE '\\' AND last_error NOT LIKE 'qdenc1:%'))");
        // SQLite's insert binds the queue's defaults, read once per call; the id comes back as the insert id.
        d.insertTask = sqlite.insertTask;
        d.bindsQueueDefaults = true;
        // A join locks the rows of both tables; the queue's row only briefly, until the failing task commits.
        d.lockTaskRow = QStringLiteral(" FOR UPDATE");
        // SQLite's, taken apart by TaskStore::updateReturning() (rows another host holds are skipped).
        d.stageDueTasks = adaptStatement(sqlite.stageDueTasks);
        d.recoverLeasesExhausted = adaptStatement(sqlite.recoverLeasesExhausted);
        d.recoverLeasesRequeue = adaptStatement(sqlite.recoverLeasesRequeue);
        d.nextScheduledRunAt = adaptStatement(sqlite.nextScheduledRunAt);
        // The fenced writes are SQLite's; the queue and start are read after them (taskQueueAndStart).
        d.completeTask = sqlite.completeTask;
        d.startClaimedAhead = sqlite.startClaimedAhead;
        d.giveBackCancelled = sqlite.giveBackCancelled;
        d.giveBackQueued = sqlite.giveBackQueued;
        d.finishCancelled = sqlite.finishCancelled;
        d.releaseTask = sqlite.releaseTask;
        d.taskQueueAndStart = plainParameters(sqlite.taskQueueAndStart);
        // Several writers: every event is read, to see holes in the ids (as on PostgreSQL).
        d.eventActivity = postgresDialect().eventActivity;
        d.auditRole = QStringLiteral("CURRENT_USER()");
        return d;
    }();
    return dialect;
}

} // namespace qd
