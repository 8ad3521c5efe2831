// A spool on a disk that fills up, a database that fills up, and folders or files it may not touch: each gives an
// error that says what and where, and no file is lost or becomes two tasks; once the cause is gone, every file ends
// in done/ or failed/ with its result.
#include "spooltestutil.h"

#include "tests/core/storetestutil.h"
#include "tests/support/smalltmpfs.h"

#include "core/queueengine.h"
#include "core/spool/spoolingester.h"
#include "core/taskstore.h"

#include <QScopeGuard>
#include <QSqlError>
#include <QTest>

#include <cstring>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

using namespace qd;
using namespace qd::test;

namespace {

// Root passes every permission check: while this lives, the calling thread drops CAP_DAC_OVERRIDE,
// CAP_DAC_READ_SEARCH and CAP_FOWNER from its effective set and meets permissions as any user does. Capabilities
// belong to threads, so the engine's threads (which write the database) keep theirs.
class WithoutPermissionOverride {
public:
    WithoutPermissionOverride()
    {
        m_ok = ::syscall(SYS_capget, &m_header, m_saved) == 0;
        if (!m_ok)
            return;
        __user_cap_data_struct reduced[2];
        std::memcpy(reduced, m_saved, sizeof reduced);
        reduced[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH) | (1u << CAP_FOWNER));
        m_ok = ::syscall(SYS_capset, &m_header, reduced) == 0;
    }
    ~WithoutPermissionOverride()
    {
        if (m_ok)
            ::syscall(SYS_capset, &m_header, m_saved);
    }
    WithoutPermissionOverride(const WithoutPermissionOverride&) = delete;
    WithoutPermissionOverride& operator=(const WithoutPermissionOverride&) = delete;
    bool ok() const { return m_ok; }

private:
    __user_cap_header_struct m_header {_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct m_saved[2] {};
    bool m_ok = false;
};

QByteArray goodTask(int i)
{
    return R"({"type":"noop","payload":{"n":)" + QByteArray::number(i) + "}}";
}

bool setMode(const QString& path, QFileDevice::Permissions permissions)
{
    return QFile::setPermissions(path, permissions);
}

constexpr QFileDevice::Permissions readOnlyDir = QFileDevice::ReadOwner | QFileDevice::ExeOwner;
constexpr QFileDevice::Permissions writableDir = readOnlyDir | QFileDevice::WriteOwner;

} // namespace

class TestSpoolFailures : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void permissionErrorsLoseNothing();
    void fullSpoolDiskLosesNothing();
    void fullDatabaseLosesNothing();

private:
    qint64 taskCount() { return scalar(*m_reader, QStringLiteral("SELECT count(*) FROM tasks")); }
    std::unique_ptr<SpoolIngester> ingester();
    // ingest() and finish() until `files` files are in done/ and failed/ (or the time is up).
    bool drain(SpoolIngester& spool, int files);
    // Every one of `files` in exactly one of the spool's folders (new/ and cur/ count once: a link in both is one
    // file being ingested), with its content.
    void checkNothingLost(const QMap<QString, QByteArray>& files);

    QTemporaryDir m_dir;
    QString m_spool;
    EngineOptions m_options;
    std::unique_ptr<QueueEngine> m_engine;
    std::unique_ptr<TaskStore> m_reader;
    QList<SpoolProblem> m_problems;
    int m_round = 0;
};

void TestSpoolFailures::init()
{
    ++m_round;
    m_spool = m_dir.filePath(QStringLiteral("spool%1").arg(m_round));
    m_problems.clear();
}

void TestSpoolFailures::cleanup()
{
    m_reader.reset();
    m_engine.reset();
}

std::unique_ptr<SpoolIngester> TestSpoolFailures::ingester()
{
    SpoolConfig config;
    config.dir = m_spool;
    auto spool = std::make_unique<SpoolIngester>(QStringLiteral("spool"), config, *m_engine, *m_reader);
    spool->onProblem = [this](const SpoolProblem& p) { m_problems.append(p); };
    if (!spool->prepare())
        return nullptr;
    return spool;
}

