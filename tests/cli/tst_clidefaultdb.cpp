// The default database (issue 16, item 9): $XDG_DATA_HOME/QueueDesk/queuedesk.db, one folder deep as the README says;
// a database at the old place (QueueDesk/QueueDesk/, from QStandardPaths::AppDataLocation) is moved there once,
// but only when no other program has it open and its write-ahead log holds nothing; otherwise it is used where it is,
// with a warning, and moved at a later start.
// The CLI runs as a child with XDG_DATA_HOME set; QStandardPaths' test mode is not used (it would not reach the child).
#include "clirunner.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using qdtest::CliRun;

class TestCliDefaultDb : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;

    QString dataHome() const { return m_dir->filePath(QStringLiteral("data")); }
    QString newPath() const { return dataHome() + QStringLiteral("/QueueDesk/queuedesk.db"); }
    QString oldPath() const { return dataHome() + QStringLiteral("/QueueDesk/QueueDesk/queuedesk.db"); }

    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_DATA_HOME"), dataHome());
        env.insert(QStringLiteral("HOME"), m_dir->path());
        return env;
    }

    CliRun cli(const QStringList& arguments) { return qdtest::runCli(environment(), arguments); }

    // Makes a database at the old place holding `tasks` tasks, the way an older QueueDesk left it.
    void makeOldDatabase(int tasks)
    {
        for (int i = 0; i < tasks; ++i) {
            const CliRun r = cli({QStringLiteral("--db"), oldPath(), QStringLiteral("enqueue"),
                QStringLiteral("--type"), QStringLiteral("noop")});
            QCOMPARE(r.exitCode, 0);
        }
        QVERIFY(QFile::exists(oldPath()));
        QVERIFY(!QFile::exists(oldPath() + QStringLiteral("-wal")));
    }

    qint64 countAt(const QString& path)
    {
        const CliRun r = cli({QStringLiteral("--db"), path, QStringLiteral("--json"), QStringLiteral("list")});
        return r.exitCode == 0 ? r.json().value(QLatin1String("total")).toInteger() : -1;
    }

    qint64 countAtDefault()
    {
        const CliRun r = cli({QStringLiteral("--json"), QStringLiteral("list")});
        return r.exitCode == 0 ? r.json().value(QLatin1String("total")).toInteger() : -1;
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void defaultIsOneFolderDeep()
    {
        const CliRun help = cli({QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        QVERIFY2(help.out.contains(QDir::toNativeSeparators(newPath()).toUtf8()), help.out.constData());
        QVERIFY2(!help.out.contains("QueueDesk/QueueDesk"), help.out.constData());
        QVERIFY(!QFile::exists(dataHome())); // --help creates nothing

        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop")}).exitCode, 0);
        QVERIFY(QFile::exists(newPath()));
        QVERIFY(!QFile::exists(dataHome() + QStringLiteral("/QueueDesk/QueueDesk")));
        QCOMPARE(countAtDefault(), 1);
    }

    void oldDatabaseIsMovedOnce()
    {
        makeOldDatabase(2);
        const CliRun first = cli({QStringLiteral("list")});
        QCOMPARE(first.exitCode, 0);
        QVERIFY2(first.err.contains("moved") && first.err.contains(newPath().toUtf8()), first.err.constData());
        QVERIFY(QFile::exists(newPath()));
        QVERIFY(!QFile::exists(oldPath()));
        QVERIFY(!QFile::exists(oldPath() + QStringLiteral("-wal")));
        QVERIFY(!QFile::exists(oldPath() + QStringLiteral("-shm")));
        QVERIFY(!QFile::exists(dataHome() + QStringLiteral("/QueueDesk/QueueDesk"))); // the empty folder went too
        const CliRun again = cli({QStringLiteral("--json"), QStringLiteral("list")});
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(again.json().value(QLatin1String("total")).toInt(), 2);
        QVERIFY2(again.err.isEmpty(), again.err.constData()); // nothing to move any more
    }

    // Renaming a WAL database another program has open is not safe (its next write fails with "database moved",
    // and a program opening it mid-move could find a file without its log): it stays where it is this time.
    void openOldDatabaseIsUsedWhereItIs()
    {
        makeOldDatabase(1);
        const QString connection = QStringLiteral("other-program");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
            db.setDatabaseName(oldPath());
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM tasks")) && query.next());
            query.finish();

            const CliRun r = cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop")});
            QCOMPARE(r.exitCode, 0);
            QVERIFY2(r.err.contains("not moved") && r.err.contains(oldPath().toUtf8()), r.err.constData());
            QVERIFY(QFile::exists(oldPath()));
            QVERIFY(!QFile::exists(newPath()));
            QVERIFY(query.exec(QStringLiteral("SELECT count(*) FROM tasks")) && query.next());
            QCOMPARE(query.value(0).toInt(), 2); // the task went into the old file
            db.close();
        }
        QSqlDatabase::removeDatabase(connection);
        // Closed: the next start moves it.
        QCOMPARE(countAtDefault(), 2);
        QVERIFY(QFile::exists(newPath()));
        QVERIFY(!QFile::exists(oldPath()));
    }

    // A log left by a program that ended without closing holds committed changes: the file is used where it is
    // (SQLite replays the log), and moved at the next start, once it has been closed cleanly.
    void oldDatabaseWithAnUnfinishedLogIsMovedLater()
    {
        makeOldDatabase(1);
        // A copy of a database and its log taken while a program had uncheckpointed changes in it.
        const QString source = m_dir->filePath(QStringLiteral("source.db"));
        QVERIFY(QFile::copy(oldPath(), source));
        QVERIFY(QFile::remove(oldPath()));
        const QString connection = QStringLiteral("writer");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
            db.setDatabaseName(source);
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("PRAGMA journal_mode=WAL")));
            QVERIFY(query.exec(QStringLiteral("PRAGMA wal_autocheckpoint=0")));
            QVERIFY(query.exec(QStringLiteral("UPDATE tasks SET priority = 7")));
            QVERIFY(QFileInfo(source + QStringLiteral("-wal")).size() > 0);
            QVERIFY(QFile::copy(source, oldPath()));
            QVERIFY(QFile::copy(source + QStringLiteral("-wal"), oldPath() + QStringLiteral("-wal")));
            query.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(connection);

        const CliRun r
            = cli({QStringLiteral("--json"), QStringLiteral("list"), QStringLiteral("--search"), QStringLiteral("")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray tasks = r.json().value(QLatin1String("tasks")).toArray();
        QCOMPARE(tasks.size(), 1);
        QCOMPARE(tasks.first().toObject().value(QLatin1String("priority")).toInt(), 7); // the log's change is there
        QVERIFY2(r.err.contains("not moved"), r.err.constData());
        QVERIFY(!QFile::exists(newPath()));
        QVERIFY(!QFile::exists(oldPath() + QStringLiteral("-wal"))); // closed cleanly: log checkpointed and gone

        QCOMPARE(countAtDefault(), 1);
        QVERIFY(QFile::exists(newPath()));
        QVERIFY(!QFile::exists(oldPath()));
    }

    // --read-only moves nothing: it reads the old file where it is.
    void readOnlyLeavesTheOldDatabaseInPlace()
    {
        makeOldDatabase(1);
        const CliRun r = cli({QStringLiteral("--read-only"), QStringLiteral("--json"), QStringLiteral("list")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value(QLatin1String("total")).toInt(), 1);
        QVERIFY(QFile::exists(oldPath()));
        QVERIFY(!QFile::exists(newPath()));
    }

    // With both present, the new one is used and the old one left alone.
    void newDatabaseWinsOverOld()
    {
        makeOldDatabase(2);
        QCOMPARE(cli({QStringLiteral("--db"), newPath(), QStringLiteral("enqueue"), QStringLiteral("--type"),
                         QStringLiteral("noop")})
                     .exitCode,
            0);
        QCOMPARE(countAtDefault(), 1);
        QVERIFY(QFile::exists(oldPath()));
        QCOMPARE(countAt(oldPath()), 2);
    }
};

QTEST_GUILESS_MAIN(TestCliDefaultDb)
#include "tst_clidefaultdb.moc"
