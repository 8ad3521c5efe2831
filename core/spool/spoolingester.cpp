// One spool folder's file lifecycle (tmp/ cleanup, new/ -> cur/ with its task, then done/ or failed/): one job whose
// steps share the crash-safety rules, kept in one file so that they are read together.
#include "spoolingester.h"

#include "spoolfs.h"
#include "spoolsettler.h"
#include "spooltaskparser.h"

#include "core/queueengine.h"
#include "core/sourcekeys.h"
#include "core/taskstore.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qd {

using namespace spoolfs;

namespace {

constexpr int batchTasks = 1000; // tasks per enqueueBatch (one transaction)
constexpr qint64 maxTaskFileBytes = 64LL << 20;

bool isValidName(const QByteArray& name)
{
    return QFile::encodeName(QFile::decodeName(name)) == name;
}

Result<QByteArray> readAll(int fd, qint64 size)
{
    if (size > maxTaskFileBytes)
        return Error {
            ErrorCode::InvalidArgument, QStringLiteral("the file is larger than %1 MiB").arg(maxTaskFileBytes >> 20)};
    QByteArray data;
    data.reserve(size + 1);
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ioError(QStringLiteral("cannot read the file"), errno);
        }
        if (n == 0)
            break;
        data.append(buffer, n);
        if (data.size() > maxTaskFileBytes)
            return Error {ErrorCode::InvalidArgument,
                QStringLiteral("the file is larger than %1 MiB").arg(maxTaskFileBytes >> 20)};
    }
    return data;
}

bool isEnded(TaskState state)
{
    return state == TaskState::Succeeded || state == TaskState::Failed || state == TaskState::Cancelled;
}

} // namespace

struct SpoolIngester::Candidate {
    QByteArray name;
    QList<NewTask> tasks;
    dev_t device = 0;
    ino_t inode = 0;
    bool inCur = false; // linked into cur/ (now or by an earlier, interrupted run)
};

SpoolIngester::SpoolIngester(QString sourceName, SpoolConfig config, QueueEngine& engine, TaskStore& reader)
    : m_source(std::move(sourceName))
    , m_config(std::move(config))
    , m_engine(engine)
    , m_reader(reader)
    , m_dir(QFile::encodeName(m_config.dir))
{
    if (!m_config.pattern.isEmpty())
        m_pattern = QRegularExpression(QRegularExpression::wildcardToRegularExpression(
            m_config.pattern, QRegularExpression::UnanchoredWildcardConversion));
    const QString stable = m_config.stableFolder();
    if (!stable.isEmpty()) {
        m_settler = std::make_unique<SpoolSettler>(QFile::encodeName(stable), sub("new"), m_config.stableMs);
        m_settler->accepts = [this](const QByteArray& name) { return kindOf(name) != Kind::Unknown; };
        // Problems in the spool folder are named relative to it, those of another folder by its absolute path.
        const QByteArray where = m_config.stableDir.isEmpty() ? QByteArray() : QFile::encodeName(stable);
        m_settler->report = [this, where](const QByteArray& name, quint64 identity, const QString& reason) {
            report(where, name, identity, reason);
        };
    }
}

SpoolIngester::~SpoolIngester() = default;

qint64 SpoolIngester::msUntilSettled() const
{
    return m_settler ? m_settler->msUntilNext() : -1;
}

QString SpoolIngester::key(
    const QString& source, quint64 device, quint64 inode, qint64 size, qint64 mtime, const QByteArray& name, int line)
{
    QString k = spoolTaskKeyPrefix(source) + QStringLiteral("%1:%2:%3:%4:").arg(device).arg(inode).arg(size).arg(mtime)
        + QString::fromUtf8(name);
    if (line > 0)
        k += u'#' + QString::number(line);
    return k;
}

QByteArray SpoolIngester::sub(const char* folder) const
{
    return m_dir + '/' + folder;
}