bool TestSpoolFailures::drain(SpoolIngester& spool, int files)
{
    for (int i = 0; i < 1000; ++i) {
        const Result<int> taken = spool.ingest(1000);
        const Result<int> moved = spool.finish({});
        if (!taken || !moved) {
            qWarning("%s", qPrintable(taken ? moved.errorString() : taken.errorString()));
            return false;
        }
        const qsizetype ended
            = filesIn(m_spool, QStringLiteral("done")).size() + filesIn(m_spool, QStringLiteral("failed")).size();
        if (ended == 2 * files) // each with its result file
            return true;
        QTest::qWait(20);
    }
    return false;
}

void TestSpoolFailures::checkNothingLost(const QMap<QString, QByteArray>& files)
{
    for (auto it = files.begin(); it != files.end(); ++it) {
        int places = 0;
        QString where;
        for (const char* folder : {"new", "cur", "done", "failed"}) {
            if (!filesIn(m_spool, QLatin1String(folder)).contains(it.key()))
                continue;
            where = QLatin1String(folder);
            if (where != u"cur" || !filesIn(m_spool, QStringLiteral("new")).contains(it.key()))
                ++places;
        }
        QVERIFY2(places == 1, qPrintable(QStringLiteral("%1 is in %2 places").arg(it.key()).arg(places)));
        QFile file(m_spool + u'/' + where + u'/' + it.key());
        if (file.open(QIODevice::ReadOnly))
            QCOMPARE(file.readAll(), it.value());
        else // the unreadable one
            QCOMPARE(file.size(), it.value().size());
    }
    // No half-written result left behind.
    for (const char* folder : {"done", "failed"}) {
        for (const QString& name : filesIn(m_spool, QLatin1String(folder)))
            QVERIFY2(!name.startsWith(u'.'), qPrintable(name));
    }
}

