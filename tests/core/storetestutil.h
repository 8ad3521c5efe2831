#pragma once

// Helpers shared by the core tests: a fresh database per test and short task builders.
#include "core/taskstore.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

namespace qd::test {

// The core tests run on SQLite files, and again on throwaway servers: PostgreSQL (the *_postgres ctest entries,
// QD_TEST_POSTGRES_URL) and MariaDB (*_mariadb, QD_TEST_MARIADB_URL).
inline bool onPostgres()
{
    return !qEnvironmentVariableIsEmpty("QD_TEST_POSTGRES_URL");
}
inline bool onMariaDb()
{
    return !qEnvironmentVariableIsEmpty("QD_TEST_MARIADB_URL");
}
// On a database server rather than a SQLite file.
inline bool onServer()
{
    return onPostgres() || onMariaDb();
}

// A fresh database for one test: a file in dir, or a schema of its own on the server (a database, on MariaDB).
inline QString testDatabase(const QTemporaryDir& dir, const QString& name)
{
    if (!onServer())
        return dir.filePath(name + QLatin1String(".db"));
    static int counter = 0;
    const QString server = qEnvironmentVariable(onPostgres() ? "QD_TEST_POSTGRES_URL" : "QD_TEST_MARIADB_URL");
    // MariaDB's names are at most 64 characters.
    const QString schema = QStringLiteral("t%1_%2_%3")
                               .arg(QCoreApplication::applicationPid())
                               .arg(++counter)
                               .arg(name.left(40).toLower());
    return server + (server.contains(QLatin1Char('?')) ? QLatin1Char('&') : QLatin1Char('?')) + QLatin1String("schema=")
        + schema;
}

// Takes a database back to schema `version`, as an older QueueDesk left it: drops what the later migrations added
// (each version's objects are listed here; a new migration adds its line) and sets the version. Rows stay.
inline bool rollBackSchema(TaskStore& store, int version)
{
    const QList<std::pair<int, QStringList>> added {
        {6, {QStringLiteral("DROP TABLE processes")}},
        {7, {QStringLiteral("DROP TABLE source_cursors")}},
        {8, {QStringLiteral("DROP TABLE task_counts")}},
        {9,
            onServer()
                ? QStringList {}
                : QStringList {QStringLiteral("DROP TABLE task_search"),
                    QStringLiteral("DROP TABLE task_search_cursor"), QStringLiteral("DROP INDEX task_search_errors")}},
        {10, {QStringLiteral("DROP TABLE source_states")}},
        {11, {QStringLiteral("DROP TABLE settings")}},
        {12,
            {QStringLiteral("DROP TABLE producer_keys"),
                QStringLiteral("ALTER TABLE queues DROP COLUMN require_signed"),
                QStringLiteral("ALTER TABLE tasks DROP COLUMN producer_key_id")}},
        {13, {QStringLiteral("DROP TABLE audit_log")}},
        {14, {QStringLiteral("ALTER TABLE encryption_keys DROP COLUMN queue")}},
    };
    if (added.constLast().first != TaskStore::schemaVersion()) {
        qWarning() << "rollBackSchema: list the objects of schema" << TaskStore::schemaVersion();
        return false;
    }
    QSqlQuery q(store.database());
    for (auto it = added.crbegin(); it != added.crend() && it->first > version; ++it) {
        for (const QString& statement : it->second) {
            if (!q.exec(statement)) {
                qWarning() << statement << q.lastError().text();
                return false;
            }
        }
    }
    return q.exec(onServer() ? QStringLiteral("UPDATE queuedesk_schema SET version = %1").arg(version)
                             : QStringLiteral("PRAGMA user_version = %1").arg(version));
}

inline NewTask task(const QString& type = QStringLiteral("noop"), const QString& queue = QStringLiteral("default"),
    QByteArray payload = "{}")
{
    NewTask t;
    t.type = type;
    t.queue = queue;
    t.payload = std::move(payload);
    return t;
}

inline std::unique_ptr<TaskStore> openStore(
    const QString& path, bool readOnly = false, Durability durability = Durability::Normal)
{
    StoreOptions options;
    options.path = path;
    options.readOnly = readOnly;
    options.durability = durability;
    auto store = TaskStore::open(options);
    if (!store) {
        qWarning() << store.errorString();
        return nullptr;
    }
    return std::move(store).value();
}

// The first column of the first row of `sql`, or -1 when it fails.
inline qint64 scalar(TaskStore& store, const QString& sql)
{
    QSqlQuery q(store.database());
    if (!q.exec(sql) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

} // namespace qd::test
