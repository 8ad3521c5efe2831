#include "clirunner.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

// Runs the real queuedesk-cli binary, as scripts do, and checks output and exit codes.
class TestCli : public QObject {
    Q_OBJECT

    using Run = qdtest::CliRun;

    QTemporaryDir m_dir;
    QString m_db;
    int m_dbCounter = 0;

    QProcessEnvironment environment() const { return qdtest::isolatedEnvironment(m_dir); }

    Run run(const QStringList& arguments, const QByteArray& input = {}, int timeoutMs = 60'000)
    {
        return qdtest::runCli(environment(), arguments, input, timeoutMs);
    }

    // Every command on the test's database.
    Run cli(QStringList arguments, const QByteArray& input = {})
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        return run(arguments, input);
    }

    qint64 enqueueOne(const QString& queue, const QString& type = QStringLiteral("noop"),
        const QString& payload = QStringLiteral("{}"))
    {
        const Run r = cli({QStringLiteral("--json"), QStringLiteral("enqueue"), QStringLiteral("--queue"), queue,
            QStringLiteral("--type"), type, QStringLiteral("--payload"), payload});
        if (r.exitCode != 0) {
            qWarning("enqueue failed: %s", r.err.constData());
            return 0;
        }
        return r.json().value(QLatin1String("id")).toInteger();
    }

    qint64 count(const QStringList& filter = {})
    {
        const Run r = cli(QStringList {QStringLiteral("list"), QStringLiteral("--json"), QStringLiteral("--limit"),
                              QStringLiteral("1")}
            + filter);
        if (r.exitCode != 0)
            return -1;
        return r.json().value(QLatin1String("total")).toInteger();
    }

    QString stateOf(qint64 id)
    {
        const Run r = cli({QStringLiteral("show"), QString::number(id), QStringLiteral("--json")});
        return r.json().value(QLatin1String("state")).toString();
    }

private Q_SLOTS:
    void demoEnqueuesARealMixedWorkload()
    {
        const QString scratch = m_dir.filePath(QStringLiteral("demo-inputs"));
        const Run demo = cli({QStringLiteral("demo"), QStringLiteral("--json"), QStringLiteral("--images"),
            QStringLiteral("3"), QStringLiteral("--scratch"), scratch});
        QCOMPARE(demo.exitCode, 0);
        const qint64 enqueued = demo.json().value(QStringLiteral("enqueued")).toInteger();
        QVERIFY2(enqueued > 10, demo.out.constData());
        // Real input files were generated for the image and log tasks.
        QVERIFY(!QDir(scratch).entryList(QDir::Files | QDir::NoDotAndDotDot).isEmpty()
            || !QDir(scratch).entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty());
        const Run list = cli(
            {QStringLiteral("list"), QStringLiteral("--type"), QStringLiteral("image"), QStringLiteral("--json")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY2(list.out.contains("image"), list.out.constData());
        QCOMPARE(cli({QStringLiteral("demo"), QStringLiteral("--sink-url"), QStringLiteral("ftp://x")}).exitCode, 2);
    }

    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(QStringLiteral(CLI_PATH)), CLI_PATH);
    }

    void init() { m_db = m_dir.filePath(QStringLiteral("db%1/queue.db").arg(++m_dbCounter)); }

