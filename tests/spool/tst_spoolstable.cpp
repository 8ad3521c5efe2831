// The stable-file mode (SpoolSettler through SpoolIngester and SpoolService) and the producers it must never take a
// file from too early: a file written in place slowly, one held open by its writer, one written in tmp/ and renamed
// into new/ at the end. Also: the configuration's new keys, odd names, links and files the spool does not take.
#include "spooltestutil.h"

#include "tests/core/storetestutil.h"

#include "core/queueengine.h"
#include "core/spool/spoolingester.h"
#include "core/spool/spoolservice.h"
#include "core/taskstore.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QTest>

#include <fcntl.h>
#include <unistd.h>

using namespace qd;
using namespace qd::test;

namespace {

SpoolConfig stableSpool(const QString& dir, qint64 stableMs, const QString& stableDir = {})
{
    SpoolConfig config;
    config.dir = dir;
    config.stableMs = stableMs;
    config.stableDir = stableDir;
    return config;
}

// A line of a task-lines file: each line one noop task, so a file taken early holds fewer tasks than written.
QByteArray taskLine(int i)
{
    return R"({"type":"noop","payload":{"line":)" + QByteArray::number(i) + "}}\n";
}

// Appends to `path` with a fresh open and close each time (a producer that reopens the file, so that nothing but
// the time tells it is not finished).
bool appendClosed(const QString& path, const QByteArray& data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Append) && file.write(data) == data.size();
}

} // namespace

class TestSpoolStable : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void configKeepsOldJsonReadableAndChecksTheNewKeys();
    void slowWriterInPlaceIsNeverTakenEarly();
    void slowWriterInTmpIsNeverTakenEarly();
    void writerHoldingTheFileOpenIsWaitedFor();
    void anotherFolderOddNamesLinksAndForeignFiles();

private:
    std::unique_ptr<SpoolService> service(int rescanMs);
    qint64 taskCount() { return scalar(*m_reader, QStringLiteral("SELECT count(*) FROM tasks")); }
    Status addSpool(const QString& name, const SpoolConfig& config);

    QTemporaryDir m_dir;
    QString m_spool;
    EngineOptions m_options;
    std::unique_ptr<QueueEngine> m_engine;
    std::unique_ptr<TaskStore> m_reader;
    QList<SpoolProblem> m_problems;
    int m_round = 0;
};

void TestSpoolStable::init()
{
    ++m_round;
    m_spool = m_dir.filePath(QStringLiteral("spool%1").arg(m_round));
    QVERIFY(openTestEngine(m_dir, QStringLiteral("stable%1").arg(m_round), 2, m_options, m_engine, m_reader));
    m_problems.clear();
}

void TestSpoolStable::cleanup()
{
    m_reader.reset();
    m_engine.reset();
}

Status TestSpoolStable::addSpool(const QString& name, const SpoolConfig& config)
{
    return m_engine->runInWriter([&](TaskStore& store) {
        return store.addSource(SourceRecord {0, QStringLiteral("spool"), name, config.toJson(), false, 0}, 1);
    });
}

std::unique_ptr<SpoolService> TestSpoolStable::service(int rescanMs)
{
    SpoolServiceOptions options;
    options.store = m_options.store;
    options.rescanMs = rescanMs;
    options.sweepMs = 100;
    options.sourcesMs = 100;
    auto spools = std::make_unique<SpoolService>(*m_engine, options);
    spools->start();
    return spools;
}

