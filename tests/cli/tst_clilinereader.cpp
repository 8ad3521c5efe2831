// LineReader, the bounded line reader of `enqueue --file` (issue 16, item 7): a line longer than the limit is
// reported as soon as it passes it, without being buffered, and reading goes on at the next line.
#include "cli_linereader.h"
#include "cli_tasklineparser.h"
#include "core/handlerregistry.h"
#include "core/queueengine.h"

#include <QBuffer>
#include <QTest>

using namespace qd;
using namespace qd::cli;

namespace {

// A sequential device that makes up its content as it is read: `lines` of the given lengths, each of 'x' and
// ended by '\n', without ever holding a whole line.
class GeneratedLines : public QIODevice {
public:
    explicit GeneratedLines(QList<qint64> lengths)
        : m_lengths(std::move(lengths))
    {
        open(QIODevice::ReadOnly);
    }
    bool isSequential() const override { return true; }
    qint64 bytesHandedOut() const { return m_handedOut; }

protected:
    qint64 readData(char* data, qint64 maxSize) override
    {
        qint64 n = 0;
        while (n < maxSize && m_line < m_lengths.size()) {
            if (m_offset < m_lengths[m_line]) {
                const qint64 run = std::min(maxSize - n, m_lengths[m_line] - m_offset);
                std::memset(data + n, 'x', size_t(run));
                n += run;
                m_offset += run;
            } else {
                data[n++] = '\n';
                ++m_line;
                m_offset = 0;
            }
        }
        m_handedOut += n;
        return n;
    }
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    QList<qint64> m_lengths;
    qsizetype m_line = 0;
    qint64 m_offset = 0;
    qint64 m_handedOut = 0;
};

} // namespace

class TestCliLineReader : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void splitsLines_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QList<QByteArray>>("lines");
        QTest::newRow("empty") << QByteArray() << QList<QByteArray> {};
        QTest::newRow("one") << QByteArray("abc\n") << QList<QByteArray> {"abc"};
        QTest::newRow("no final newline") << QByteArray("a\nbc") << QList<QByteArray> {"a", "bc"};
        QTest::newRow("blank lines") << QByteArray("\n\na\n") << QList<QByteArray> {"", "", "a"};
        QTest::newRow("crlf kept") << QByteArray("a\r\nb\r\n") << QList<QByteArray> {"a\r", "b\r"};
        QTest::newRow("exactly the limit") << QByteArray("12345678\n") << QList<QByteArray> {"12345678"};
    }

    void splitsLines()
    {
        QFETCH(QByteArray, input);
        QFETCH(QList<QByteArray>, lines);
        for (const qsizetype chunk : {qsizetype(1), qsizetype(3), LineReader::defaultChunkBytes}) {
            QBuffer buffer(&input);
            QVERIFY(buffer.open(QIODevice::ReadOnly));
            LineReader reader(buffer, 8, chunk);
            QByteArray line;
            for (qsizetype i = 0; i < lines.size(); ++i) {
                QCOMPARE(reader.next(line), LineReader::Status::Line);
                QCOMPARE(line, lines[i]);
                QCOMPARE(reader.lineNumber(), i + 1);
            }
            QCOMPARE(reader.next(line), LineReader::Status::End);
        }
    }

    void longLineIsReportedAndSkipped()
    {
        for (const qsizetype chunk : {qsizetype(1), qsizetype(4), LineReader::defaultChunkBytes}) {
            QByteArray input("ok\n123456789\nnext\n1234567890123");
            QBuffer buffer(&input);
            QVERIFY(buffer.open(QIODevice::ReadOnly));
            LineReader reader(buffer, 8, chunk);
            QByteArray line;
            QCOMPARE(reader.next(line), LineReader::Status::Line);
            QCOMPARE(line, QByteArray("ok"));
            QCOMPARE(reader.next(line), LineReader::Status::TooLong);
            QVERIFY(line.isEmpty());
            QCOMPARE(reader.lineNumber(), 2);
            QCOMPARE(reader.next(line), LineReader::Status::Line);
            QCOMPARE(line, QByteArray("next"));
            QCOMPARE(reader.lineNumber(), 3);
            QCOMPARE(reader.next(line), LineReader::Status::TooLong); // the last line, without '\n'
            QCOMPARE(reader.lineNumber(), 4);
            QCOMPARE(reader.next(line), LineReader::Status::End);
        }
    }

    // A 200 MB line: reported once the limit is passed, having read little more than the limit; the reader never
    // holds more than its chunk and the limit; skipping it reads through without buffering.
    void hugeLineStaysInBoundedMemory()
    {
        const qint64 huge = 200'000'000;
        GeneratedLines device({10, huge, 20});
        LineReader reader(device, TaskLineParser::maxLineBytes);
        QByteArray line;
        QCOMPARE(reader.next(line), LineReader::Status::Line);
        QCOMPARE(reader.next(line), LineReader::Status::TooLong);
        QCOMPARE(reader.lineNumber(), 2);
        QVERIFY2(device.bytesHandedOut() <= 11 + TaskLineParser::maxLineBytes + LineReader::defaultChunkBytes,
            qPrintable(QString::number(device.bytesHandedOut())));
        QCOMPARE(reader.next(line), LineReader::Status::Line);
        QCOMPARE(line, QByteArray(20, 'x'));
        QCOMPARE(reader.lineNumber(), 3);
        QCOMPARE(reader.next(line), LineReader::Status::End);
        QVERIFY2(reader.peakBufferBytes() <= 2 * (TaskLineParser::maxLineBytes + LineReader::defaultChunkBytes),
            qPrintable(QString::number(reader.peakBufferBytes())));
    }

    // The CLI's copy of the payload limit is the one validateNewTask applies.
    void payloadLimitMatchesValidation()
    {
        const auto handlers = HandlerRegistry::createDefault();
        NewTask task;
        task.type = QStringLiteral("noop");
        const QByteArray frame = "{\"d\":\"\"}";
        task.payload = "{\"d\":\"" + QByteArray(TaskLineParser::maxPayloadBytes - frame.size(), 'x') + "\"}";
        QCOMPARE(task.payload.size(), TaskLineParser::maxPayloadBytes);
        QVERIFY(!validateNewTask(task, *handlers));
        task.payload.insert(6, 'x');
        const std::optional<Error> tooBig = validateNewTask(task, *handlers);
        QVERIFY(tooBig);
        QVERIFY2(
            tooBig->message.contains(QString::number(TaskLineParser::maxPayloadBytes)), qPrintable(tooBig->message));
        QVERIFY(TaskLineParser::maxLineBytes > TaskLineParser::maxPayloadBytes);
    }
};

QTEST_GUILESS_MAIN(TestCliLineReader)
#include "tst_clilinereader.moc"
