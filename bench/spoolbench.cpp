#include "spoolbench.h"

#include "core/queueengine.h"
#include "core/spool/spoolservice.h"
#include "core/taskstore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QThread>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace qd::bench {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const QString& what)
{
    std::fprintf(stderr, "qd_bench: B15: %s\n", qPrintable(what));
    std::exit(2);
}

// `files` task files written into tmp/ and renamed into new/, as a producer does.
void dropTaskFiles(const QString& dir, int files)
{
    for (const char* sub : {"tmp", "new", "cur"})
        QDir().mkpath(dir + u'/' + QLatin1String(sub));
    for (int i = 0; i < files; ++i) {
        const QString name = QStringLiteral("task-%1.json").arg(i, 6, 10, QLatin1Char('0'));
        QFile file(dir + QStringLiteral("/tmp/") + name);
        const QByteArray content = R"({"type":"noop","payload":{"n":)" + QByteArray::number(i) + "}}";
        if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
            fail(QStringLiteral("cannot write %1").arg(file.fileName()));
        file.close();
        if (!QFile::rename(file.fileName(), dir + QStringLiteral("/new/") + name))
            fail(QStringLiteral("cannot rename %1").arg(file.fileName()));
    }
}

// The spool's side: files per second from the service's start until every file is in cur/ with its task stored.
double spoolFilesPerSecond(const QString& base, int files)
{
    const QString dir = base + QStringLiteral("/spool");
    const QString db = base + QStringLiteral("/spool.db");
    dropTaskFiles(dir, files);
    EngineOptions options;
    options.store.path = db;
    options.workerCount = 0; // ingestion only: the tasks stay queued, the files stay in cur/
    options.sampleIntervalMs = 0;
    auto engine = QueueEngine::open(options);
    if (!engine)
        fail(engine.errorString());
    SpoolConfig config;
    config.dir = dir;
    const Status added = (*engine)->runInWriter([&](TaskStore& store) {
        return store.addSource(
            SourceRecord {0, QStringLiteral("spool"), QStringLiteral("b15"), config.toJson(), false, 0}, 1);
    });
    if (!added)
        fail(added.errorString());
    SpoolServiceOptions spoolOptions;
    spoolOptions.store = options.store;
    const auto start = Clock::now();
    double seconds = 0;
    {
        SpoolService service(**engine, spoolOptions);
        service.start();
        while (service.filesIngested() < files) {
            if (std::chrono::duration<double>(Clock::now() - start).count() > 600)
                fail(QStringLiteral("the spool took %1 of %2 files in 10 minutes")
                         .arg(service.filesIngested())
                         .arg(files));
            QCoreApplication::processEvents();
            QThread::usleep(500);
        }
        seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (!service.problems().isEmpty())
            fail(service.problems().first().reason);
    }
    auto reader = TaskStore::open(options.store);
    if (!reader)
        fail(reader.errorString());
    const Result<qint64> stored = (*reader)->countTasks(TaskFilter {});
    if (!stored || *stored != files || QDir(dir + QStringLiteral("/cur")).count() != uint(files) + 2)
        fail(QStringLiteral("the spool did not store every file once"));
    return files / seconds;
}

// The baseline: readdir, then open, read and close each file and rename it into cur/.
double rawFilesPerSecond(const QString& base, int files)
{
    const QString dir = base + QStringLiteral("/raw");
    dropTaskFiles(dir, files);
    const QByteArray newDir = QFile::encodeName(dir + QStringLiteral("/new"));
    const QByteArray curDir = QFile::encodeName(dir + QStringLiteral("/cur"));
    const auto start = Clock::now();
    const int from = ::open(newDir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const int to = ::open(curDir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* listing = ::opendir(newDir.constData());
    if (from < 0 || to < 0 || !listing)
        fail(QStringLiteral("cannot open %1").arg(dir));
    std::vector<QByteArray> names;
    while (const dirent* entry = ::readdir(listing)) {
        if (entry->d_name[0] != '.')
            names.emplace_back(entry->d_name);
    }
    ::closedir(listing);
    qint64 bytes = 0;
    char buffer[4096];
    for (const QByteArray& name : names) {
        const int fd = ::openat(from, name.constData(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            fail(QStringLiteral("cannot open %1").arg(QString::fromLocal8Bit(name)));
        for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;)
            bytes += n;
        ::close(fd);
        if (::renameat(from, name.constData(), to, name.constData()) != 0)
            fail(QStringLiteral("cannot rename %1").arg(QString::fromLocal8Bit(name)));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    ::close(from);
    ::close(to);
    if (qsizetype(names.size()) != files || bytes == 0)
        fail(QStringLiteral("the raw loop saw %1 of %2 files").arg(names.size()).arg(files));
    return files / seconds;
}

} // namespace

QList<Figure> benchSpool(const QString& scratchDir, int repetitions, int files)
{
    std::fprintf(stderr, "B15: spool ingestion, %d task files per run\n", files);
    Figure f;
    f.id = QStringLiteral("B15");
    f.title = QStringLiteral("spool: task files ingested");
    f.variant = QStringLiteral("%1 files in new/").arg(files);
    f.unit = QStringLiteral("files/s");
    f.baselineName = QStringLiteral("raw loop: readdir, read, rename");
    f.goal = Figure::Goal::RatioAtLeast;
    f.goalValue = 0.5;
    f.note = QStringLiteral(
        "SpoolService on a spool whose new/ holds %1 task files (one noop task each, written through tmp/ just "
        "before), an engine with no workers: timed from the service's start until every file is in cur/ with its "
        "task committed (read, parsed, validated, hard-linked into cur/, enqueueBatch of 1,000 with idempotency "
        "keys, unlinked from new/). Baseline: readdir of new/, then open, read, close and rename into cur/ of each "
        "file, in the same scratch folder.")
                 .arg(files);
    for (int rep = 0; rep < repetitions; ++rep) {
        const QString base = QDir(scratchDir).filePath(QStringLiteral("b15-%1").arg(rep));
        double spool = 0, raw = 0;
        auto runSpool = [&] {
            spool = spoolFilesPerSecond(base, files);
            std::fprintf(stderr, "  %-58s %12.1f\n", "SpoolService (files/s)", spool);
        };
        auto runRaw = [&] {
            raw = rawFilesPerSecond(base, files);
            std::fprintf(stderr, "  %-58s %12.1f\n", "raw readdir/read/rename (files/s)", raw);
        };
        if (rep % 2) { // the order alternates, so neither side always runs on a warmer (or busier) machine
            runRaw();
            runSpool();
        } else {
            runSpool();
            runRaw();
        }
        f.subject.add(spool);
        f.baseline.add(raw);
        f.ratio.add(spool / raw);
        QDir(base).removeRecursively();
    }
    return {f};
}

} // namespace qd::bench
