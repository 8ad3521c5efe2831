#pragma once

// Helpers shared by the core tests: a fresh database per test and short task builders.
#include "core/taskstore.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

namespace qd::test {

inline NewTask task(const QString& type = QStringLiteral("noop"), const QString& queue = QStringLiteral("default"),
    QByteArray payload = "{}")
{
    NewTask t;
    t.type = type;
    t.queue = queue;
    t.payload = std::move(payload);
    return t;
}

inline std::unique_ptr<TaskStore> openStore(const QString& path, bool readOnly = false)
{
    StoreOptions options;
    options.path = path;
    options.readOnly = readOnly;
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
