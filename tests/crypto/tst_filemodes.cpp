// Files holding tasks are created 0600 whatever the umask: the database, its -wal and -shm, and exports.
#include "../core/storetestutil.h"

#include "core/export/historyexporter.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace qd;
using namespace qd::test;

class TestFileModes : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { m_oldUmask = ::umask(022); }
    void cleanupTestCase() { ::umask(m_oldUmask); }
    void databaseWalAndShmAreOwnerOnly();
    void exportsAreOwnerOnly();

private:
    static int mode(const QString& path)
    {
        struct stat st { };
        return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
    }
    mode_t m_oldUmask = 0;
    QTemporaryDir m_dir;
};

void TestFileModes::databaseWalAndShmAreOwnerOnly()
{
    const QString path = m_dir.filePath(QStringLiteral("sub/modes.db"));
    auto store = openStore(path);
    QVERIFY(store);
    QVERIFY(store->enqueue({task()}, 1'700'000'000'000));
    for (const QString& file : QStringList {path, path + QLatin1String("-wal"), path + QLatin1String("-shm")})
        QCOMPARE(mode(file), 0600);
}

void TestFileModes::exportsAreOwnerOnly()
{
    auto store = openStore(m_dir.filePath(QStringLiteral("export.db")));
    QVERIFY(store);
    QVERIFY(store->enqueue({task()}, 1'700'000'000'000));
    const QString fresh = m_dir.filePath(QStringLiteral("tasks.csv"));
    QVERIFY(HistoryExporter::exportTasks(*store, {}, ExportFormat::Csv, fresh));
    QCOMPARE(mode(fresh), 0600);
    // Replacing an existing, readable file narrows it too.
    const QString existing = m_dir.filePath(QStringLiteral("old.jsonl"));
    QFile old(existing);
    QVERIFY(old.open(QIODevice::WriteOnly));
    old.close();
    QVERIFY(QFile::setPermissions(existing, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
    QVERIFY(HistoryExporter::exportTasks(*store, {}, ExportFormat::JsonLines, existing));
    QCOMPARE(mode(existing), 0600);
}

QTEST_GUILESS_MAIN(TestFileModes)
#include "tst_filemodes.moc"
