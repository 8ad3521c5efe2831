// CommitBell: a ring wakes every other bell on the database and never the ringer itself; a bell alone does not ring.
#include "core/commitbell.h"
#include "core/databaseurl.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <memory>
#include <thread>

using namespace qd;

namespace {

// A bell with a name of its own (two bells in one process would otherwise share the pid's file), counting its wakes
// and rearming at once, as a writer that took the wake does.
struct CountingBell {
    std::atomic<int> woken {0};
    std::atomic<CommitBell*> made {nullptr}; // the callback may run before the constructor returns
    std::unique_ptr<CommitBell> bell;

    CountingBell(const QString& db, const char* name)
    {
        bell = std::make_unique<CommitBell>(
            db,
            [this] {
                ++woken;
                while (!made.load())
                    std::this_thread::yield();
                made.load()->rearm();
            },
            QByteArray(name));
        made = bell.get();
    }
};

} // namespace

class TestCommitBell : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { m_db = m_dir.filePath(QStringLiteral("%1.db").arg(QLatin1String(QTest::currentTestFunction()))); }
    void aRingWakesTheOthersAndNotTheRinger();
    void aBellAloneDoesNotRing();
    void aBellStartedLaterIsWatched();
    void aOneShotRingWakesEveryBell();
    void aBellThatLeftIsNoLongerWatched();
    void serverBellPathNamesTheServerAndDatabase();

private:
    QTemporaryDir m_dir;
    QString m_db;
};

void TestCommitBell::aRingWakesTheOthersAndNotTheRinger()
{
    CountingBell a(m_db, "a");
    CountingBell b(m_db, "b");
    QVERIFY(a.bell->isListening() && b.bell->isListening());
    QTRY_COMPARE(a.bell->othersWatched(), 1);
    QCOMPARE(b.bell->othersWatched(), 1);
    // b's start (its file appearing) is one wake of a; let it pass before counting.
    QTRY_VERIFY(a.bell->wakeups() >= 1);
    QTest::qWait(50);
    const qint64 aWakeupsBefore = a.bell->wakeups();
    const int aWokenBefore = a.woken;
    for (int i = 0; i < 20; ++i) {
        const int before = b.woken;
        a.bell->ring();
        QTRY_COMPARE(b.woken.load(), before + 1);
    }
    QTest::qWait(50);
    QCOMPARE(a.bell->wakeups(), aWakeupsBefore); // its own rings never woke its thread
    QCOMPARE(a.woken.load(), aWokenBefore);
}

void TestCommitBell::aBellAloneDoesNotRing()
{
    CountingBell a(m_db, "a");
    QVERIFY(a.bell->isListening());
    QCOMPARE(a.bell->othersWatched(), 0);
    const QString own = m_db + QStringLiteral("-wake/a");
    QVERIFY(QFileInfo::exists(own));
    a.bell->ring();
    QCOMPARE(QFileInfo(own).size(), qint64(0)); // nothing written: nobody listens
}

void TestCommitBell::aBellStartedLaterIsWatched()
{
    CountingBell a(m_db, "a");
    CountingBell b(m_db, "b");
    QTRY_COMPARE(a.bell->othersWatched(), 1);
    CountingBell c(m_db, "c");
    QTRY_COMPARE(a.bell->othersWatched(), 2);
    QTRY_COMPARE(b.bell->othersWatched(), 2);
    QCOMPARE(c.bell->othersWatched(), 2);
    const int aBefore = a.woken, bBefore = b.woken;
    c.bell->ring();
    QTRY_COMPARE(a.woken.load(), aBefore + 1);
    QTRY_COMPARE(b.woken.load(), bBefore + 1);
}

void TestCommitBell::aOneShotRingWakesEveryBell()
{
    CountingBell a(m_db, "a");
    CountingBell b(m_db, "b");
    QTRY_COMPARE(a.bell->othersWatched(), 1);
    QTest::qWait(50);
    const int aBefore = a.woken, bBefore = b.woken;
    CommitBell::ringOnce(m_db); // a one-shot CLI command: its file appears, is written and removed at once
    QTRY_VERIFY(a.woken.load() > aBefore);
    QTRY_VERIFY(b.woken.load() > bBefore);
    QTRY_COMPARE(a.bell->othersWatched(), 1); // the one-shot file's watch went with it
}

void TestCommitBell::aBellThatLeftIsNoLongerWatched()
{
    CountingBell a(m_db, "a");
    {
        CountingBell b(m_db, "b");
        QTRY_COMPARE(a.bell->othersWatched(), 1);
    }
    QTRY_COMPARE(a.bell->othersWatched(), 0);
    a.bell->ring();
    QCOMPARE(QFileInfo(m_db + QStringLiteral("-wake/a")).size(), qint64(0));
}

// Processes on one host share a bell for a MariaDB database whoever they log in as, and never with another database.
void TestCommitBell::serverBellPathNamesTheServerAndDatabase()
{
    const auto path = [](const char* url) {
        auto parsed = DatabaseUrl::parse(QLatin1String(url));
        return parsed ? CommitBell::serverBellPath(*parsed) : QString();
    };
    const QString a = path("mariadb://alice:secret@localhost/jobs?socket=/run/mysqld/mysqld.sock");
    QVERIFY(!a.isEmpty());
    QCOMPARE(path("mariadb://bob@localhost/jobs?socket=/run/mysqld/mysqld.sock"), a);
    QVERIFY(path("mariadb://alice@localhost/other?socket=/run/mysqld/mysqld.sock") != a);
    QVERIFY(path("mariadb://alice@localhost/jobs?socket=/tmp/other.sock") != a);
    QVERIFY(path("mariadb://alice@db1:3306/jobs") != path("mariadb://alice@db2:3306/jobs"));
    QVERIFY(!a.contains(QLatin1String("secret")));
}

QTEST_GUILESS_MAIN(TestCommitBell)
#include "tst_commitbell.moc"
