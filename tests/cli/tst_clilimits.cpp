// Oversized input to `enqueue --file` (issue 16, item 7): a line far beyond the payload limit is refused as soon as
// it passes the line limit, in bounded memory, from a file and from stdin, and nothing of its batch is stored.
// Its own executable: the children's peak memory is read with getrusage(RUSAGE_CHILDREN), the largest of all the
// children this process has waited for, so no other test's child may be bigger.
#include "clirunner.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>

using qdtest::CliRun;

class TestCliLimits : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_db;
    int m_dbCounter = 0;

    static constexpr qint64 hugeLineBytes = 50'000'000;
    static constexpr qint64 lineLimitBytes = 2 * 1024 * 1024; // TaskLineParser::maxLineBytes

    QProcessEnvironment environment() const { return qdtest::isolatedEnvironment(m_dir); }

    CliRun cli(QStringList arguments, const QByteArray& input = {})
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        return qdtest::runCli(environment(), arguments, input, 120'000);
    }

    qint64 count()
    {
        const CliRun r
            = cli({QStringLiteral("list"), QStringLiteral("--json"), QStringLiteral("--limit"), QStringLiteral("1")});
        return r.exitCode == 0 ? r.json().value(QLatin1String("total")).toInteger() : -1;
    }

    // The largest peak resident set of the children waited for so far, in bytes.
    static qint64 childrenPeakRss()
    {
        rusage usage {};
        getrusage(RUSAGE_CHILDREN, &usage);
        return qint64(usage.ru_maxrss) * 1024; // kilobytes on Linux
    }

    static QByteArray goodLines(int n)
    {
        QByteArray data;
        for (int i = 1; i <= n; ++i)
            data += "{\"queue\":\"big\",\"type\":\"noop\",\"payload\":{\"i\":" + QByteArray::number(i) + "}}\n";
        return data;
    }

    // Writes the lines and, after them, one line of hugeLineBytes, in pieces: this process stays small, as its
    // children are started from it (their peak may count ours up to their exec).
    static bool writeHugeFile(const QString& path, const QByteArray& before, const QByteArray& after)
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return false;
        file.write(before);
        file.write("{\"queue\":\"big\",\"type\":\"noop\",\"payload\":{\"data\":\"");
        const QByteArray piece(1 << 20, 'x');
        for (qint64 left = hugeLineBytes; left > 0; left -= piece.size())
            file.write(piece.constData(), std::min<qint64>(left, piece.size()));
        file.write("\"}}\n");
        file.write(after);
        return file.error() == QFileDevice::NoError;
    }

    // The CLI reading `path` through a pipe on its stdin, fed a piece at a time.
    CliRun cliWithPipedFile(QStringList arguments, const QString& path)
    {
        arguments.prepend(m_db);
        arguments.prepend(QStringLiteral("--db"));
        QProcess process;
        process.setProcessEnvironment(environment());
        process.start(QStringLiteral(CLI_PATH), arguments);
        CliRun result;
        if (!process.waitForStarted())
            return result;
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return result;
        while (process.state() == QProcess::Running && !file.atEnd()) {
            process.write(file.read(1 << 20));
            while (process.bytesToWrite() > 0 && process.state() == QProcess::Running)
                process.waitForBytesWritten(1000);
        }
        process.closeWriteChannel();
        if (process.state() != QProcess::NotRunning && !process.waitForFinished(120'000)) {
            process.kill();
            process.waitForFinished();
            return result;
        }
        result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
        result.out = process.readAllStandardOutput();
        result.err = process.readAllStandardError();
        return result;
    }

    qint64 m_baselineRss = 0;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(QFile::exists(QStringLiteral(CLI_PATH)), CLI_PATH);
        // A small enqueue from a file: what a child needs anyway.
        m_db = m_dir.filePath(QStringLiteral("baseline.db"));
        QCOMPARE(
            cli({QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, goodLines(3)).exitCode, 0);
        m_baselineRss = childrenPeakRss();
        QVERIFY(m_baselineRss > 0);
        qInfo("a small enqueue peaks at %lld MB", m_baselineRss >> 20);
    }

    void init() { m_db = m_dir.filePath(QStringLiteral("db%1/queue.db").arg(++m_dbCounter)); }

    void hugeLineInFileIsRefusedInBoundedMemory()
    {
        const QString path = m_dir.filePath(QStringLiteral("huge.jsonl"));
        QVERIFY(writeHugeFile(path, goodLines(1), goodLines(1)));
        const CliRun r = cli({QStringLiteral("enqueue"), QStringLiteral("--file"), path});
        QFile::remove(path);
        QCOMPARE(r.exitCode, 5);
        const qint64 peak = childrenPeakRss();
        qInfo("peak of the children: %lld MB (a small enqueue: %lld MB)", peak >> 20, m_baselineRss >> 20);
        // Reading the line whole would take at least its 50 MB; the limit is 2 MiB.
        QVERIFY2(peak < m_baselineRss + 24 * 1024 * 1024, qPrintable(QString::number(peak >> 20)));
        QVERIFY2(r.err.contains("line 2:"), r.err.constData());
        QVERIFY2(r.err.contains(QByteArray(QByteArray::number(lineLimitBytes) + " bytes")), r.err.constData());
        QCOMPARE(count(), 0); // nothing of the batch holding it
    }

    void hugeLineOnStdinIsRefusedInBoundedMemory()
    {
        // 1500 good lines, then the huge one: the first batch of 1000 is stored, nothing of the second.
        const QString path = m_dir.filePath(QStringLiteral("huge-stdin.jsonl"));
        QVERIFY(writeHugeFile(path, goodLines(1500), goodLines(2)));
        const CliRun r = cliWithPipedFile(
            {QStringLiteral("--json"), QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, path);
        QFile::remove(path);
        QCOMPARE(r.exitCode, 5);
        const qint64 peak = childrenPeakRss();
        qInfo("peak of the children: %lld MB (a small enqueue: %lld MB)", peak >> 20, m_baselineRss >> 20);
        QVERIFY2(peak < m_baselineRss + 24 * 1024 * 1024, qPrintable(QString::number(peak >> 20)));
        const QJsonObject error = QJsonDocument::fromJson(r.err).object();
        const QString message = error.value(QLatin1String("error")).toString();
        QVERIFY2(message.contains(QLatin1String("stdin, line 1501:")), r.err.constData());
        QVERIFY2(message.contains(QString::number(lineLimitBytes) + QLatin1String(" bytes")), r.err.constData());
        QCOMPARE(count(), 1000);
    }

    // A line just under the limit whose payload is too big is still refused by validation (the payload limit),
    // and a long line of allowed size is read whole.
    void lineUnderTheLimitReachesValidation()
    {
        QByteArray line = "{\"type\":\"noop\",\"payload\":{\"data\":\"";
        line += QByteArray(1024 * 1024 + 100, 'y');
        line += "\"}}\n";
        QVERIFY(line.size() < lineLimitBytes);
        const CliRun big = cli({QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, line);
        QCOMPARE(big.exitCode, 5);
        QVERIFY2(big.err.contains("line 1:") && big.err.contains("Payload is larger than 1048576 bytes"),
            big.err.constData());
        QByteArray fits = "{\"type\":\"noop\",\"payload\":{\"data\":\"";
        fits += QByteArray(1024 * 1024 - 20, 'z');
        fits += "\"}}";
        const CliRun ok = cli({QStringLiteral("enqueue"), QStringLiteral("--file"), QStringLiteral("-")}, fits);
        QCOMPARE(ok.exitCode, 0);
        QCOMPARE(count(), 1);
    }
};

QTEST_GUILESS_MAIN(TestCliLimits)
#include "tst_clilimits.moc"