void TestSpoolFailures::permissionErrorsLoseNothing()
{
    QVERIFY(openTestEngine(m_dir, QStringLiteral("failures%1").arg(m_round), 2, m_options, m_engine, m_reader));
    auto spool = ingester();
    QVERIFY(spool);
    const QMap<QString, QByteArray> files {{QStringLiteral("a.json"), goodTask(1)},
        {QStringLiteral("b.jsonl"), goodTask(2) + '\n' + goodTask(3) + '\n'},
        {QStringLiteral("locked.json"), goodTask(4)}, {QStringLiteral("bad.json"), "{broken"}};
    QMap<QString, QByteArray> dropped = files; // bad.json comes later
    dropped.remove(QStringLiteral("bad.json"));
    for (auto it = dropped.begin(); it != dropped.end(); ++it)
        QVERIFY(dropFile(m_spool, it.key(), it.value()));
    const QString locked = m_spool + QStringLiteral("/new/locked.json");
    QVERIFY(setMode(locked, {}));
    const QString cur = m_spool + QStringLiteral("/cur");
    QVERIFY(setMode(cur, readOnlyDir));
    auto restore = qScopeGuard([&] {
        for (const char* folder : {"cur", "done", "failed"})
            setMode(m_spool + u'/' + QLatin1String(folder), writableDir);
    });
    WithoutPermissionOverride ordinary;
    QVERIFY(ordinary.ok());

    // cur/ cannot be written: one error for the spool, nothing stored, every file still in new/.
    const Result<int> refused = spool->ingest(100);
    QVERIFY(!refused);
    QVERIFY2(refused.errorString().contains(QStringLiteral("Cannot link files into ") + cur)
            && refused.errorString().contains(QStringLiteral("Permission denied")),
        qPrintable(refused.errorString()));
    QCOMPARE(taskCount(), 0);
    checkNothingLost(dropped);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(filesIn(m_spool, QStringLiteral("new")).size(), 3);
    QVERIFY(setMode(cur, writableDir));
    QVERIFY(spool->ingest(100));
    QCOMPARE(taskCount(), 3);

    // The unreadable file stays in new/, reported once.
    QVERIFY(spool->ingest(100));
    QCOMPARE(filesIn(m_spool, QStringLiteral("new")), QStringList {QStringLiteral("locked.json")});
    QCOMPARE(m_problems.size(), 1);
    QCOMPARE(m_problems.first().file, QStringLiteral("new/locked.json"));
    QCOMPARE(m_problems.first().reason, QStringLiteral("cannot be read (Permission denied): left in place"));

    // done/ cannot be written: the files whose tasks ended stay in cur/.
    QVERIFY(setMode(m_spool + QStringLiteral("/done"), readOnlyDir));
    QTRY_COMPARE(scalar(*m_reader, QStringLiteral("SELECT count(*) FROM tasks WHERE state = 'succeeded'")), 3);
    const Result<int> notMoved = spool->finish({});
    QVERIFY(!notMoved);
    QVERIFY2(notMoved.errorString().startsWith(QStringLiteral("Cannot write in ") + m_spool + QStringLiteral("/done"))
            && notMoved.errorString().contains(QStringLiteral("Permission denied")),
        qPrintable(notMoved.errorString()));
    checkNothingLost(dropped);
    if (QTest::currentTestFailed())
        return;

    // failed/ cannot be written: a malformed file stays in new/.
    QVERIFY(setMode(m_spool + QStringLiteral("/failed"), readOnlyDir));
    QVERIFY(dropFile(m_spool, QStringLiteral("bad.json"), files.value(QStringLiteral("bad.json"))));
    const Result<int> notRejected = spool->ingest(100);
    QVERIFY(!notRejected);
    QVERIFY2(notRejected.errorString().contains(QStringLiteral("/failed: Permission denied")),
        qPrintable(notRejected.errorString()));
    checkNothingLost(files);
    if (QTest::currentTestFailed())
        return;

    // Everything allowed again: each file ends once.
    restore.dismiss();
    for (const char* folder : {"done", "failed"})
        QVERIFY(setMode(m_spool + u'/' + QLatin1String(folder), writableDir));
    QVERIFY(setMode(m_spool + QStringLiteral("/new/locked.json"), QFileDevice::ReadOwner | QFileDevice::WriteOwner));
    QVERIFY(drain(*spool, int(files.size())));
    checkNothingLost(files);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(taskCount(), 4);
    QCOMPARE(filesIn(m_spool, QStringLiteral("failed")),
        QStringList({QStringLiteral("bad.json"), QStringLiteral("bad.json.result.json")}));
}

// The spool's disk fills up (a small tmpfs, so root only): results cannot be written, rejected files cannot be
// moved; once room is back, every file ends where it belongs.
void TestSpoolFailures::fullSpoolDiskLosesNothing()
{
    SmallTmpfs mountPoint(QStringLiteral("2m"), QStringLiteral("qd-spool-full-test"));
    if (!mountPoint.mounted())
        QSKIP(qPrintable(mountPoint.skipReason()));
    m_spool = mountPoint.filePath(QStringLiteral("spool"));
    QVERIFY(openTestEngine(m_dir, QStringLiteral("failures%1").arg(m_round), 2, m_options, m_engine, m_reader));
    auto spool = ingester();
    QVERIFY(spool);
    QMap<QString, QByteArray> files;
    for (int i = 0; i < 40; ++i)
        files.insert(QStringLiteral("f%1.json").arg(i, 2, 10, QLatin1Char('0')), i % 8 == 0 ? "{broken" : goodTask(i));
    for (auto it = files.begin(); it != files.end(); ++it)
        QVERIFY(dropFile(m_spool, it.key(), it.value()));
    {
        QFile filler(mountPoint.filePath(QStringLiteral("filler")));
        QVERIFY(filler.open(QIODevice::WriteOnly));
        const QByteArray chunk(4096, 'f');
        while (filler.write(chunk) == chunk.size() && filler.flush()) { }
    }

    QStringList errors;
    for (int i = 0; i < 20; ++i) {
        if (const Result<int> taken = spool->ingest(100); !taken)
            errors.append(taken.errorString());
        if (const Result<int> moved = spool->finish({}); !moved)
            errors.append(moved.errorString());
        QTest::qWait(20);
    }
    QVERIFY(!errors.isEmpty());
    for (const QString& error : std::as_const(errors))
        QVERIFY2(error.startsWith(QStringLiteral("Cannot write in ") + m_spool)
                && error.endsWith(QStringLiteral(": No space left on device")),
            qPrintable(error));
    checkNothingLost(files);
    if (QTest::currentTestFailed())
        return;
    const qint64 storedWhileFull = taskCount();

    QVERIFY(QFile::remove(mountPoint.filePath(QStringLiteral("filler"))));
    QVERIFY(drain(*spool, int(files.size())));
    checkNothingLost(files);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(taskCount() >= storedWhileFull);
    QCOMPARE(taskCount(), 35);
    QCOMPARE(scalar(*m_reader, QStringLiteral("SELECT count(DISTINCT payload) FROM tasks")), 35);
    QCOMPARE(filesIn(m_spool, QStringLiteral("failed")).size(), 10);
    m_reader.reset(); // before the unmount
    m_engine.reset();
}

