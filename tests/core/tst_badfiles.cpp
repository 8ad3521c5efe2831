// Bad database files: each is reported clearly at open, and the file is never modified or deleted.
#include "storetestutil.h"

#include "core/queueengine.h"
#include "core/taskstore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QScopeGuard>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTest>

#include <unistd.h>

using namespace qd;
using namespace qd::test;

namespace {

QByteArray fingerprint(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

Error openError(const QString& path, bool readOnly = false, int busyTimeoutMs = 5000)
{
    StoreOptions options;
    options.path = path;
    options.readOnly = readOnly;
    options.busyTimeoutMs = busyTimeoutMs;
    auto store = TaskStore::open(options);
    if (store)
        return Error {ErrorCode::Internal, QStringLiteral("opened fine")};
    return store.error();
}

} // namespace

class TestBadFiles : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void notADatabase();
    void truncatedDatabase();
    void newerSchema();
    void anotherProgramsDatabase();
    void missingFile();
    void readOnlyFile();
    void readOnlyFolder();
    void lockedByAnotherProcess();
    void directoryInsteadOfFile();

private:
    QString makeDatabase(const QString& name, int tasks);
    QTemporaryDir m_dir;
};

QString TestBadFiles::makeDatabase(const QString& name, int tasks)
{
    const QString path = m_dir.filePath(name);
    auto store = openStore(path);
    if (!store)
        return {};
    QList<NewTask> batch(
        tasks, task(QStringLiteral("noop"), QStringLiteral("default"), "{\"pad\":\"" + QByteArray(200, 'p') + "\"}"));
    store->enqueue(batch, 1000);
    QSqlQuery q(store->database());
    q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    return path;
}

void TestBadFiles::notADatabase()
{
    const QString path = m_dir.filePath(QStringLiteral("notes.txt"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray("these are my notes, not a database\n").repeated(200));
    f.close();
    const QByteArray before = fingerprint(path);
    const Error e = openError(path);
    QCOMPARE(e.code, ErrorCode::Corrupt);
    QVERIFY2(e.message.contains(u"not a SQLite database"), qPrintable(e.message));
    QCOMPARE(fingerprint(path), before);
}

void TestBadFiles::truncatedDatabase()
{
    const QString path = makeDatabase(QStringLiteral("truncated.db"), 500);
    QVERIFY(!path.isEmpty());
    QFile f(path);
    const qint64 half = f.size() / 2;
    QVERIFY(f.resize(half));
    const QByteArray before = fingerprint(path);
    const Error e = openError(path);
    QCOMPARE(e.code, ErrorCode::Corrupt);
    QVERIFY2(e.message.contains(u"truncated"), qPrintable(e.message));
    QCOMPARE(fingerprint(path), before);
    QCOMPARE(openError(path, true).code, ErrorCode::Corrupt);
}

void TestBadFiles::newerSchema()
{
    const QString path = makeDatabase(QStringLiteral("future.db"), 1);
    {
        auto store = openStore(path);
        QSqlQuery q(store->database());
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = 99")));
    }
    const QByteArray before = fingerprint(path);
    const Error e = openError(path);
    QCOMPARE(e.code, ErrorCode::SchemaTooNew);
    QVERIFY2(e.message.contains(u"newer QueueDesk"), qPrintable(e.message));
    QCOMPARE(fingerprint(path), before);
}

void TestBadFiles::anotherProgramsDatabase()
{
    const QString path = m_dir.filePath(QStringLiteral("browser-history.sqlite"));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("foreign"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("CREATE TABLE visits(url TEXT)")));
        QVERIFY(q.exec(QStringLiteral("INSERT INTO visits VALUES ('https://example.org')")));
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
    const QByteArray before = fingerprint(path);
    const Error e = openError(path);
    QCOMPARE(e.code, ErrorCode::Corrupt);
    QVERIFY2(e.message.contains(u"another program"), qPrintable(e.message));
    QCOMPARE(fingerprint(path), before);
}

void TestBadFiles::missingFile()
{
    const QString path = m_dir.filePath(QStringLiteral("nested/dir/new.db"));
    const Error e = openError(path, true);
    QCOMPARE(e.code, ErrorCode::NotFound);
    QVERIFY(!QFile::exists(path)); // looking read-only creates nothing
    auto store = openStore(path); // read-write creates the file and its directory
    QVERIFY(store);
    QVERIFY(QFile::exists(path));
}

