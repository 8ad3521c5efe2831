#pragma once

// Helpers shared by the core tests: a fresh database per test and short task builders.
#include "core/taskstore.h"

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

} // namespace qd::test