void TestSpoolStable::configKeepsOldJsonReadableAndChecksTheNewKeys()
{
    // Stored before the stable-file mode: read as the maildir way alone, written back the same.
    const QByteArray old = R"({"dir":"/srv/spool","queue":"default","type":"noop","pattern":"*.jpg"})";
    const Result<SpoolConfig> read = SpoolConfig::fromJson(old);
    QVERIFY2(read, qPrintable(read.errorString()));
    QCOMPARE(read->stableMs, 0);
    QVERIFY(read->stableFolder().isEmpty());
    QCOMPARE(SpoolConfig::fromJson(read->toJson())->toJson(), read->toJson());
    QVERIFY(!read->toJson().contains("stable"));

    const SpoolConfig stable = stableSpool(QStringLiteral("/srv/spool"), 1500, QStringLiteral("/srv/uploads"));
    const Result<SpoolConfig> back = SpoolConfig::fromJson(stable.toJson());
    QVERIFY2(back, qPrintable(back.errorString()));
    QCOMPARE(back->stableMs, 1500);
    QCOMPARE(back->stableFolder(), QStringLiteral("/srv/uploads"));
    QCOMPARE(stableSpool(QStringLiteral("/srv/spool"), 1500).stableFolder(), QStringLiteral("/srv/spool"));

    const QList<std::pair<SpoolConfig, QString>> bad {
        {stableSpool(QStringLiteral("/s"), 0, QStringLiteral("/up")), QStringLiteral("needs a stable time")},
        {stableSpool(QStringLiteral("/s"), 100, QStringLiteral("up")), QStringLiteral("absolute")},
        {stableSpool(QStringLiteral("/s"), 100, QStringLiteral("/s/new/")), QStringLiteral("new/")},
        {stableSpool(QStringLiteral("/s"), -1), QStringLiteral("between 0")},
    };
    for (const auto& [config, reason] : bad) {
        const std::optional<Error> error = config.check();
        QVERIFY2(error && error->message.contains(reason), qPrintable(reason));
    }
}