// The database cannot grow (SQLite's max_page_count, as tst_fulldisk does): the tasks of new/ cannot be stored; the
// files wait, and nothing is stored twice once there is room.
void TestSpoolFailures::fullDatabaseLosesNothing()
{
    if (onServer())
        QSKIP("max_page_count is SQLite's");
    QVERIFY(openTestEngine(m_dir, QStringLiteral("failures%1").arg(m_round), 0, m_options, m_engine, m_reader));
    auto spool = ingester();
    QVERIFY(spool);
    QMap<QString, QByteArray> files;
    QByteArray lines;
    for (int i = 0; i < 2000; ++i)
        lines += R"({"type":"noop","payload":{"pad":")" + QByteArray(200, 'p') + R"(","n":)" + QByteArray::number(i)
            + "}}\n";
    for (int i = 0; i < 10; ++i)
        files.insert(QStringLiteral("big%1.jsonl").arg(i), lines);
    for (auto it = files.begin(); it != files.end(); ++it)
        QVERIFY(dropFile(m_spool, it.key(), it.value()));
    auto limitPages = [&](qint64 limit) {
        return m_engine->runInWriter([&](TaskStore& store) -> Status {
            QSqlQuery q(store.database());
            if (!q.exec(QStringLiteral("PRAGMA max_page_count = %1").arg(limit)))
                return Error {ErrorCode::Internal, q.lastError().text()};
            return success();
        });
    };
    QVERIFY(limitPages(scalar(*m_reader, QStringLiteral("PRAGMA page_count")) + 5));
    const Result<int> refused = spool->ingest(100);
    QVERIFY(!refused);
    QVERIFY2(refused.errorString().startsWith(QStringLiteral("Cannot store the tasks of new/ (the files stay there)"))
            && refused.errorString().contains(QStringLiteral("full")),
        qPrintable(refused.errorString()));
    checkNothingLost(files);
    if (QTest::currentTestFailed())
        return;
    const qint64 storedWhileFull = taskCount(); // the first transactions may have fitted
    QVERIFY(storedWhileFull < 20'000);

    QVERIFY(limitPages(1'000'000'000));
    m_engine->setWorkerCount(2);
    QVERIFY(drain(*spool, int(files.size())));
    checkNothingLost(files);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(taskCount(), 20'000);
    QCOMPARE(scalar(*m_reader, QStringLiteral("SELECT count(DISTINCT idempotency_key) FROM tasks")), 20'000);
    QCOMPARE(filesIn(m_spool, QStringLiteral("done")).size(), 20);
}

QTEST_GUILESS_MAIN(TestSpoolFailures)
#include "tst_spoolfailures.moc"