    void helpDocumentsCommandsAndExitCodes()
    {
        const Run r = run({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        const QString text = QString::fromUtf8(r.out);
        for (const char* line :
            {"0  success", "1  other error", "2  usage error", "3  not found", "4  database error", "5  invalid input"})
            QVERIFY2(text.contains(QLatin1String(line)), line);
        const QStringList commands {QStringLiteral("enqueue"), QStringLiteral("list"), QStringLiteral("show"),
            QStringLiteral("stats"), QStringLiteral("pause"), QStringLiteral("resume"), QStringLiteral("retry"),
            QStringLiteral("cancel"), QStringLiteral("purge"), QStringLiteral("export"), QStringLiteral("work"),
            QStringLiteral("set-concurrency")};
        for (const QString& command : commands) {
            QVERIFY2(text.contains(QStringLiteral("\n  ") + command + u' '), qPrintable(command));
            const Run help = run({command, QStringLiteral("--help")});
            QCOMPARE(help.exitCode, 0);
            QVERIFY2(help.out.startsWith(QByteArray("Usage: queuedesk-cli " + command.toUtf8() + ' ')),
                help.out.constData());
            QVERIFY(help.out.contains("--db"));
        }
        QCOMPARE(run({QStringLiteral("help"), QStringLiteral("export")}).exitCode, 0);
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("xdg"))));
    }

    void usageErrorsExitWith2_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("no command") << QStringList {};
        QTest::newRow("unknown command") << QStringList {QStringLiteral("frobnicate")};
        QTest::newRow("unknown global option") << QStringList {QStringLiteral("--bogus"), QStringLiteral("list")};
        QTest::newRow("unknown option") << QStringList {QStringLiteral("list"), QStringLiteral("--bogus")};
        QTest::newRow("bad limit") << QStringList {
            QStringLiteral("list"), QStringLiteral("--limit"), QStringLiteral("x")};
        QTest::newRow("bad state") << QStringList {
            QStringLiteral("list"), QStringLiteral("--state"), QStringLiteral("done")};
        QTest::newRow("bad sort") << QStringList {
            QStringLiteral("list"), QStringLiteral("--sort"), QStringLiteral("colour")};
        QTest::newRow("show without id") << QStringList {QStringLiteral("show")};
        QTest::newRow("show bad id") << QStringList {QStringLiteral("show"), QStringLiteral("abc")};
        QTest::newRow("enqueue without type") << QStringList {QStringLiteral("enqueue")};
        QTest::newRow("enqueue file and flags") << QStringList {QStringLiteral("enqueue"), QStringLiteral("--file"),
            QStringLiteral("-"), QStringLiteral("--type"), QStringLiteral("noop")};
        QTest::newRow("purge everything") << QStringList {QStringLiteral("purge")};
        QTest::newRow("cancel everything") << QStringList {QStringLiteral("cancel")};
        QTest::newRow("pause nothing") << QStringList {QStringLiteral("pause")};
        QTest::newRow("pause both") << QStringList {
            QStringLiteral("pause"), QStringLiteral("q"), QStringLiteral("--all")};
        QTest::newRow("export what") << QStringList {QStringLiteral("export"), QStringLiteral("things")};
        QTest::newRow("export format") << QStringList {
            QStringLiteral("export"), QStringLiteral("tasks"), QStringLiteral("--format"), QStringLiteral("xml")};
        QTest::newRow("excel-safe jsonl") << QStringList {QStringLiteral("export"), QStringLiteral("tasks"),
            QStringLiteral("--format"), QStringLiteral("jsonl"), QStringLiteral("--excel-safe")};
        QTest::newRow("export time") << QStringList {
            QStringLiteral("export"), QStringLiteral("events"), QStringLiteral("--from"), QStringLiteral("yesterday")};
        QTest::newRow("set-concurrency n")
            << QStringList {QStringLiteral("set-concurrency"), QStringLiteral("q"), QStringLiteral("many")};
        QTest::newRow("work concurrency")
            << QStringList {QStringLiteral("work"), QStringLiteral("--concurrency"), QStringLiteral("0")};
    }

    void usageErrorsExitWith2()
    {
        QFETCH(QStringList, arguments);
        const Run r = cli(arguments);
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.out.isEmpty() || arguments.isEmpty());
        QVERIFY(!r.err.isEmpty());
        // A usage error never touches the database.
        QVERIFY(!QFile::exists(m_db));
    }

    void missingDatabaseIsNotFoundAndNotCreated()
    {
        for (const QString& command : {QStringLiteral("list"), QStringLiteral("stats")}) {
            const Run r = cli({command});
            QCOMPARE(r.exitCode, 3);
            QVERIFY(r.err.contains("no database"));
        }
        QVERIFY(!QFile::exists(m_db));
    }

    void corruptDatabaseExitsWith4()
    {
        QDir().mkpath(QFileInfo(m_db).path());
        QFile file(m_db);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(8192, 'z'));
        file.close();
        QCOMPARE(cli({QStringLiteral("list")}).exitCode, 4);
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop")}).exitCode, 4);
        const Run json = cli({QStringLiteral("--json"), QStringLiteral("stats")});
        QCOMPARE(json.exitCode, 4);
        QCOMPARE(QJsonDocument::fromJson(json.err).object().value(QLatin1String("exitCode")).toInt(), 4);
    }

    void lockedDatabaseExitsWith4WhileReadsGoOn()
    {
        QVERIFY(enqueueOne(QStringLiteral("a")) > 0);
        const QString connection = QStringLiteral("locker");
        {
            // Another program (the GUI, say) holds the write lock for longer than the busy timeout.
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
            db.setDatabaseName(m_db);
            QVERIFY(db.open());
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("BEGIN IMMEDIATE")));
            QCOMPARE(count(), 1); // WAL: readers are not blocked by a writer
            const Run r = cli({QStringLiteral("--json"), QStringLiteral("enqueue"), QStringLiteral("--type"),
                QStringLiteral("noop")});
            QCOMPARE(r.exitCode, 4);
            QCOMPARE(QJsonDocument::fromJson(r.err).object().value(QLatin1String("code")).toString(),
                QStringLiteral("database_locked"));
            QVERIFY(query.exec(QStringLiteral("ROLLBACK")));
        }
        QSqlDatabase::removeDatabase(connection);
        QVERIFY(enqueueOne(QStringLiteral("a")) > 0);
        QCOMPARE(count(), 2);
    }

    void enqueueShowAndInvalidInput()
    {
        const qint64 id = enqueueOne(QStringLiteral("mail"), QStringLiteral("sleep"), QStringLiteral("{\"ms\": 5}"));
        QVERIFY(id > 0);
        const Run show = cli({QStringLiteral("show"), QString::number(id), QStringLiteral("--json")});
        QCOMPARE(show.exitCode, 0);
        const QJsonObject task = show.json();
        QCOMPARE(task.value(QLatin1String("queue")).toString(), QStringLiteral("mail"));
        QCOMPARE(task.value(QLatin1String("state")).toString(), QStringLiteral("queued"));
        QCOMPARE(task.value(QLatin1String("payload")).toObject().value(QLatin1String("ms")).toInt(), 5);
        const QJsonArray events = task.value(QLatin1String("events")).toArray();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().toObject().value(QLatin1String("kind")).toString(), QStringLiteral("enqueued"));
        const Run human = cli({QStringLiteral("show"), QString::number(id)});
        QCOMPARE(human.exitCode, 0);
        QVERIFY(human.out.contains("enqueued"));

        QCOMPARE(cli({QStringLiteral("show"), QStringLiteral("999999")}).exitCode, 3);
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("nonesuch")}).exitCode, 5);
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop"),
                         QStringLiteral("--payload"), QStringLiteral("{not json")})
                     .exitCode,
            5);
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("sleep"),
                         QStringLiteral("--payload"), QStringLiteral("{\"ms\": -1}")})
                     .exitCode,
            5);
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop"),
                         QStringLiteral("--priority"), QStringLiteral("500")})
                     .exitCode,
            5);
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop"),
                         QStringLiteral("--queue"), QStringLiteral("bad queue!")})
                     .exitCode,
            5);
        QCOMPARE(count(), 1);

        // The same idempotency key gives back the same task.
        const QStringList keyed {QStringLiteral("--json"), QStringLiteral("enqueue"), QStringLiteral("--type"),
            QStringLiteral("noop"), QStringLiteral("--key"), QStringLiteral("order-17"), QStringLiteral("--priority"),
            QStringLiteral("70"), QStringLiteral("--delay-ms"), QStringLiteral("60000"),
            QStringLiteral("--max-attempts"), QStringLiteral("7")};
        const Run first = cli(keyed);
        const Run second = cli(keyed);
        QCOMPARE(first.exitCode, 0);
        QCOMPARE(second.exitCode, 0);
        QCOMPARE(first.json().value(QLatin1String("existed")).toBool(), false);
        QCOMPARE(second.json().value(QLatin1String("existed")).toBool(), true);
        QCOMPARE(second.json().value(QLatin1String("id")), first.json().value(QLatin1String("id")));
        const QJsonObject keyedTask
            = cli({QStringLiteral("show"), QString::number(first.json().value(QLatin1String("id")).toInteger()),
                      QStringLiteral("--json")})
                  .json();
        QCOMPARE(keyedTask.value(QLatin1String("priority")).toInt(), 70);
        QCOMPARE(keyedTask.value(QLatin1String("max_attempts")).toInt(), 7);
        QCOMPARE(keyedTask.value(QLatin1String("state")).toString(), QStringLiteral("scheduled"));
        QCOMPARE(count(), 2);
    }

    void enqueueFileWithMalformedLine()
    {
        // 1500 good lines, a malformed one at line 1502 (after a blank line), more after it.
        QByteArray data;
        for (int i = 1; i <= 1500; ++i)
            data += "{\"queue\":\"bulk\",\"type\":\"noop\",\"payload\":{\"i\":" + QByteArray::number(i) + "}}\n";
        data += "\n";
        data += "{\"queue\":\"bulk\",\"type\":\"noop\",\"payload\":{\"i\": oops}}\n";
        for (int i = 0; i < 10; ++i)
            data += "{\"type\":\"noop\"}\n";
        const QString path = m_dir.filePath(QStringLiteral("bad%1.jsonl").arg(m_dbCounter));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(data);
        file.close();

        const Run r = cli({QStringLiteral("enqueue"), QStringLiteral("--file"), path});
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("line 1502"), r.err.constData());
        // The first batch of 1000 is stored; nothing of the batch holding the bad line is.
        QCOMPARE(count(), 1000);

        const QByteArray unknownField = "{\"type\":\"noop\"}\n{\"type\":\"noop\",\"priorty\":3}\n";
        const Run typo = cli({QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, unknownField);
        QCOMPARE(typo.exitCode, 5);
        QVERIFY2(typo.err.contains("line 2") && typo.err.contains("priorty"), typo.err.constData());
        QCOMPARE(count(), 1000);

        QCOMPARE(
            cli({QStringLiteral("enqueue"), QStringLiteral("--file"), m_dir.filePath(QStringLiteral("none.jsonl"))})
                .exitCode,
            3);
    }

    // Issue 16, item 9: the message says which batch was refused because of which line, and what is stored.
    void enqueueFileErrorNamesTheRefusedBatch()
    {
        const QByteArray second = "{\"type\":\"noop\"}\n{\"type\":\"noop\",\"priorty\":3}\n{\"type\":\"noop\"}\n";
        const Run first = cli({QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, second);
        QCOMPARE(first.exitCode, 5);
        QVERIFY2(
            first.err.contains("stdin, line 2: unknown field \"priorty\". Nothing was enqueued: the batch of lines "
                               "1-2 was refused because of line 2."),
            first.err.constData());
        QVERIFY2(!first.err.contains("before 1"), first.err.constData());

        QByteArray data;
        for (int i = 1; i <= 1500; ++i)
            data += "{\"type\":\"noop\"}\n";
        data += "{\"type\":\"nonesuch\"}\n";
        const Run later = cli(
            {QStringLiteral("--json"), QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, data);
        QCOMPARE(later.exitCode, 5);
        const QString message = QJsonDocument::fromJson(later.err).object().value(QLatin1String("error")).toString();
        QVERIFY2(
            message.contains(QLatin1String("stdin, line 1501: Unknown task type \"nonesuch\"")), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String(" The 1000 task(s) of lines 1-1000 are stored; the batch of lines "
                                                "1001-1501 was refused because of line 1501.")),
            qPrintable(message));
        QCOMPARE(count(), 1000);
    }

    // Issue 16, item 9: the unknown-type message lists the known types once.
    void unknownTypeListsTheKnownTypesOnce()
    {
        const Run r = cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("nonesuch")});
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("Unknown task type \"nonesuch\""), r.err.constData());
        QCOMPARE(r.err.count("noop"), 1);
        QCOMPARE(r.err.count("(known"), 1);
        const Run file = cli(
            {QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, "{\"type\":\"nonesuch\"}\n");
        QCOMPARE(file.exitCode, 5);
        QCOMPARE(file.err.count("noop"), 1);
        QCOMPARE(count(), 0);
    }

    void enqueueFromStdin()
    {
        const QByteArray input = "{\"queue\":\"a\",\"type\":\"noop\",\"priority\":5}\r\n"
                                 "{\"queue\":\"b\",\"type\":\"sleep\",\"payload\":{\"ms\":1},\"maxAttempts\":2}\n"
                                 "{\"queue\":\"b\",\"type\":\"noop\",\"idempotencyKey\":\"k\",\"delayMs\":1000}\n"
                                 "{\"queue\":\"b\",\"type\":\"noop\",\"idempotencyKey\":\"k\"}\n";
        const Run r
            = cli({QStringLiteral("--json"), QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")},
                input);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value(QLatin1String("enqueued")).toInt(), 3);
        QCOMPARE(r.json().value(QLatin1String("existed")).toInt(), 1);
        QCOMPARE(count({QStringLiteral("--queue"), QStringLiteral("b")}), 2);
        QCOMPARE(count({QStringLiteral("--state"), QStringLiteral("scheduled")}), 1);
    }

    void listFiltersSortsAndPages()
    {
        QList<qint64> ids;
        for (int i = 0; i < 5; ++i)
            ids.append(enqueueOne(i < 2 ? QStringLiteral("a") : QStringLiteral("b"), QStringLiteral("sleep"),
                QStringLiteral("{\"ms\": %1}").arg(i * 100)));
        QCOMPARE(count({QStringLiteral("--queue"), QStringLiteral("b")}), 3);
        QCOMPARE(count({QStringLiteral("--queue"), QStringLiteral("a,b")}), 5);
        QCOMPARE(count({QStringLiteral("--type"), QStringLiteral("noop")}), 0);
        QCOMPARE(count({QStringLiteral("--search"), QStringLiteral("300")}), 1);
        QCOMPARE(count({QStringLiteral("--state"), QStringLiteral("queued")}), 5);

        const Run page
            = cli({QStringLiteral("list"), QStringLiteral("--json"), QStringLiteral("--sort"), QStringLiteral("-id"),
                QStringLiteral("--limit"), QStringLiteral("2"), QStringLiteral("--offset"), QStringLiteral("1")});
        QCOMPARE(page.exitCode, 0);
        const QJsonArray tasks = page.json().value(QLatin1String("tasks")).toArray();
        QCOMPARE(page.json().value(QLatin1String("total")).toInt(), 5);
        QCOMPARE(tasks.size(), 2);
        QCOMPARE(tasks[0].toObject().value(QLatin1String("id")).toInteger(), ids[3]);
        QCOMPARE(tasks[1].toObject().value(QLatin1String("id")).toInteger(), ids[2]);

        const Run table = cli({QStringLiteral("list")});
        QCOMPARE(table.exitCode, 0);
        QVERIFY(table.out.startsWith("ID"));
        QVERIFY(table.out.contains("of 5 task(s)"));
        QCOMPARE(table.out.count('\n'), 1 + 5 + 1);
        // Reads work on a database opened read-only.
        QCOMPARE(cli({QStringLiteral("--read-only"), QStringLiteral("list")}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("list"), QStringLiteral("--read-only")}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("--read-only"), QStringLiteral("pause"), QStringLiteral("a")}).exitCode, 4);
    }

    void pauseResumeAndConcurrency()
    {
        QVERIFY(enqueueOne(QStringLiteral("a")) > 0);
        QVERIFY(enqueueOne(QStringLiteral("b")) > 0);
        QCOMPARE(cli({QStringLiteral("pause"), QStringLiteral("a")}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("pause"), QStringLiteral("nonesuch")}).exitCode, 3);
        QCOMPARE(cli({QStringLiteral("set-concurrency"), QStringLiteral("b"), QStringLiteral("3")}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("set-concurrency"), QStringLiteral("nonesuch"), QStringLiteral("3")}).exitCode, 3);

        auto queueStats = [this] {
            QHash<QString, QJsonObject> byName;
            const Run r = cli({QStringLiteral("stats"), QStringLiteral("--json")});
            for (const QJsonValue& value : r.json().value(QLatin1String("queues")).toArray())
                byName.insert(value.toObject().value(QLatin1String("queue")).toString(), value.toObject());
            return byName;
        };
        QHash<QString, QJsonObject> stats = queueStats();
        QCOMPARE(stats.value(QStringLiteral("a")).value(QLatin1String("paused")).toBool(), true);
        QCOMPARE(stats.value(QStringLiteral("b")).value(QLatin1String("paused")).toBool(), false);
        QCOMPARE(stats.value(QStringLiteral("b")).value(QLatin1String("concurrency")).toInt(), 3);
        QCOMPARE(stats.value(QStringLiteral("a"))
                     .value(QLatin1String("counts"))
                     .toObject()
                     .value(QLatin1String("queued"))
                     .toInt(),
            1);

        QCOMPARE(cli({QStringLiteral("pause"), QStringLiteral("--all")}).exitCode, 0);
        stats = queueStats();
        QCOMPARE(stats.value(QStringLiteral("b")).value(QLatin1String("paused")).toBool(), true);
        QCOMPARE(cli({QStringLiteral("resume"), QStringLiteral("--all")}).exitCode, 0);
        stats = queueStats();
        QCOMPARE(stats.value(QStringLiteral("a")).value(QLatin1String("paused")).toBool(), false);
        QCOMPARE(stats.value(QStringLiteral("b")).value(QLatin1String("paused")).toBool(), false);

        const Run table = cli({QStringLiteral("stats")});
        QCOMPARE(table.exitCode, 0);
        QVERIFY(table.out.contains("QUEUED"));
    }

    void retryCancelPurge()
    {
        const qint64 a = enqueueOne(QStringLiteral("a"));
        const qint64 b = enqueueOne(QStringLiteral("a"));
        const qint64 c = enqueueOne(QStringLiteral("c"));
        Run r = cli({QStringLiteral("--json"), QStringLiteral("cancel"), QString::number(a)});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value(QLatin1String("cancelled")).toInt(), 1);
        QCOMPARE(stateOf(a), QStringLiteral("cancelled"));
        QCOMPARE(stateOf(b), QStringLiteral("queued"));
        QCOMPARE(cli({QStringLiteral("cancel"), QStringLiteral("424242")}).exitCode, 3);

        // --dry-run counts what the command would change (a retry of every task: the one cancelled) and changes
        // nothing; the real command then changes that many.
        r = cli({QStringLiteral("--json"), QStringLiteral("retry"), QStringLiteral("--dry-run")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value(QLatin1String("retried")).toInt(), 1);
        QVERIFY(r.json().value(QLatin1String("dryRun")).toBool());
        QCOMPARE(stateOf(a), QStringLiteral("cancelled"));
        r = cli({QStringLiteral("--json"), QStringLiteral("purge"), QStringLiteral("--dry-run"),
            QStringLiteral("--queue"), QStringLiteral("a")});
        QCOMPARE(r.json().value(QLatin1String("purged")).toInt(), 2);
        QCOMPARE(count(), 3);

        r = cli({QStringLiteral("--json"), QStringLiteral("retry"), QString::number(a)});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value(QLatin1String("retried")).toInt(), 1);
        QCOMPARE(stateOf(a), QStringLiteral("queued"));

        r = cli({QStringLiteral("--json"), QStringLiteral("cancel"), QStringLiteral("--queue"), QStringLiteral("a")});
        QCOMPARE(r.json().value(QLatin1String("cancelled")).toInt(), 2);
        r = cli({QStringLiteral("--json"), QStringLiteral("purge"), QStringLiteral("--state"),
            QStringLiteral("cancelled")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value(QLatin1String("purged")).toInt(), 2);
        QCOMPARE(cli({QStringLiteral("show"), QString::number(a)}).exitCode, 3);
        QCOMPARE(stateOf(c), QStringLiteral("queued"));
        r = cli({QStringLiteral("--json"), QStringLiteral("purge"), QStringLiteral("--yes")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value(QLatin1String("purged")).toInt(), 1);
        QCOMPARE(count(), 0);
    }

    // Rules are kept in the database; `monitor --once` evaluates them and records each firing once.
    void alertRulesAndMonitor()
    {
        QVERIFY(enqueueOne(QStringLiteral("mail"), QStringLiteral("noop"), QStringLiteral("{}")) > 0);
        Run r = cli({QStringLiteral("--json"), QStringLiteral("alerts"), QStringLiteral("add"),
            QStringLiteral("--condition"), QStringLiteral("length"), QStringLiteral("--threshold"), QStringLiteral("0"),
            QStringLiteral("--queue"), QStringLiteral("mail")});
        QCOMPARE(r.exitCode, 0);
        const qint64 id = r.json().value(QLatin1String("id")).toInteger();
        QVERIFY(id > 0);
        // Bad rules say what is wrong and add nothing.
        QCOMPARE(cli({QStringLiteral("alerts"), QStringLiteral("add"), QStringLiteral("--condition"),
                         QStringLiteral("temperature"), QStringLiteral("--threshold"), QStringLiteral("1")})
                     .exitCode,
            2);
        r = cli({QStringLiteral("alerts"), QStringLiteral("add"), QStringLiteral("--condition"),
            QStringLiteral("stall"), QStringLiteral("--threshold"), QStringLiteral("10")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("give a unit"), r.err.constData());
        r = cli({QStringLiteral("--json"), QStringLiteral("alerts"), QStringLiteral("list")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 1);

        r = cli({QStringLiteral("monitor"), QStringLiteral("--once")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("FIRED") && r.out.contains("length of mail above 0"), r.out.constData());
        // Still firing: a second look records nothing new.
        r = cli({QStringLiteral("monitor"), QStringLiteral("--once")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(!r.out.contains("FIRED"), r.out.constData());
        QCOMPARE(cli({QStringLiteral("alerts"), QStringLiteral("disable"), QString::number(id)}).exitCode, 0);
        r = cli({QStringLiteral("monitor"), QStringLiteral("--once")});
        QVERIFY2(r.out.contains("RESOLVED"), r.out.constData());
        r = cli({QStringLiteral("--json"), QStringLiteral("alerts"), QStringLiteral("history")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray history = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(history.size(), 2);
        QCOMPARE(history.at(0).toObject().value(QLatin1String("kind")).toString(), QStringLiteral("resolved"));
        QCOMPARE(history.at(1).toObject().value(QLatin1String("kind")).toString(), QStringLiteral("fired"));
        QCOMPARE(cli({QStringLiteral("alerts"), QStringLiteral("remove"), QString::number(id)}).exitCode, 0);
        QCOMPARE(cli({QStringLiteral("alerts"), QStringLiteral("remove"), QString::number(id)}).exitCode, 3);
        QCOMPARE(cli({QStringLiteral("--read-only"), QStringLiteral("alerts"), QStringLiteral("add"),
                         QStringLiteral("--condition"), QStringLiteral("will-not-drain")})
                     .exitCode,
            4);
    }

    void exportKinds()
    {
        const qint64 id = enqueueOne(QStringLiteral("exp"), QStringLiteral("noop"),
            QStringLiteral("{\"note\": \"comma, \\\"quote\\\", newline\\n, grüße 😀\"}"));
        QVERIFY(id > 0);
        const QString csv = m_dir.filePath(QStringLiteral("tasks%1.csv").arg(m_dbCounter));
        Run r = cli({QStringLiteral("--json"), QStringLiteral("export"), QStringLiteral("tasks"),
            QStringLiteral("--output"), csv});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().value(QLatin1String("rows")).toInt(), 1);
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray data = file.readAll();
        QVERIFY(data.startsWith("id,queue,type,state,"));
        QVERIFY(data.contains(QByteArray("\r\n" + QByteArray::number(id) + ",exp,noop,queued,")));
        QVERIFY(data.contains(QStringLiteral("grüße 😀").toUtf8()));

        // JSON Lines to stdout, chosen by --format.
        r = cli(
            {QStringLiteral("export"), QStringLiteral("events"), QStringLiteral("--format"), QStringLiteral("jsonl")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject event = QJsonDocument::fromJson(r.out.trimmed()).object();
        QCOMPARE(event.value(QLatin1String("task_id")).toInteger(), id);
        QCOMPARE(event.value(QLatin1String("kind")).toString(), QStringLiteral("enqueued"));

        // Format from the extension; a time range that excludes everything gives an empty export.
        const QString jsonl = m_dir.filePath(QStringLiteral("tasks%1.jsonl").arg(m_dbCounter));
        r = cli({QStringLiteral("export"), QStringLiteral("tasks"), QStringLiteral("-o"), jsonl,
            QStringLiteral("--from"), QStringLiteral("2999-01-01T00:00:00Z")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(QFile::exists(jsonl));
        QCOMPARE(QFileInfo(jsonl).size(), 0);
        r = cli({QStringLiteral("export"), QStringLiteral("tasks"), QStringLiteral("-o"), jsonl, QStringLiteral("--to"),
            QStringLiteral("2999-01-01")});
        QFile lines(jsonl);
        QVERIFY(lines.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(lines.readAll())
                     .object()
                     .value(QLatin1String("payload"))
                     .toObject()
                     .value(QLatin1String("note"))
                     .toString(),
            QStringLiteral("comma, \"quote\", newline\n, grüße 😀"));

        r = cli(
            {QStringLiteral("export"), QStringLiteral("metrics"), QStringLiteral("--resolution"), QStringLiteral("1")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("queue,at,resolution_seconds,"));

        r = cli({QStringLiteral("export"), QStringLiteral("tasks"), QStringLiteral("-o"),
            m_dir.filePath(QStringLiteral("no/such/dir/x.csv"))});
        QCOMPARE(r.exitCode, 1);

        // A key a spreadsheet would run: raw by default, as text with --excel-safe.
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop"),
                         QStringLiteral("--key"), QStringLiteral("@SUM(1+1)")})
                     .exitCode,
            0);
        r = cli({QStringLiteral("export"), QStringLiteral("tasks")});
        QVERIFY2(r.out.contains(",@SUM(1+1),"), r.out.constData());
        r = cli({QStringLiteral("export"), QStringLiteral("tasks"), QStringLiteral("--excel-safe")});
        QVERIFY2(r.out.contains(",'@SUM(1+1),"), r.out.constData());
    }

    void workProcessesTasksEnqueuedByAnotherProcess()
    {
        QByteArray input;
        for (int i = 0; i < 40; ++i)
            input += "{\"queue\":\"w\",\"type\":\"noop\"}\n";
        input += "{\"queue\":\"w\",\"type\":\"sleep\",\"payload\":{\"ms\":50}}\n";
        input += "{\"queue\":\"w\",\"type\":\"sleep\",\"payload\":{\"ms\":1,\"fail\":\"permanent\"}}\n";
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, input).exitCode, 0);

        QProcess worker;
        const auto stopOnFailure = qScopeGuard([&worker] {
            if (worker.state() != QProcess::NotRunning) {
                worker.kill();
                worker.waitForFinished();
            }
        });
        worker.setProcessEnvironment(environment());
        worker.start(QStringLiteral(CLI_PATH),
            {QStringLiteral("--db"), m_db, QStringLiteral("work"), QStringLiteral("--concurrency"), QStringLiteral("2"),
                QStringLiteral("--report-ms"), QStringLiteral("0")});
        QVERIFY(worker.waitForStarted());

        QElapsedTimer timer;
        timer.start();
        while (count({QStringLiteral("--state"), QStringLiteral("succeeded")}) < 41 && timer.elapsed() < 30'000)
            QTest::qWait(200);
        if (count({QStringLiteral("--state"), QStringLiteral("succeeded")}) != 41) {
            qWarning("unfinished: %s\nworker: %s",
                cli({QStringLiteral("list"), QStringLiteral("--state"), QStringLiteral("queued,scheduled,running")})
                    .out.constData(),
                worker.readAllStandardError().constData());
        }
        QCOMPARE(count({QStringLiteral("--state"), QStringLiteral("succeeded")}), 41);
        QTRY_COMPARE_WITH_TIMEOUT(count({QStringLiteral("--state"), QStringLiteral("failed")}), 1, 10'000);
        // The worker's metrics history feeds `stats` in other processes.
        auto completedLastMinute = [this] {
            const Run r = cli({QStringLiteral("stats"), QStringLiteral("--json")});
            for (const QJsonValue& queue : r.json().value(QLatin1String("queues")).toArray()) {
                if (queue.toObject().value(QLatin1String("queue")).toString() == u"w")
                    return queue.toObject()
                        .value(QLatin1String("lastMinute"))
                        .toObject()
                        .value(QLatin1String("completed"))
                        .toInt();
            }
            return -1;
        };
        QTRY_VERIFY_WITH_TIMEOUT(completedLastMinute() >= 41, 10'000);

        worker.terminate(); // SIGTERM
        QVERIFY(worker.waitForFinished(20'000));
        QCOMPARE(worker.exitStatus(), QProcess::NormalExit);
        QCOMPARE(worker.exitCode(), 0);
        const QByteArray out = worker.readAllStandardOutput();
        QVERIFY2(out.contains("41 succeeded, 1 failed"), out.constData());
    }

    // A task another process enqueues while this worker is busy committing its own work must still be noticed
    // (the engine once re-read PRAGMA data_version after its own commits and so swallowed such commits).
    void workNoticesTasksEnqueuedWhileBusy()
    {
        QByteArray input;
        for (int i = 0; i < 300; ++i)
            input += "{\"queue\":\"busy\",\"type\":\"sleep\",\"payload\":{\"ms\":10}}\n";
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, input).exitCode, 0);
        QVERIFY(enqueueOne(QStringLiteral("other")) > 0); // the queue exists before the worker starts
        QProcess worker;
        const auto stopOnFailure = qScopeGuard([&worker] {
            if (worker.state() != QProcess::NotRunning) {
                worker.kill();
                worker.waitForFinished();
            }
        });
        worker.setProcessEnvironment(environment());
        worker.start(QStringLiteral(CLI_PATH),
            {QStringLiteral("--db"), m_db, QStringLiteral("work"), QStringLiteral("--concurrency"), QStringLiteral("2"),
                QStringLiteral("--report-ms"), QStringLiteral("0")});
        QVERIFY(worker.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(count({QStringLiteral("--state"), QStringLiteral("succeeded")}) > 1, 15'000);
        const qint64 id = enqueueOne(QStringLiteral("other"));
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(id), QStringLiteral("succeeded"), 10'000);
        worker.terminate();
        QVERIFY(worker.waitForFinished(20'000));
        QCOMPARE(worker.exitCode(), 0);
    }

    void workStopsGracefullyOnSigint()
    {
        const qint64 id = enqueueOne(QStringLiteral("slow"), QStringLiteral("sleep"), QStringLiteral("{\"ms\": 4000}"));
        QProcess worker;
        const auto stopOnFailure = qScopeGuard([&worker] {
            if (worker.state() != QProcess::NotRunning) {
                worker.kill();
                worker.waitForFinished();
            }
        });
        worker.setProcessEnvironment(environment());
        worker.start(QStringLiteral(CLI_PATH),
            {QStringLiteral("--db"), m_db, QStringLiteral("--json"), QStringLiteral("work"),
                QStringLiteral("--concurrency"), QStringLiteral("1"), QStringLiteral("--grace-ms"),
                QStringLiteral("10000"), QStringLiteral("--report-ms"), QStringLiteral("0")});
        QVERIFY(worker.waitForStarted());
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(id), QStringLiteral("running"), 15'000);
        ::kill(pid_t(worker.processId()), SIGINT);
        QVERIFY(worker.waitForFinished(20'000));
        QCOMPARE(worker.exitStatus(), QProcess::NormalExit);
        QCOMPARE(worker.exitCode(), 0);
        // The running task was allowed to finish within the grace period.
        QCOMPARE(stateOf(id), QStringLiteral("succeeded"));
        const QJsonObject summary = QJsonDocument::fromJson(worker.readAllStandardOutput().trimmed()).object();
        QCOMPARE(summary.value(QLatin1String("succeeded")).toInt(), 1);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