void TestBadFiles::readOnlyFile()
{
    const QString path = makeDatabase(QStringLiteral("readonly.db"), 10);
    if (::geteuid() == 0) {
        // root writes through file permissions; the immutable attribute stops even root.
        if (QProcess::execute(QStringLiteral("chattr"), {QStringLiteral("+i"), path}) != 0)
            QSKIP("running as root without chattr +i: a read-only file cannot be simulated here");
    } else {
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadGroup));
    }
    const QByteArray before = fingerprint(path);
    const Error e = openError(path);
    QCOMPARE(e.code, ErrorCode::ReadOnly);
    QVERIFY2(e.message.contains(u"read-only"), qPrintable(e.message));
    // Looking at it read-only works, and every write is refused with a clear error.
    {
        EngineOptions options;
        options.store.path = path;
        options.store.readOnly = true;
        auto engine = QueueEngine::open(options);
        QVERIFY2(engine, qPrintable(engine.errorString()));
        QTRY_COMPARE((*engine)->counts().value(QStringLiteral("default"))[0], 10); // counted just after open()
        auto r = (*engine)->enqueue(task());
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::ReadOnly);
    }
    QCOMPARE(fingerprint(path), before);
    if (::geteuid() == 0)
        QProcess::execute(QStringLiteral("chattr"), {QStringLiteral("-i"), path});
}

// A post-mortem copy on a read-only mount: neither the file nor its folder can be written, so SQLite cannot create
// the WAL index beside it. Opened read-only it must still show its tasks, and stay as it was.
void TestBadFiles::readOnlyFolder()
{
    const QString folder = m_dir.filePath(QStringLiteral("readonly folder"));
    QVERIFY(QDir().mkpath(folder));
    const QString path = makeDatabase(QStringLiteral("readonly folder/copy.db"), 7);
    QVERIFY(!path.isEmpty());
    QVERIFY(!QFileInfo::exists(path + QLatin1String("-shm")));
    const bool root = ::geteuid() == 0;
    const auto setReadOnly = [&](bool on) {
        if (root) // root writes through permissions; the immutable attribute stops even root
            return QProcess::execute(
                       QStringLiteral("chattr"), {on ? QStringLiteral("+i") : QStringLiteral("-i"), path, folder})
                == 0;
        return QFile::setPermissions(path, on ? QFile::ReadOwner : QFile::ReadOwner | QFile::WriteOwner)
            && QFile::setPermissions(
                folder, QFile::ReadOwner | QFile::ExeOwner | (on ? QFile::Permissions() : QFile::WriteOwner));
    };
    if (!setReadOnly(true))
        QSKIP("running as root without chattr +i: a read-only folder cannot be simulated here");
    auto writableAgain = qScopeGuard([&] { setReadOnly(false); }); // or the temporary folder cannot be removed
    const QByteArray before = fingerprint(path);
    {
        EngineOptions options;
        options.store.path = path;
        options.store.readOnly = true;
        auto engine = QueueEngine::open(options);
        QVERIFY2(engine, qPrintable(engine.errorString()));
        QTRY_COMPARE((*engine)->counts().value(QStringLiteral("default"))[0], 7);
        auto r = (*engine)->enqueue(task());
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::ReadOnly);
    }
    QCOMPARE(fingerprint(path), before);
    QVERIFY(!QFileInfo::exists(path + QLatin1String("-shm")));
}

void TestBadFiles::lockedByAnotherProcess()
{
    const QString path = makeDatabase(QStringLiteral("locked.db"), 10);
    const QString sqlite = QStandardPaths::findExecutable(QStringLiteral("sqlite3"));
    QVERIFY2(!sqlite.isEmpty(), "the sqlite3 shell is needed to hold a lock from another process");
    QProcess holder;
    holder.start(sqlite, {path});
    QVERIFY(holder.waitForStarted());
    holder.write("BEGIN EXCLUSIVE;\nINSERT INTO queues(name, created_at) VALUES ('held', 0);\nSELECT 'holding';\n");
    QVERIFY(holder.waitForReadyRead(5000));
    QVERIFY(holder.readAll().contains("holding"));

    EngineOptions options;
    options.store.path = path;
    options.store.busyTimeoutMs = 200;
    options.sampleIntervalMs = 0;
    auto engine = QueueEngine::open(options);
    if (engine) {
        // Opening may succeed (nothing to migrate); the first write must then fail as locked.
        auto r = (*engine)->enqueue(task());
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::DatabaseLocked);
        QVERIFY2(r.errorString().contains(u"locked"), qPrintable(r.errorString()));
    } else {
        QCOMPARE(engine.error().code, ErrorCode::DatabaseLocked);
    }
    holder.write("ROLLBACK;\n.quit\n");
    holder.closeWriteChannel();
    QVERIFY(holder.waitForFinished(5000));
    // The lock is gone: the same engine (or a new one) carries on, and nothing was lost.
    if (!engine)
        engine = QueueEngine::open(options);
    QVERIFY(engine);
    QVERIFY((*engine)->enqueue(task()));
    auto store = openStore(path, true);
    QCOMPARE(*store->countTasks({}), 11);
}

void TestBadFiles::directoryInsteadOfFile()
{
    const Error e = openError(m_dir.path());
    QCOMPARE(e.code, ErrorCode::Io);
}

QTEST_GUILESS_MAIN(TestBadFiles)
#include "tst_badfiles.moc"
