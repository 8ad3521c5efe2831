#pragma once

#include "spoolconfig.h"

#include "core/result.h"
#include "core/task.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QRegularExpression>
#include <QSet>
#include <QString>

#include <functional>
#include <memory>

namespace qd {

class QueueEngine;
class SpoolSettler;
class TaskStore;

// A file of a spool that was left where it is, and why (a symlink, not a regular file, unreadable...).
struct SpoolProblem {
    QString source;
    QString file; // relative to the spool folder, e.g. "new/a.json"
    QString reason;
};

// One spool folder: turns the files of new/ into tasks and moves each to done/ or failed/ once its tasks ended.
//
// Ingestion of a file: it is hard-linked into cur/ under its name, its tasks are committed through the engine
// with idempotency keys derived from the spool and the file's identity (see key()), then its name in new/ is
// removed. A task therefore always finds its file in cur/, even when a worker starts it before this returns, and a
// crash at any point leaves either the file in new/ (the rescan commits again: the keys return the stored tasks)
// or only in cur/ with its tasks stored. On a file system without hard links the file is renamed into cur/ after
// the commit instead.
//
// Thread contract: one thread; the engine's writes block, so not the GUI thread. `reader` is a TaskStore of that
// thread, used for reads only (the tasks of cur/ files, by idempotency key); every write goes through `engine`.
class SpoolIngester {
public:
    SpoolIngester(QString sourceName, SpoolConfig config, QueueEngine& engine, TaskStore& reader);
    ~SpoolIngester();

    const QString& sourceName() const { return m_source; }
    const SpoolConfig& config() const { return m_config; }

    // Creates the spool's sub-folders that are missing (and the stable-file mode's folder).
    Status prepare();
    // Takes files from new/, at most about `maxFiles` per call (the rest stay listed for the next call). Returns
    // how many files were taken (into cur/ or failed/); `more` says whether listed files remain. In the stable-file
    // mode, a call that lists new/ afresh first moves the settled files of the stable folder into new/. An error
    // concerns the spool as a whole (a folder that cannot be written, a full disk, the database): the files stay.
    Result<int> ingest(int maxFiles, bool* more = nullptr);
    // Stable-file mode: milliseconds until ingest() may find another file settled, -1 when none waits (or the
    // mode is off).
    qint64 msUntilSettled() const;
    // Finds files in cur/ that this object does not track (left by an earlier process) and tracks them; a file
    // with no task at all goes to failed/.
    Result<int> adoptCur();
    // Moves the tracked files whose tasks all ended to done/ (all succeeded) or failed/, with NAME.result.json.
    // `endedIds`: only the files of these tasks; empty: up to `maxFiles` tracked files, round robin.
    Result<int> finish(const QSet<qint64>& endedIds, int maxFiles = 2000);
    // Removes the files of tmp/ neither read nor written for `maxAgeMs` (maildir's 36 hours by default): a producer
    // that died between its write and its rename leaves them, and nothing else ever would. Returns how many went.
    Result<int> removeStaleTmp(qint64 nowMs, qint64 maxAgeMs = staleTmpMs);
    static constexpr qint64 staleTmpMs = 36LL * 3600 * 1000;

    bool tracks(qint64 taskId) const { return m_byTask.contains(taskId); }
    qsizetype trackedFiles() const { return m_tracked.size(); }

    // Called for each problem, once per file and reason (until the file changes).
    std::function<void(const SpoolProblem&)> onProblem;

    // The idempotency key of a task of a spool file: the spool's name, the file's device, inode, size and mtime
    // (ns), and its name; `line` numbers the tasks of a *.jsonl file (0 for the others).
    static QString key(const QString& source, quint64 device, quint64 inode, qint64 size, qint64 mtimeNs,
        const QByteArray& name, int line);

private:
    struct Tracked {
        QStringList keys;
        QList<qint64> ids;
    };
    struct Candidate;
    enum class Kind { TaskFile, TaskLines, Data, Unknown };

    Kind kindOf(const QByteArray& name) const;
    QByteArray sub(const char* folder) const;
    void report(const QByteArray& where, const QByteArray& name, quint64 identity, const QString& reason);
    // Rejects a file of `from` (new/ or cur/) into failed/ with the reason in NAME.result.json.
    Status reject(const char* from, const QByteArray& name, const QString& reason);
    // Writes the result file and moves the file from cur/ to `to`.
    Status moveWithResult(const char* from, const char* to, const QByteArray& name, const QByteArray& resultJson);
    Status commit(QList<Candidate>& batch);
    // Moves each file of the batch with a task its signature check refuses to failed/ with the reason, and out of
    // the batch: a file's tasks are stored all or none.
    Status rejectRefusedSignatures(QList<Candidate>& batch, int newDir);
    void track(const QByteArray& name, QStringList keys, QList<qint64> ids);
    // The tasks of a file from its content and identity; an error is the reason the file cannot become tasks.
    Result<QList<NewTask>> tasksOf(
        int fd, const QByteArray& name, Kind kind, quint64 device, quint64 inode, qint64 size, qint64 mtimeNs);

    QString m_source;
    SpoolConfig m_config;
    QueueEngine& m_engine;
    TaskStore& m_reader;
    QByteArray m_dir; // encoded
    QRegularExpression m_pattern; // the data files' pattern, when set
    bool m_hardLinks = true; // false once the file system refused one
    QList<QByteArray> m_listed; // names of new/ not yet looked at
    QHash<QByteArray, Tracked> m_tracked; // by name in cur/
    QHash<qint64, QByteArray> m_byTask;
    QList<QByteArray> m_sweepOrder; // round robin over m_tracked for finish()
    QHash<QByteArray, QString> m_reported; // name + identity -> reason already reported
    std::unique_ptr<SpoolSettler> m_settler; // the stable-file mode, when on
};

} // namespace qd
