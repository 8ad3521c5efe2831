#pragma once

// Helpers shared by the spool tests: an engine on a fresh database, files dropped the way producers do (tmp/, then
// a rename into new/).
#include "tests/core/storetestutil.h"

#include "core/queueengine.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>

#include <cstdio>

namespace qd::test {

// An engine with `workers` workers on a fresh database `name` of `dir` (or of the PostgreSQL server), and a store
// of this thread reading it.
inline bool openTestEngine(const QTemporaryDir& dir, const QString& name, int workers, EngineOptions& options,
    std::unique_ptr<QueueEngine>& engine, std::unique_ptr<TaskStore>& reader)
{
    options = EngineOptions {};
    options.store.path = testDatabase(dir, name);
    options.workerCount = workers;
    options.sampleIntervalMs = 0;
    auto opened = QueueEngine::open(options);
    if (!opened) {
        qWarning("%s", qPrintable(opened.errorString()));
        return false;
    }
    engine = std::move(opened).value();
    reader = openStore(options.store.path);
    return reader != nullptr;
}

inline bool dropFile(const QString& spool, const QString& name, const QByteArray& content)
{
    const QString tmp = spool + QStringLiteral("/tmp/") + name;
    QFile file(tmp);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        return false;
    file.close();
    return std::rename(QFile::encodeName(tmp).constData(),
               QFile::encodeName(spool + QStringLiteral("/new/") + name).constData())
        == 0;
}

inline QStringList filesIn(const QString& spool, const QString& folder)
{
    return QDir(spool + u'/' + folder).entryList(QDir::Files | QDir::System | QDir::Hidden, QDir::Name);
}

} // namespace qd::test
