#pragma once

#include "core/queueengine.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace qd::test {

// How long to wait for a background write (a bulk job, an engine cycle) and the table's re-count after it. Under
// ThreadSanitizer on a loaded 2-core machine that takes seconds, beyond QTRY's default of 5; a passing run never
// waits this long.
constexpr int backgroundTimeoutMs = 30000;

// An engine on a fresh database in a temporary directory. Workers off unless asked, so tests decide what runs.
inline std::shared_ptr<QueueEngine> openEngine(const QTemporaryDir& dir, int workers = 0, bool readOnly = false,
    const QString& name = QStringLiteral("ui.db"), qint64 sampleIntervalMs = 200)
{
    EngineOptions options;
    options.store.path = dir.filePath(name);
    options.store.readOnly = readOnly;
    options.workerCount = workers;
    options.sampleIntervalMs = sampleIntervalMs;
    options.pollIntervalMs = 50;
    auto engine = QueueEngine::open(options);
    if (!engine) {
        qWarning("cannot open engine: %s", qPrintable(engine.errorString()));
        return {};
    }
    return std::shared_ptr<QueueEngine>(std::move(engine).value());
}

// `count` noop tasks spread over three queues, two types and a few priorities, with a searchable payload.
inline QList<NewTask> makeTasks(int count, int firstNumber = 0)
{
    QList<NewTask> tasks;
    tasks.reserve(count);
    static const QStringList queues = {QStringLiteral("emails"), QStringLiteral("images"), QStringLiteral("reports")};
    for (int i = 0; i < count; ++i) {
        NewTask t;
        const int n = firstNumber + i;
        t.queue = queues.at(n % 3);
        t.type = n % 2 ? QStringLiteral("sleep") : QStringLiteral("noop");
        t.payload = n % 2 ? QByteArrayLiteral("{\"ms\":10}")
                          : QStringLiteral("{\"n\":%1,\"tag\":\"%2\"}")
                                .arg(n)
                                .arg(n % 1000 == 0 ? QStringLiteral("needle") : QStringLiteral("hay"))
                                .toUtf8();
        t.priority = n % 5;
        tasks.append(t);
    }
    return tasks;
}

} // namespace qd::test
