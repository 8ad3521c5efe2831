#pragma once

#include "spoolingester.h"

#include "core/storeoptions.h"

#include <QList>
#include <QMutex>
#include <QObject>
#include <QThread>

namespace qd {

class QueueEngine;
class SpoolRunner;

struct SpoolServiceOptions {
    StoreOptions store; // the engine's database: the service reads the sources and its files' tasks through it
    qint64 rescanMs = 2000; // a look at every new/ and cur/ besides the watcher's notices (missed events, NFS)
    qint64 sweepMs = 1000; // how often tracked files' tasks are read (tasks that ran in another process)
    qint64 sourcesMs = 5000; // how often the sources table is read again (added, removed, paused spools)
    int chunkFiles = 1000; // files taken per turn of the service's event loop
    qint64 tmpSweepMs = 3'600'000; // how often tmp/ is cleared of stale files (and once when a spool starts)
    qint64 staleTmpMs = SpoolIngester::staleTmpMs; // a file of tmp/ neither read nor written this long is removed
};

// Runs every spool of the `sources` table (kind "spool", not paused) on a thread of its own: a
// QFileSystemWatcher on each new/ plus a periodic rescan take files in (SpoolIngester), the engine's tasksChanged
// and a periodic sweep of the files' tasks move finished files to done/ or failed/; files a producer left in tmp/
// for longer than staleTmpMs are removed, as maildir does. Writes go through `engine`;
// reads through a TaskStore of the service's thread.
//
// Thread contract: construct, start() and destroy on one thread; `engine` must outlive the service. problems()
// may be called from any thread; the signals are emitted from the service's thread.
class SpoolService : public QObject {
    Q_OBJECT
public:
    SpoolService(QueueEngine& engine, SpoolServiceOptions options, QObject* parent = nullptr);
    ~SpoolService() override; // stops the thread after its current step
    void start();

    // Every problem reported so far (files left in place, and why).
    QList<SpoolProblem> problems() const;
    // Files moved to done/ or failed/ so far (rejected ones included), and tasks stored.
    qint64 filesFinished() const;
    qint64 filesIngested() const;

Q_SIGNALS:
    void problemFound(const QString& source, const QString& file, const QString& reason);
    // A spool that cannot run (its folder is missing, the database is locked...); repeated only when it changes.
    void errorOccurred(const QString& message);

private:
    friend class SpoolRunner;
    void addProblem(const SpoolProblem& problem);

    QueueEngine& m_engine;
    SpoolServiceOptions m_options;
    QThread m_thread;
    SpoolRunner* m_runner = nullptr; // lives in m_thread, deleted there when it finishes
    mutable QMutex m_mutex;
    QList<SpoolProblem> m_problems;
    qint64 m_finished = 0;
    qint64 m_ingested = 0;
};

} // namespace qd