Status SpoolIngester::prepare()
{
    for (const char* folder : {"", "tmp", "new", "cur", "done", "failed"}) {
        const QByteArray path = *folder ? sub(folder) : m_dir;
        if (::mkdir(path.constData(), 0777) != 0 && errno != EEXIST)
            return ioError(QStringLiteral("Cannot create %1").arg(QFile::decodeName(path)), errno);
    }
    if (m_settler) {
        if (Status s = m_settler->prepare(); !s)
            return s;
    }
    // A result being written when its process was killed: .qd-result-PID.tmp of a process that no longer runs.
    for (const char* folder : {"done", "failed"}) {
        const Result<QList<QByteArray>> names = listDir(sub(folder));
        if (!names)
            return names.error();
        for (const QByteArray& name : *names) {
            if (!name.startsWith(".qd-result-") || !name.endsWith(".tmp"))
                continue;
            bool ok = false;
            const pid_t pid = pid_t(name.mid(11, name.size() - 15).toLongLong(&ok));
            if (ok && (pid == ::getpid() || (::kill(pid, 0) != 0 && errno == ESRCH)))
                ::unlink(QByteArray(sub(folder) + '/' + name).constData());
        }
    }
    return success();
}

void SpoolIngester::report(const QByteArray& where, const QByteArray& name, quint64 identity, const QString& reason)
{
    const QByteArray file = where.isEmpty() ? name : where + '/' + name;
    const QByteArray id = file + '\0' + QByteArray::number(identity);
    auto it = m_reported.find(id);
    if (it != m_reported.end() && *it == reason)
        return;
    m_reported.insert(id, reason);
    if (onProblem)
        onProblem(SpoolProblem {m_source, QFile::decodeName(file), reason});
}

SpoolIngester::Kind SpoolIngester::kindOf(const QByteArray& name) const
{
    if (!m_config.type.isEmpty() && !m_config.pattern.isEmpty() && m_pattern.match(QFile::decodeName(name)).hasMatch())
        return Kind::Data;
    if (name.endsWith(".jsonl"))
        return Kind::TaskLines;
    if (name.endsWith(".json"))
        return Kind::TaskFile;
    if (!m_config.type.isEmpty() && m_config.pattern.isEmpty())
        return Kind::Data;
    return Kind::Unknown;
}

Result<QList<NewTask>> SpoolIngester::tasksOf(
    int fd, const QByteArray& name, Kind kind, quint64 device, quint64 inode, qint64 size, qint64 mtime)
{
    const HandlerRegistry& handlers = m_engine.handlers();
    QList<NewTask> tasks;
    if (kind == Kind::Data) {
        if (!isValidName(name))
            return Error {ErrorCode::InvalidArgument,
                QStringLiteral("the file name is not valid UTF-8, so a task could not name the file")};
        NewTask task;
        task.queue = m_config.queue;
        task.type = m_config.type;
        task.payload = m_config.payloadFor(QFile::decodeName(name));
        if (std::optional<Error> error = validateNewTask(task, handlers))
            return *error;
        tasks.append(task);
    } else {
        const Result<QByteArray> text = readAll(fd, size);
        if (!text)
            return text.error();
        if (kind == Kind::TaskFile) {
            Result<NewTask> task = SpoolTaskParser::parseObject(*text, handlers);
            if (!task)
                return task.error();
            tasks.append(std::move(task).value());
        } else {
            Result<QList<NewTask>> lines = SpoolTaskParser::parseLines(*text, handlers);
            if (!lines)
                return lines.error();
            tasks = std::move(lines).value();
        }
    }
    for (qsizetype i = 0; i < tasks.size(); ++i) {
        const bool signedTask = !tasks[i].signature.isEmpty() || !tasks[i].signatureKeyId.isEmpty();
        if (signedTask && tasks[i].idempotencyKey.isEmpty())
            return Error {ErrorCode::InvalidArgument,
                QStringLiteral("%1a signed task must carry its own idempotencyKey (its signature covers it)")
                    .arg(kind == Kind::TaskLines ? QStringLiteral("task %1 of the file: ").arg(i + 1) : QString())};
        if (tasks[i].idempotencyKey.isEmpty()) // a producer's own key is kept: it says what counts as the same task
            tasks[i].idempotencyKey
                = key(m_source, device, inode, size, mtime, name, kind == Kind::TaskLines ? int(i + 1) : 0);
    }
    return tasks;
}

