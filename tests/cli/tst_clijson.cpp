// `--json` output is JSON through and through (issue 16, item 6): stdout holds the one result document, stderr at
// most one document (the error, and the log messages the command produced as its "log" array), even when the core
// logs, as it does on a full disk.
#include "clirunner.h"

#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <sys/resource.h>

using qdtest::CliRun;

class TestCliJson : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;
    int m_dbCounter = 0;

    // Every log category on, debug included, whatever the caller's QT_LOGGING_RULES: the tests need log messages.
    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = qdtest::isolatedEnvironment(m_dir);
        env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("qd.*=true"));
        return env;
    }

    CliRun cli(QStringList arguments, const QByteArray& input = {})
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        return qdtest::runCli(environment(), arguments, input);
    }

    // The whole stream is one JSON object or array: nothing before it, nothing after it but white space.
    static bool isOneJsonDocument(const QByteArray& stream, QJsonDocument* document = nullptr)
    {
        QJsonParseError error;
        const QJsonDocument parsed = QJsonDocument::fromJson(stream, &error);
        if (error.error != QJsonParseError::NoError || parsed.isNull()) {
            qWarning("not one JSON document (%s at %d): %s", qPrintable(error.errorString()), error.offset,
                stream.left(300).constData());
            return false;
        }
        if (document)
            *document = parsed;
        return true;
    }

    static bool logMentions(const QJsonObject& object, const QString& category, const QString& text)
    {
        for (const QJsonValue& entry : object.value(QLatin1String("log")).toArray()) {
            const QJsonObject line = entry.toObject();
            if (line.value(QLatin1String("category")).toString() == category
                && line.value(QLatin1String("message")).toString().contains(text)
                && !line.value(QLatin1String("level")).toString().isEmpty())
                return true;
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(QStringLiteral(CLI_PATH)), CLI_PATH);
    }

    void init() { m_db = m_dir.filePath(QStringLiteral("db%1/queue.db").arg(++m_dbCounter)); }

    // A command that succeeds and logs on the way (the exporter logs its row count at debug level).
    void logOfASuccessfulCommandIsInTheStderrDocument()
    {
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop")}).exitCode, 0);
        const QString csv = m_dir.filePath(QStringLiteral("tasks.csv"));
        const CliRun r = cli(
            {QStringLiteral("--json"), QStringLiteral("export"), QStringLiteral("tasks"), QStringLiteral("-o"), csv});
        QCOMPARE(r.exitCode, 0);
        QJsonDocument out, err;
        QVERIFY(isOneJsonDocument(r.out, &out));
        QCOMPARE(out.object().value(QLatin1String("rows")).toInt(), 1);
        QVERIFY(isOneJsonDocument(r.err, &err));
        QVERIFY2(logMentions(err.object(), QStringLiteral("qd.core.export"), QStringLiteral("exported 1 rows")),
            r.err.constData());
        QVERIFY(!err.object().contains(QLatin1String("error")));

        // Without --json the log stays plain text on stderr.
        const CliRun text = cli({QStringLiteral("export"), QStringLiteral("tasks"), QStringLiteral("-o"), csv});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.err.contains("qd.core.export: exported 1 rows"), text.err.constData());
    }

    // A command that logs nothing leaves stderr empty.
    void quietCommandLeavesStderrEmpty()
    {
        const CliRun r = cli(
            {QStringLiteral("--json"), QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(isOneJsonDocument(r.out));
        QVERIFY2(r.err.isEmpty(), r.err.constData());
    }

    // The file cannot grow (RLIMIT_FSIZE in the child, as on a full disk): the store logs its failed rollback,
    // and stderr is still one document, the error with that log line in it.
    void fullDiskErrorIsOneJsonDocument()
    {
        QCOMPARE(cli({QStringLiteral("enqueue"), QStringLiteral("--type"), QStringLiteral("noop")}).exitCode, 0);
        const QByteArray line
            = "{\"type\":\"noop\",\"payload\":{\"x\":\"" + QByteArray(600'000, 'x') + "\"}}\n"; // > the limit below
        QProcess process;
        process.setProcessEnvironment(environment());
        process.setChildProcessModifier([] {
            ::signal(SIGXFSZ, SIG_IGN); // a write past the limit fails with EFBIG instead of killing
            const rlimit limit {128 * 1024, 128 * 1024};
            ::setrlimit(RLIMIT_FSIZE, &limit);
        });
        process.start(QStringLiteral(CLI_PATH),
            {QStringLiteral("--db"), m_db, QStringLiteral("--json"), QStringLiteral("enqueue"),
                QStringLiteral("--file"), QStringLiteral("-")});
        QVERIFY(process.waitForStarted());
        process.write(line);
        process.closeWriteChannel();
        QVERIFY(process.waitForFinished(60'000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        const QByteArray out = process.readAllStandardOutput();
        const QByteArray err = process.readAllStandardError();
        QVERIFY2(process.exitCode() == 1 || process.exitCode() == 4, err.constData());
        QVERIFY2(out.isEmpty(), out.constData());
        QJsonDocument document;
        QVERIFY(isOneJsonDocument(err, &document));
        const QJsonObject error = document.object();
        QCOMPARE(error.value(QLatin1String("exitCode")).toInt(), process.exitCode());
        QVERIFY2(error.value(QLatin1String("error")).toString().contains(QLatin1String("Nothing was enqueued")),
            err.constData());
        // (The core's rollback used to log here; it no longer does when SQLite has rolled back itself. Logs inside
        // the document are shown by logOfASuccessfulCommandIsInTheStderrDocument.)
        // Nothing half-written: the database still holds its one task.
        const CliRun list = cli({QStringLiteral("--json"), QStringLiteral("list")});
        QCOMPARE(list.exitCode, 0);
        QCOMPARE(list.json().value(QLatin1String("total")).toInt(), 1);
    }

    // Usage errors and errors before any database is opened are one document too.
    void earlyErrorsAreOneJsonDocument()
    {
        for (const QStringList& arguments : {QStringList {QStringLiteral("--json"), QStringLiteral("frobnicate")},
                 QStringList {QStringLiteral("--json"), QStringLiteral("show"), QStringLiteral("1")},
                 QStringList {QStringLiteral("list"), QStringLiteral("--json"), QStringLiteral("--limit"),
                     QStringLiteral("x")}}) {
            const CliRun r = cli(arguments);
            QVERIFY(r.exitCode == 2 || r.exitCode == 3);
            QVERIFY2(r.out.isEmpty(), r.out.constData());
            QJsonDocument document;
            QVERIFY(isOneJsonDocument(r.err, &document));
            QCOMPARE(document.object().value(QLatin1String("exitCode")).toInt(), r.exitCode);
        }
    }
};

QTEST_GUILESS_MAIN(TestCliJson)
#include "tst_clijson.moc"