// A producer appends a line every 150 ms for 3 s, closing the file in between; stableMs is 600. The spool must not
// take it before the last line, and then take all of it.
void TestSpoolStable::slowWriterInPlaceIsNeverTakenEarly()
{
    constexpr int lines = 20;
    QVERIFY(addSpool(QStringLiteral("inplace"), stableSpool(m_spool, 600)));
    auto spools = service(100); // rescans far more often than the file settles
    QTRY_VERIFY(QFileInfo::exists(m_spool + QStringLiteral("/new")));
    const QString path = m_spool + QStringLiteral("/slow upload ✓.jsonl");
    QElapsedTimer sinceLast;
    for (int i = 1; i <= lines; ++i) {
        QVERIFY(appendClosed(path, taskLine(i)));
        sinceLast.start();
        QTest::qWait(150);
        QVERIFY2(QFile::exists(path), qPrintable(QStringLiteral("taken after %1 of %2 lines").arg(i).arg(lines)));
        QCOMPARE(taskCount(), 0);
    }
    QTRY_COMPARE_WITH_TIMEOUT(filesIn(m_spool, QStringLiteral("done")).size(), 2, 10'000);
    QVERIFY(sinceLast.elapsed() >= 600); // no earlier than its stable time after the last write
    QCOMPARE(taskCount(), lines);
    QVERIFY(filesIn(m_spool, QStringLiteral("done")).contains(QStringLiteral("slow upload ✓.jsonl")));
    QVERIFY(spools->problems().isEmpty());
}

// The maildir way: a producer writes into tmp/ over 2 s and renames into new/ at the end; nothing is taken before.
void TestSpoolStable::slowWriterInTmpIsNeverTakenEarly()
{
    constexpr int lines = 15;
    SpoolConfig config;
    config.dir = m_spool;
    QVERIFY(addSpool(QStringLiteral("maildir"), config));
    auto spools = service(100);
    QTRY_VERIFY(QFileInfo::exists(m_spool + QStringLiteral("/tmp")));
    const QString path = m_spool + QStringLiteral("/tmp/slow.jsonl");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    for (int i = 1; i <= lines; ++i) {
        QVERIFY(file.write(taskLine(i)) > 0);
        QVERIFY(file.flush());
        QTest::qWait(130);
        QCOMPARE(taskCount(), 0);
        QVERIFY(filesIn(m_spool, QStringLiteral("new")).isEmpty());
    }
    file.close();
    QVERIFY(QFile::rename(path, m_spool + QStringLiteral("/new/slow.jsonl")));
    QTRY_COMPARE_WITH_TIMEOUT(filesIn(m_spool, QStringLiteral("done")).size(), 2, 10'000);
    QCOMPARE(taskCount(), lines);
}

// A writer that keeps its file open and pauses for longer than the stable time: the kernel's lease check sees it
// (for the file's owner, or root), so the file waits until it is closed.
void TestSpoolStable::writerHoldingTheFileOpenIsWaitedFor()
{
    QVERIFY(m_engine->setPaused(QString(), true));
    SpoolIngester spool(QStringLiteral("held"), stableSpool(m_spool, 150), *m_engine, *m_reader);
    QVERIFY(spool.prepare());
    const QString path = m_spool + QStringLiteral("/held.json");
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    QVERIFY(fd >= 0);
    const QByteArray half = R"({"type":"noop",)";
    QCOMPARE(::write(fd, half.constData(), size_t(half.size())), half.size());
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 1000) { // far longer than 150 ms of no change
        QVERIFY(spool.ingest(100));
        QVERIFY(QFile::exists(path));
        QVERIFY(spool.msUntilSettled() >= 0); // still waited for
        QTest::qWait(50);
    }
    const QByteArray rest = R"("payload":{}})";
    QCOMPARE(::write(fd, rest.constData(), size_t(rest.size())), rest.size());
    ::close(fd);
    QTRY_VERIFY_WITH_TIMEOUT(spool.ingest(100) && !QFile::exists(path), 5000);
    QCOMPARE(spool.msUntilSettled(), -1);
    QCOMPARE(taskCount(), 1);
    QVERIFY(filesIn(m_spool, QStringLiteral("failed")).isEmpty()); // the whole JSON, not half of it
    QVERIFY(filesIn(m_spool, QStringLiteral("cur")).contains(QStringLiteral("held.json")));
}

void TestSpoolStable::anotherFolderOddNamesLinksAndForeignFiles()
{
    const QString uploads = m_dir.filePath(QStringLiteral("uploads%1").arg(m_round));
    SpoolConfig config = stableSpool(m_spool, 100, uploads);
    config.type = QStringLiteral("noop");
    config.pattern = QStringLiteral("*.jpg");
    config.payloadTemplate = QJsonObject {{QStringLiteral("input"), QStringLiteral("{path}")}};
    SpoolIngester spool(QStringLiteral("uploads"), config, *m_engine, *m_reader);
    spool.onProblem = [this](const SpoolProblem& p) { m_problems.append(p); };
    QVERIFY(spool.prepare());
    QVERIFY(QFileInfo(uploads).isDir()); // created

    const QStringList taken {QStringLiteral("with space.jpg"), QStringLiteral("new\nline.jpg"),
        QStringLiteral("Ünïcødé 日本語 🎉.jpg"), QStringLiteral("task.json")};
    const QStringList skipped {QStringLiteral(".hidden.jpg"), QStringLiteral("upload.jpg.part"),
        QStringLiteral("x.jpg.crdownload"), QStringLiteral("edit.jpg~")};
    for (const QString& name : taken + skipped + QStringList {QStringLiteral("notes.txt")}) {
        QFile file(uploads + u'/' + name);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(name.endsWith(QLatin1String(".json")) ? R"({"type":"noop"})" : "x");
    }
    const QString outside = m_dir.filePath(QStringLiteral("outside%1.jpg").arg(m_round));
    QVERIFY(appendClosed(outside, "x"));
    QVERIFY(QFile::link(outside, uploads + QStringLiteral("/link.jpg")));
    QVERIFY(QDir(uploads).mkdir(QStringLiteral("sub.jpg")));

    QVERIFY(spool.ingest(100)); // the first look only records them
    QCOMPARE(taskCount(), 0);
    QTest::qWait(150);
    const Result<int> n = spool.ingest(100);
    QVERIFY2(n, qPrintable(n.errorString()));
    QCOMPARE(*n, int(taken.size()));
    QCOMPARE(taskCount(), taken.size());
    QStringList left = filesIn(uploads, QString());
    left.sort();
    QStringList expected = skipped + QStringList {QStringLiteral("link.jpg"), QStringLiteral("notes.txt")};
    expected.sort();
    QCOMPARE(left, expected);
    QVERIFY(QFileInfo(uploads + QStringLiteral("/link.jpg")).isSymLink());
    QVERIFY(QFile::exists(outside)); // never followed
    QStringList reported;
    for (const SpoolProblem& p : std::as_const(m_problems))
        reported.append(p.file + QStringLiteral(": ") + p.reason);
    reported.sort();
    QCOMPARE(reported,
        QStringList({uploads + QStringLiteral("/link.jpg: a symbolic link: left in place, never followed"),
            uploads + QStringLiteral("/notes.txt: not a file of this spool: left in place")}));
    QStringList inCur = filesIn(m_spool, QStringLiteral("cur"));
    inCur.sort();
    QStringList takenSorted = taken;
    takenSorted.sort();
    QCOMPARE(inCur, takenSorted);
}

QTEST_GUILESS_MAIN(TestSpoolStable)
#include "tst_spoolstable.moc"