Status SpoolIngester::moveWithResult(const char* from, const char* to, const QByteArray& name, const QByteArray& json)
{
    const Fd fromDir(openDir(sub(from)));
    const Fd toDir(openDir(sub(to)));
    if (!fromDir.ok() || !toDir.ok())
        return ioError(QStringLiteral("Cannot open the folders of %1").arg(m_config.dir), errno);
    const QByteArray temporary = ".qd-result-" + QByteArray::number(::getpid()) + ".tmp";
    for (int n = 0; n < 10'000; ++n) {
        // NAME, then NAME.1, NAME.2... when a file of that name already went there. A result without its file is
        // this move's own, left by a process killed between the two renames below: it is written again in place.
        const QByteArray target = n == 0 ? name : name + '.' + QByteArray::number(n);
        const QByteArray resultName = target + ".result.json";
        struct stat st;
        if (::fstatat(toDir.get(), target.constData(), &st, AT_SYMLINK_NOFOLLOW) == 0)
            continue;
        // The result first: a crash after it leaves the file where it was, and the move is made again.
        const int out = ::openat(toDir.get(), temporary.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (out < 0)
            return ioError(QStringLiteral("Cannot write in %1").arg(QFile::decodeName(sub(to))), errno);
        const ssize_t written = ::write(out, json.constData(), size_t(json.size()));
        const int writeError = errno;
        ::close(out);
        if (written != json.size()) {
            ::unlinkat(toDir.get(), temporary.constData(), 0);
            return ioError(QStringLiteral("Cannot write in %1").arg(QFile::decodeName(sub(to))), writeError);
        }
        if (::renameat(toDir.get(), temporary.constData(), toDir.get(), resultName.constData()) != 0)
            return ioError(QStringLiteral("Cannot write %1").arg(QFile::decodeName(resultName)), errno);
        if (::renameat2(fromDir.get(), name.constData(), toDir.get(), target.constData(), RENAME_NOREPLACE) == 0)
            return success();
        const int error = errno;
        ::unlinkat(toDir.get(), resultName.constData(), 0);
        if (error == EEXIST)
            continue;
        if (error == ENOENT) // moved meanwhile (by another process on the spool)
            return success();
        return ioError(QStringLiteral("Cannot move %1 to %2").arg(displayName(name), QString::fromLatin1(to)), error);
    }
    return Error {ErrorCode::Io, QStringLiteral("No free name for %1 in %2").arg(displayName(name), QLatin1String(to))};
}

Status SpoolIngester::reject(const char* from, const QByteArray& name, const QString& reason)
{
    const QJsonObject result {{QStringLiteral("source"), m_source}, {QStringLiteral("file"), displayName(name)},
        {QStringLiteral("state"), QStringLiteral("rejected")}, {QStringLiteral("error"), reason}};
    return moveWithResult(from, "failed", name, QJsonDocument(result).toJson(QJsonDocument::Indented));
}

void SpoolIngester::track(const QByteArray& name, QStringList keys, QList<qint64> ids)
{
    for (qint64 id : ids)
        m_byTask.insert(id, name);
    m_tracked.insert(name, Tracked {std::move(keys), std::move(ids)});
    m_sweepOrder.append(name);
}

Result<int> SpoolIngester::ingest(int maxFiles, bool* more)
{
    if (m_listed.isEmpty()) {
        if (m_settler) {
            if (const Result<int> settled = m_settler->settle(); !settled)
                return settled.error();
        }
        Result<QList<QByteArray>> names = listDir(sub("new"));
        if (!names)
            return names.error();
        m_listed = std::move(names).value();
        std::reverse(m_listed.begin(), m_listed.end()); // taken from the back: oldest listing order first
    }
    const Fd newDir(openDir(sub("new")));
    const Fd curDir(openDir(sub("cur")));
    if (!newDir.ok() || !curDir.ok())
        return ioError(QStringLiteral("Cannot open the folders of %1").arg(m_config.dir), errno);

    int taken = 0;
    int batchSize = 0;
    QList<Candidate> batch;
    for (int looked = 0; looked < maxFiles && !m_listed.isEmpty(); ++looked) {
        const QByteArray name = m_listed.takeLast();
        struct stat st;
        if (::fstatat(newDir.get(), name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT)
                report("new", name, 0, QStringLiteral("cannot be examined (%1); left in place").arg(errnoText(errno)));
            continue;
        }
        if (S_ISLNK(st.st_mode)) {
            report("new", name, st.st_ino, QStringLiteral("a symbolic link: left in place, never followed"));
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            report("new", name, st.st_ino, QStringLiteral("not a regular file: left in place"));
            continue;
        }
        const Kind kind = kindOf(name);
        if (kind == Kind::Unknown) {
            const QString reason = m_config.type.isEmpty()
                ? QStringLiteral("not a task file (*.json, *.jsonl)")
                : QStringLiteral("neither a task file (*.json, *.jsonl) nor a data file (%1)").arg(m_config.pattern);
            if (Status s = reject("new", name, reason); !s)
                return s.error();
            ++taken;
            continue;
        }
        const Fd file(::openat(newDir.get(), name.constData(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (!file.ok()) {
            if (errno != ENOENT)
                report(
                    "new", name, st.st_ino, QStringLiteral("cannot be read (%1): left in place").arg(errnoText(errno)));
            continue;
        }
        struct stat fst;
        if (::fstat(file.get(), &fst) != 0 || !S_ISREG(fst.st_mode))
            continue; // replaced between the two looks: the next scan sees what it is now
        // A file of the same name in cur/: our own link from an interrupted run, or another file still running.
        Candidate candidate {name, {}, fst.st_dev, fst.st_ino, false};
        struct stat cst;
        if (::fstatat(curDir.get(), name.constData(), &cst, AT_SYMLINK_NOFOLLOW) == 0) {
            if (cst.st_dev != fst.st_dev || cst.st_ino != fst.st_ino) {
                report("new", name, fst.st_ino,
                    QStringLiteral("waits: a file of the same name is still in cur/ (its tasks have not ended)"));
                continue;
            }
            candidate.inCur = true;
        }
        Result<QList<NewTask>> tasks
            = tasksOf(file.get(), name, kind, fst.st_dev, fst.st_ino, fst.st_size, mtimeNs(fst));
        if (!tasks) {
            if (tasks.error().code == ErrorCode::Io) {
                report("new", name, fst.st_ino, tasks.errorString() + QStringLiteral(": left in place"));
                continue;
            }
            const char* from = candidate.inCur ? "cur" : "new";
            if (candidate.inCur)
                ::unlinkat(newDir.get(), name.constData(), 0);
            if (Status s = reject(from, name, tasks.errorString()); !s)
                return s.error();
            ++taken;
            continue;
        }
        candidate.tasks = std::move(tasks).value();
        batchSize += int(candidate.tasks.size());
        batch.append(std::move(candidate));
        ++taken;
        if (batchSize >= batchTasks) {
            if (Status s = commit(batch); !s)
                return s.error();
            batch.clear();
            batchSize = 0;
        }
    }
    if (Status s = commit(batch); !s)
        return s.error();
    if (more)
        *more = !m_listed.isEmpty();
    return taken;
}

Status SpoolIngester::commit(QList<Candidate>& batch)
{
    if (batch.isEmpty())
        return success();
    const Fd newDir(openDir(sub("new")));
    const Fd curDir(openDir(sub("cur")));
    if (!newDir.ok() || !curDir.ok())
        return ioError(QStringLiteral("Cannot open the folders of %1").arg(m_config.dir), errno);

    // 0. Signatures, checked by the writer before anything moves (the enqueue checks again: a key revoked in between
    // fails the batch, and the next scan moves the file aside).
    if (Status s = rejectRefusedSignatures(batch, newDir.get()); !s)
        return s;
    if (batch.isEmpty())
        return success();
    // 1. Into cur/ first, so that a task started the moment it is committed finds its file there.
    for (qsizetype i = 0; i < batch.size(); ++i) {
        Candidate& c = batch[i];
        if (c.inCur || !m_hardLinks)
            continue;
        if (::linkat(newDir.get(), c.name.constData(), curDir.get(), c.name.constData(), 0) == 0) {
            c.inCur = true;
            continue;
        }
        const int error = errno;
        if (error == EPERM || error == EXDEV || error == ENOTSUP || error == EMLINK) {
            m_hardLinks = false; // renamed after the commit from now on
        } else if (isFolderError(error)) {
            // No file can go on (cur/ not writable, a full disk): nothing is committed, every file stays in new/
            // (links made so far are those of an interrupted ingestion, which the next attempt completes).
            return ioError(
                QStringLiteral("Cannot link files into %1; they stay in new/").arg(QFile::decodeName(sub("cur"))),
                error);
        } else {
            // EEXIST: another file took the name in cur/ meanwhile; anything else: try again at the next scan.
            report("new", c.name, quint64(c.inode),
                QStringLiteral("cannot be linked into cur/ (%1); left in place").arg(errnoText(error)));
            batch.removeAt(i--);
        }
    }
    // 2. The tasks, in transactions of up to batchTasks.
    QList<NewTask> all;
    for (const Candidate& c : batch)
        all += c.tasks;
    QList<qint64> ids;
    ids.reserve(all.size());
    for (qsizetype from = 0; from < all.size(); from += batchTasks) {
        const Result<QList<EnqueueResult>> stored = m_engine.enqueueBatch(all.mid(from, batchTasks));
        if (!stored) // the files stay (a link in cur/ too): the next scan commits again, the keys dedup
            return Error {stored.error().code,
                QStringLiteral("Cannot store the tasks of new/ (the files stay there): %1").arg(stored.errorString())};
        for (const EnqueueResult& r : *stored)
            ids.append(r.id);
    }
    // 3. Out of new/, and tracked until their tasks end.
    qsizetype next = 0;
    for (const Candidate& c : batch) {
        QStringList keys;
        QList<qint64> taskIds;
        for (const NewTask& t : c.tasks) {
            keys.append(t.idempotencyKey);
            taskIds.append(ids[next++]);
        }
        if (c.inCur) {
            if (::unlinkat(newDir.get(), c.name.constData(), 0) != 0 && errno != ENOENT)
                report("new", c.name, quint64(c.inode),
                    QStringLiteral("cannot be removed after its link into cur/ (%1)").arg(errnoText(errno)));
        } else if (::renameat2(newDir.get(), c.name.constData(), curDir.get(), c.name.constData(), RENAME_NOREPLACE)
            != 0) {
            report("new", c.name, quint64(c.inode),
                QStringLiteral("cannot be moved into cur/ (%1); its tasks are stored").arg(errnoText(errno)));
            continue;
        }
        track(c.name, std::move(keys), std::move(taskIds));
    }
    return success();
}

Status SpoolIngester::rejectRefusedSignatures(QList<Candidate>& batch, int newDir)
{
    QList<NewTask> all;
    for (const Candidate& c : batch)
        all += c.tasks;
    const Result<QList<std::optional<Error>>> refusals = m_engine.signatureRefusals(all);
    if (!refusals)
        return Error {refusals.error().code,
            QStringLiteral("Cannot check the signatures of the tasks of new/ (the files stay there): %1")
                .arg(refusals.errorString())};
    qsizetype next = 0;
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const Candidate c = batch.at(i);
        QString reason;
        for (qsizetype t = 0; t < c.tasks.size(); ++t, ++next) {
            if (reason.isEmpty() && refusals->at(next))
                reason = (c.tasks.size() > 1 ? QStringLiteral("task %1 of the file: ").arg(t + 1) : QString())
                    + refusals->at(next)->message;
        }
        if (reason.isEmpty())
            continue;
        if (c.inCur)
            ::unlinkat(newDir, c.name.constData(), 0);
        if (Status s = reject(c.inCur ? "cur" : "new", c.name, reason); !s)
            return s;
        batch.removeAt(i--);
    }
    return success();
}

Result<int> SpoolIngester::adoptCur()
{
    Result<QList<QByteArray>> names = listDir(sub("cur"));
    if (!names)
        return names.error();
    const Fd newDir(openDir(sub("new")));
    const Fd curDir(openDir(sub("cur")));
    if (!newDir.ok() || !curDir.ok())
        return ioError(QStringLiteral("Cannot open the folders of %1").arg(m_config.dir), errno);
    int adopted = 0;
    for (const QByteArray& name : *names) {
        if (m_tracked.contains(name))
            continue;
        struct stat st;
        if (::fstatat(curDir.get(), name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (!S_ISREG(st.st_mode)) {
            report("cur", name, st.st_ino,
                S_ISLNK(st.st_mode) ? QStringLiteral("a symbolic link: left in place, never followed")
                                    : QStringLiteral("not a regular file: left in place"));
            continue;
        }
        struct stat nst;
        if (::fstatat(newDir.get(), name.constData(), &nst, AT_SYMLINK_NOFOLLOW) == 0 && nst.st_ino == st.st_ino
            && nst.st_dev == st.st_dev)
            continue; // linked by an interrupted ingestion: ingest() finishes it
        const Fd file(::openat(curDir.get(), name.constData(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (!file.ok()) {
            report("cur", name, st.st_ino, QStringLiteral("cannot be read (%1): left in place").arg(errnoText(errno)));
            continue;
        }
        const Kind kind = kindOf(name);
        Result<QList<NewTask>> tasks = kind == Kind::Unknown
            ? Result<QList<NewTask>>(Error {ErrorCode::InvalidArgument, QStringLiteral("not a file of this spool")})
            : tasksOf(file.get(), name, kind, st.st_dev, st.st_ino, st.st_size, mtimeNs(st));
        if (!tasks) {
            if (Status s = reject("cur", name, tasks.errorString()); !s)
                return s.error();
            continue;
        }
        QStringList keys;
        for (const NewTask& t : *tasks)
            keys.append(t.idempotencyKey);
        const Result<QList<Task>> stored = m_reader.tasksWithIdempotencyKeys(keys);
        if (!stored)
            return stored.error();
        if (stored->isEmpty()) {
            if (Status s = reject(
                    "cur", name, QStringLiteral("no task holds its idempotency key (purged, or its commit was lost)"));
                !s)
                return s.error();
            continue;
        }
        QList<qint64> ids;
        for (const Task& t : *stored)
            ids.append(t.id);
        track(name, keys, ids);
        ++adopted;
    }
    return adopted;
}

Result<int> SpoolIngester::removeStaleTmp(qint64 nowMs, qint64 maxAgeMs)
{
    const QByteArray tmp = sub("tmp");
    const Result<QList<QByteArray>> names = listDir(tmp);
    if (!names)
        return names.error();
    const qint64 cutoffNs = (nowMs - maxAgeMs) * 1'000'000;
    int removed = 0;
    for (const QByteArray& name : *names) {
        const QByteArray path = tmp + '/' + name;
        struct stat st { };
        if (::lstat(path.constData(), &st) != 0 || S_ISDIR(st.st_mode))
            continue; // gone meanwhile, or a folder a producer made: not ours to remove
        // The last read or write: a file still being written, or read by a slow producer, has a recent one.
        const qint64 atimeNs = qint64(st.st_atim.tv_sec) * 1'000'000'000 + st.st_atim.tv_nsec;
        if (std::max(atimeNs, mtimeNs(st)) >= cutoffNs)
            continue;
        if (::unlink(path.constData()) == 0)
            ++removed;
        else if (errno != ENOENT)
            return ioError(QStringLiteral("Cannot remove %1").arg(QFile::decodeName(path)), errno);
    }
    return removed;
}

Result<int> SpoolIngester::finish(const QSet<qint64>& endedIds, int maxFiles)
{
    QList<QByteArray> names;
    if (!endedIds.isEmpty()) {
        QSet<QByteArray> seen;
        for (qint64 id : endedIds) {
            const auto it = m_byTask.constFind(id);
            if (it != m_byTask.constEnd() && !seen.contains(*it)) {
                seen.insert(*it);
                names.append(*it);
            }
        }
    } else {
        while (names.size() < maxFiles && !m_sweepOrder.isEmpty()) {
            QByteArray name = m_sweepOrder.takeFirst();
            if (m_tracked.contains(name))
                names.append(std::move(name));
        }
        m_sweepOrder += names; // to the back: the next sweep looks at the others first
    }
    int moved = 0;
    for (const QByteArray& name : std::as_const(names)) {
        const auto tracked = m_tracked.constFind(name);
        if (tracked == m_tracked.constEnd())
            continue;
        const Result<QList<Task>> stored = m_reader.tasksWithIdempotencyKeys(tracked->keys);
        if (!stored)
            return stored.error();
        bool ended = true, allSucceeded = true;
        for (const Task& t : *stored) {
            ended = ended && isEnded(t.state);
            allSucceeded = allSucceeded && t.state == TaskState::Succeeded;
        }
        if (!ended)
            continue;
        const bool missing = stored->size() < tracked->keys.size();
        QJsonArray tasks;
        QJsonValue firstResult(QJsonValue::Undefined), firstError(QJsonValue::Undefined);
        for (const Task& t : *stored) {
            QJsonObject o {{QStringLiteral("id"), t.id}, {QStringLiteral("queue"), t.queue},
                {QStringLiteral("type"), t.type}, {QStringLiteral("state"), taskStateName(t.state)},
                {QStringLiteral("attempts"), t.attempts}};
            if (!t.result.isEmpty()) {
                const QJsonDocument doc = QJsonDocument::fromJson(t.result);
                const QJsonValue value = doc.isObject() ? QJsonValue(doc.object())
                    : doc.isArray()                     ? QJsonValue(doc.array())
                                                        : QJsonValue(QString::fromUtf8(t.result));
                o.insert(QStringLiteral("result"), value);
                if (firstResult.isUndefined())
                    firstResult = value;
            }
            if (!t.lastError.isEmpty()) {
                o.insert(QStringLiteral("error"), t.lastError);
                if (firstError.isUndefined() && t.state != TaskState::Succeeded)
                    firstError = t.lastError;
            }
            tasks.append(o);
        }
        if (missing && firstError.isUndefined())
            firstError
                = QStringLiteral("%1 of its tasks no longer exist (purged)").arg(tracked->keys.size() - stored->size());
        const bool success = allSucceeded && !missing;
        QJsonObject result {{QStringLiteral("source"), m_source}, {QStringLiteral("file"), displayName(name)},
            {QStringLiteral("state"), success ? QStringLiteral("succeeded") : QStringLiteral("failed")},
            {QStringLiteral("tasks"), tasks}};
        if (!firstResult.isUndefined())
            result.insert(QStringLiteral("result"), firstResult);
        if (!success && !firstError.isUndefined())
            result.insert(QStringLiteral("error"), firstError);
        if (Status s = moveWithResult(
                "cur", success ? "done" : "failed", name, QJsonDocument(result).toJson(QJsonDocument::Indented));
            !s)
            return s.error();
        for (qint64 id : tracked->ids)
            m_byTask.remove(id);
        m_tracked.erase(tracked);
        ++moved;
    }
    return moved;
}

} // namespace qd
