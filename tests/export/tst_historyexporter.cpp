#include "core/export/exportcodec.h"
#include "core/export/historyexporter.h"
#include "core/taskstore.h"
#include "csvreader.h"
#include "tests/core/storetestutil.h"

#include <QBuffer>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <malloc.h>

using namespace qd;

namespace {

// Everything CSV and JSON must survive: quotes, commas, CR, LF, CRLF, a tab, non-ASCII and an emoji.
const QString hostile = QStringLiteral("say \"hi\", then\r\nnew line\nand\rcr\ttab; grüße, 日本, 😀 \"\"");
const qint64 baseTime = 1'795'608'000'123; // 2026-11-25T12:00:00.123Z

QString referenceIso(qint64 ms)
{
    return ms == 0 ? QString() : QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

QByteArray jsonText(const QJsonValue& value)
{
    if (value.isObject())
        return QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    if (value.isArray())
        return QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    return {};
}

// The expected JSON Lines text of a stored JSON document (payload, result): its compact form, empty when none.
QByteArray normalisedJson(const QByteArray& stored)
{
    if (stored.isEmpty())
        return {};
    const QJsonDocument doc = QJsonDocument::fromJson(stored);
    return doc.isArray() ? doc.toJson(QJsonDocument::Compact)
                         : QJsonDocument(doc.object()).toJson(QJsonDocument::Compact);
}

qint64 heapInUse()
{
    return qint64(mallinfo2().uordblks);
}

} // namespace

class TestHistoryExporter : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TaskStore> m_store;
    QList<Task> m_tasks;
    QList<TaskEvent> m_events;

    std::unique_ptr<TaskStore> openStore(const QString& name)
    {
        StoreOptions options;
        options.path = test::testDatabase(m_dir, QFileInfo(name).completeBaseName());
        Result<std::unique_ptr<TaskStore>> store = TaskStore::open(options);
        if (!store.ok())
            qFatal("cannot open the store: %s", qPrintable(store.errorString()));
        return std::move(store).value();
    }

    void reload()
    {
        TaskQuery query;
        query.limit = 100'000;
        Result<QList<Task>> tasks = m_store->listTasks(query);
        QVERIFY2(tasks.ok(), qPrintable(tasks.errorString()));
        m_tasks = tasks.value();
        m_events.clear();
        const Status status
            = m_store->forEachEvent(0, std::numeric_limits<qint64>::max(), {}, [this](const TaskEvent& e) {
                  m_events.append(e);
                  return true;
              });
        QVERIFY2(status.ok(), qPrintable(status.errorString()));
    }

    void checkTaskFields(const Task& task, const QList<QByteArray>& row)
    {
        const QList<QLatin1String>& columns = ExportCodec::taskColumns();
        QCOMPARE(row.size(), columns.size());
        auto field
            = [&](const char* name) { return QString::fromUtf8(row.value(columns.indexOf(QLatin1String(name)))); };
        QCOMPARE(field("id"), QString::number(task.id));
        QCOMPARE(field("queue"), task.queue);
        QCOMPARE(field("type"), task.type);
        QCOMPARE(field("state"), taskStateName(task.state));
        QCOMPARE(field("priority"), QString::number(task.priority));
        QCOMPARE(field("attempts"), QString::number(task.attempts));
        QCOMPARE(field("max_attempts"), QString::number(task.maxAttempts));
        QCOMPARE(field("timeout_ms"), QString::number(task.timeoutMs));
        QCOMPARE(field("run_at"), referenceIso(task.runAt));
        QCOMPARE(field("created_at"), referenceIso(task.createdAt));
        QCOMPARE(field("started_at"), referenceIso(task.startedAt));
        QCOMPARE(field("finished_at"), referenceIso(task.finishedAt));
        QCOMPARE(field("lease_owner"), task.leaseOwner);
        QCOMPARE(field("lease_expires_at"), referenceIso(task.leaseExpiresAt));
        QCOMPARE(field("cancel_requested"), task.cancelRequested ? QStringLiteral("true") : QStringLiteral("false"));
        QCOMPARE(field("idempotency_key"), task.idempotencyKey);
        QCOMPARE(field("last_error"), task.lastError);
        // CSV keeps the stored JSON text as it is (JSON Lines embeds the parsed document, checked below).
        QCOMPARE(field("payload").toUtf8(), task.payload);
        QCOMPARE(field("result").toUtf8(), task.result);
    }

    void checkEventFields(const TaskEvent& event, const QList<QByteArray>& row)
    {
        const QList<QLatin1String>& columns = ExportCodec::eventColumns();
        QCOMPARE(row.size(), columns.size());
        auto field
            = [&](const char* name) { return QString::fromUtf8(row.value(columns.indexOf(QLatin1String(name)))); };
        QCOMPARE(field("id"), QString::number(event.id));
        QCOMPARE(field("task_id"), QString::number(event.taskId));
        QCOMPARE(field("queue"), event.queue);
        QCOMPARE(field("at"), referenceIso(event.at));
        QCOMPARE(field("kind"), event.kind);
        QCOMPARE(field("from_state"), event.fromState ? taskStateName(*event.fromState) : QString());
        QCOMPARE(field("to_state"), taskStateName(event.toState));
        QCOMPARE(field("attempt"), QString::number(event.attempt));
        QCOMPARE(field("worker"), event.worker);
        QCOMPARE(field("detail"), event.detail);
        QCOMPARE(field("duration_ms"), event.durationMs < 0 ? QString() : QString::number(event.durationMs));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_store = openStore(QStringLiteral("history.db"));

        // Tasks in every state, with hostile text wherever the store keeps text.
        QList<NewTask> tasks;
        for (int i = 0; i < 8; ++i) {
            NewTask task;
            task.queue = i < 6 ? QStringLiteral("alpha") : QStringLiteral("beta.2");
            task.type = i % 2 ? QStringLiteral("sleep") : QStringLiteral("noop");
            task.payload = QJsonDocument(QJsonObject {{QStringLiteral("text"), hostile}, {QStringLiteral("n"), i},
                                             {QStringLiteral("list"), QJsonArray {1, hostile}}})
                               .toJson(QJsonDocument::Compact);
            task.priority = i * 10;
            task.maxAttempts = 3;
            task.idempotencyKey = i == 3 ? hostile : QString();
            task.delayMs = i == 7 ? 3'600'000 : 0; // stays scheduled
            tasks.append(task);
        }
        Result<QList<EnqueueResult>> stored = m_store->enqueue(tasks, baseTime);
        QVERIFY2(stored.ok(), qPrintable(stored.errorString()));

        const QString owner = QStringLiteral("host, \"owner\"");
        const QString worker = QStringLiteral("worker \"1\",\r\nü😀");
        Result<QList<Task>> claimed = m_store->claim(QStringLiteral("alpha"), 3, owner, 30'000, baseTime + 1000);
        QVERIFY2(claimed.ok(), qPrintable(claimed.errorString()));
        QCOMPARE(claimed->size(), 3);
        for (const Task& task : claimed.value())
            QVERIFY(m_store->recordStart(task, worker, baseTime + 1001).ok());
        const Task& done = claimed->at(0);
        const QByteArray result
            = QJsonDocument(QJsonObject {{QStringLiteral("echo"), hostile}}).toJson(QJsonDocument::Compact);
        QVERIFY(m_store->complete(done.id, done.attempts, owner, worker, result, baseTime + 2500).ok());
        const Task& failed = claimed->at(1);
        QVERIFY(m_store->fail(failed.id, failed.attempts, owner, worker, hostile, true, std::nullopt, baseTime + 2600)
                    .ok());
        const Task& retried = claimed->at(2);
        QVERIFY(
            m_store->fail(retried.id, retried.attempts, owner, worker, hostile, false, std::nullopt, baseTime + 2700)
                .ok());
        TaskFilter cancelOne;
        cancelOne.ids = {stored->at(0).id}; // the lowest priority: still queued, not claimed above
        QVERIFY(m_store->cancel(cancelOne, baseTime + 3000).ok());
        // One still running with a lease, so that lease columns are filled.
        Result<QList<Task>> running = m_store->claim(QStringLiteral("beta.2"), 1, owner, 30'000, baseTime + 4000);
        QVERIFY(running.ok());
        QCOMPARE(running->size(), 1);
        QVERIFY(m_store->recordStart(running->first(), worker, baseTime + 4001).ok());
        reload();
        QCOMPARE(m_tasks.size(), 8);
        // Every kind of transition is in the history, so the round trips below cover them all.
        QSet<QString> kinds;
        for (const TaskEvent& event : std::as_const(m_events))
            kinds.insert(event.kind);
        for (const char* kind : {"enqueued", "started", "succeeded", "failed", "retry_scheduled", "cancelled"})
            QVERIFY2(kinds.contains(QLatin1String(kind)), kind);
    }

    void isoTimeMatchesQt()
    {
        QCOMPARE(ExportCodec::isoTime(0), QString());
        QCOMPARE(ExportCodec::isoTime(1'795'608'000'123), QStringLiteral("2026-11-25T12:00:00.123Z"));
        QCOMPARE(ExportCodec::isoTime(951'782'400'000), QStringLiteral("2000-02-29T00:00:00.000Z"));
        QRandomGenerator random(42);
        for (int i = 0; i < 20'000; ++i) {
            const qint64 ms = qint64(random.bounded(1.0) * 8.0e12) - 1'000'000'000'000; // 1938..2223
            if (ms == 0)
                continue;
            QCOMPARE(ExportCodec::isoTime(ms), referenceIso(ms));
        }
        QCOMPARE(
            ExportCodec::parseIsoTime(QStringLiteral("2026-11-25T12:00:00.123Z")), std::optional<qint64>(baseTime));
        QCOMPARE(ExportCodec::parseIsoTime(QStringLiteral("2026-11-25T13:00:00.123+01:00")),
            std::optional<qint64>(baseTime));
        QCOMPARE(ExportCodec::parseIsoTime(QStringLiteral("2026-11-25T12:00:00.123")), std::optional<qint64>(baseTime));
        QCOMPARE(ExportCodec::parseIsoTime(QStringLiteral("2026-11-25")),
            std::optional<qint64>(baseTime - 12 * 3'600'000 - 123));
        QVERIFY(!ExportCodec::parseIsoTime(QStringLiteral("yesterday")));
    }

    void csvFieldQuoting_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("plain") << QStringLiteral("abc") << QByteArray("abc");
        QTest::newRow("empty") << QString() << QByteArray("");
        QTest::newRow("comma") << QStringLiteral("a,b") << QByteArray("\"a,b\"");
        QTest::newRow("quote") << QStringLiteral("a\"b") << QByteArray("\"a\"\"b\"");
        QTest::newRow("cr") << QStringLiteral("a\rb") << QByteArray("\"a\rb\"");
        QTest::newRow("lf") << QStringLiteral("a\nb") << QByteArray("\"a\nb\"");
        QTest::newRow("non-ascii") << QStringLiteral("grüße 😀") << QStringLiteral("grüße 😀").toUtf8();
        QTest::newRow("non-ascii, quoted")
            << QStringLiteral("grüße, \"du\"") << QStringLiteral("\"grüße, \"\"du\"\"\"").toUtf8();
    }

    void csvFieldQuoting()
    {
        QFETCH(QString, text);
        QFETCH(QByteArray, expected);
        QByteArray line;
        ExportCodec::appendCsvField(line, text.toUtf8());
        QCOMPARE(line, expected);
        // From text, as task fields are written, appended to what the line already holds.
        QByteArray fromText("x,");
        ExportCodec::appendCsvField(fromText, text);
        QCOMPARE(fromText, "x," + expected);
    }

    void spreadsheetSafeCells_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QByteArray>("safe");
        QTest::newRow("formula") << QStringLiteral("=1+2") << QByteArray("'=1+2");
        QTest::newRow("plus") << QStringLiteral("+SUM(A1)") << QByteArray("'+SUM(A1)");
        QTest::newRow("minus") << QStringLiteral("-2") << QByteArray("'-2");
        QTest::newRow("at") << QStringLiteral("@cmd") << QByteArray("'@cmd");
        QTest::newRow("tab") << QStringLiteral("\t=x") << QByteArray("'\t=x");
        QTest::newRow("cr, quoted") << QStringLiteral("\r=x") << QByteArray("\"'\r=x\"");
        QTest::newRow("quoted") << QStringLiteral("=HYPERLINK(\"http://x\",\"y\")")
                                << QByteArray("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
        QTest::newRow("non-ascii") << QStringLiteral("=ü") << QStringLiteral("'=ü").toUtf8();
        QTest::newRow("inside is fine") << QStringLiteral("a=b") << QByteArray("a=b");
        QTest::newRow("empty") << QString() << QByteArray();
    }

    void spreadsheetSafeCells()
    {
        QFETCH(QString, text);
        QFETCH(QByteArray, safe);
        for (const QByteArray& line : {[&] {
                                           QByteArray l;
                                           ExportCodec::appendCsvField(l, text, CsvCells::SpreadsheetSafe);
                                           return l;
                                       }(),
                 [&] {
                     QByteArray l;
                     ExportCodec::appendCsvField(l, text.toUtf8(), CsvCells::SpreadsheetSafe);
                     return l;
                 }()})
            QCOMPARE(line, safe);
        // As stored unless asked: the raw export keeps the exact text.
        QByteArray raw;
        ExportCodec::appendCsvField(raw, text);
        QCOMPARE(raw.startsWith('\''), false);
    }

    void spreadsheetSafeExport()
    {
        // A task whose key and error a spreadsheet would run: raw in a plain CSV, plain text in a safe one.
        auto store = openStore(QStringLiteral("formulas.db"));
        NewTask task;
        task.type = QStringLiteral("noop");
        task.idempotencyKey = QStringLiteral("=cmd|' /C calc'!A0");
        QVERIFY(store->enqueue({task}, baseTime).ok());
        for (const auto& [format, expected] : {std::pair {ExportFormat::Csv, QByteArray("=cmd|' /C calc'!A0")},
                 std::pair {ExportFormat::SpreadsheetCsv, QByteArray("'=cmd|' /C calc'!A0")}}) {
            QBuffer buffer;
            buffer.open(QIODevice::WriteOnly);
            QVERIFY(HistoryExporter::exportTasks(*store, {}, format, buffer).ok());
            QList<CsvReader::Record> records;
            QVERIFY(CsvReader::parse(buffer.data(), records, nullptr));
            QCOMPARE(records.size(), 2);
            QCOMPARE(records[1][ExportCodec::taskColumns().indexOf(QLatin1String("idempotency_key"))], expected);
        }
    }

    void tasksCsvRoundTrip()
    {
        const QString path = m_dir.filePath(QStringLiteral("tasks.csv"));
        qint64 lastWritten = -1, lastTotal = -1;
        ExportControl control;
        control.checkEveryRows = 3;
        control.progress = [&](qint64 written, qint64 total) {
            lastWritten = written;
            lastTotal = total;
        };
        const Result<qint64> rows = HistoryExporter::exportTasks(*m_store, {}, ExportFormat::Csv, path, control);
        QVERIFY2(rows.ok(), qPrintable(rows.errorString()));
        QCOMPARE(rows.value(), qint64(m_tasks.size()));
        QCOMPARE(lastWritten, qint64(m_tasks.size()));
        QCOMPARE(lastTotal, qint64(m_tasks.size()));

        const QByteArray data = readAll(path);
        QVERIFY(data.startsWith("id,queue,type,state,"));
        QList<CsvReader::Record> records;
        QString error;
        QVERIFY2(CsvReader::parse(data, records, &error), qPrintable(error));
        QCOMPARE(records.size(), m_tasks.size() + 1);
        QList<QByteArray> header;
        for (const QLatin1String& column : ExportCodec::taskColumns())
            header.append(QByteArray(column.data(), column.size()));
        QCOMPARE(records.first(), header);
        for (qsizetype i = 0; i < m_tasks.size(); ++i) {
            checkTaskFields(m_tasks[i], records[i + 1]);
            if (QTest::currentTestFailed())
                return;
        }
        // The hostile text came back byte for byte somewhere (last_error of the failed task).
        bool seen = false;
        for (const CsvReader::Record& record : std::as_const(records))
            seen = seen || record.contains(hostile.toUtf8());
        QVERIFY(seen);
    }

    void tasksJsonLinesRoundTrip()
    {
        const QString path = m_dir.filePath(QStringLiteral("tasks.jsonl"));
        const Result<qint64> rows = HistoryExporter::exportTasks(*m_store, {}, ExportFormat::JsonLines, path);
        QVERIFY2(rows.ok(), qPrintable(rows.errorString()));
        const QByteArray data = readAll(path);
        QVERIFY(data.endsWith('\n'));
        const QList<QByteArray> lines = data.left(data.size() - 1).split('\n');
        QCOMPARE(lines.size(), m_tasks.size());
        for (qsizetype i = 0; i < lines.size(); ++i) {
            QVERIFY(!lines[i].contains('\r'));
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(lines[i], &parseError);
            QVERIFY2(parseError.error == QJsonParseError::NoError, qPrintable(parseError.errorString()));
            const QJsonObject object = doc.object();
            const Task& task = m_tasks[i];
            QCOMPARE(object.value(QLatin1String("id")).toInteger(), task.id);
            QCOMPARE(object.value(QLatin1String("queue")).toString(), task.queue);
            QCOMPARE(object.value(QLatin1String("state")).toString(), taskStateName(task.state));
            QCOMPARE(object.value(QLatin1String("last_error")).toString(), task.lastError);
            QCOMPARE(object.value(QLatin1String("idempotency_key")).toString(), task.idempotencyKey);
            QVERIFY2(object.value(QLatin1String("payload")).isObject(), "payload must be embedded, not a string");
            QCOMPARE(jsonText(object.value(QLatin1String("payload"))), normalisedJson(task.payload));
            QCOMPARE(
                object.value(QLatin1String("payload")).toObject().value(QLatin1String("text")).toString(), hostile);
            if (task.result.isEmpty())
                QVERIFY(object.value(QLatin1String("result")).isNull());
            else
                QCOMPARE(jsonText(object.value(QLatin1String("result"))), normalisedJson(task.result));
            QCOMPARE(object.value(QLatin1String("created_at")).toString(), referenceIso(task.createdAt));
            if (task.finishedAt == 0)
                QVERIFY(object.value(QLatin1String("finished_at")).isNull());
            else
                QCOMPARE(object.value(QLatin1String("finished_at")).toString(), referenceIso(task.finishedAt));
        }
    }

    void filteredTasks()
    {
        TaskFilter filter;
        filter.queues = {QStringLiteral("beta.2")};
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        const Result<qint64> rows = HistoryExporter::exportTasks(*m_store, filter, ExportFormat::Csv, buffer);
        QVERIFY(rows.ok());
        QCOMPARE(rows.value(), 2);
        QList<CsvReader::Record> records;
        QVERIFY(CsvReader::parse(buffer.data(), records, nullptr));
        QCOMPARE(records.size(), 3);
        QCOMPARE(records[1][1], QByteArray("beta.2"));
        QCOMPARE(records[2][1], QByteArray("beta.2"));
    }

    void eventsRoundTrip()
    {
        const QString path = m_dir.filePath(QStringLiteral("events.csv"));
        qint64 lastWritten = -1, lastTotal = -1;
        ExportControl control;
        control.checkEveryRows = 3;
        control.progress = [&](qint64 written, qint64 total) {
            lastWritten = written;
            lastTotal = total;
        };
        const Result<qint64> rows = HistoryExporter::exportEvents(*m_store, 0, 0, {}, ExportFormat::Csv, path, control);
        QVERIFY2(rows.ok(), qPrintable(rows.errorString()));
        QCOMPARE(rows.value(), qint64(m_events.size()));
        QCOMPARE(lastWritten, qint64(m_events.size()));
        QCOMPARE(lastTotal, qint64(m_events.size())); // the progress bar's total
        QList<CsvReader::Record> records;
        QString error;
        QVERIFY2(CsvReader::parse(readAll(path), records, &error), qPrintable(error));
        QCOMPARE(records.size(), m_events.size() + 1);
        for (qsizetype i = 0; i < m_events.size(); ++i) {
            checkEventFields(m_events[i], records[i + 1]);
            if (QTest::currentTestFailed())
                return;
        }
        // Written field by field, a record is what the event's JSON object gives as CSV.
        for (const TaskEvent& event : std::as_const(m_events)) {
            QByteArray direct;
            ExportCodec::appendEventCsvRecord(direct, event);
            QCOMPARE(direct, ExportCodec::csvRecord(ExportCodec::eventToJson(event), ExportCodec::eventColumns()));
        }
        // Every task's whole history is there: each task has its "enqueued" event.
        QSet<QByteArray> enqueuedTasks;
        for (qsizetype i = 1; i < records.size(); ++i) {
            if (records[i][4] == "enqueued")
                enqueuedTasks.insert(records[i][1]);
        }
        QCOMPARE(enqueuedTasks.size(), m_tasks.size());

        const QString jsonPath = m_dir.filePath(QStringLiteral("events.jsonl"));
        QVERIFY(HistoryExporter::exportEvents(*m_store, 0, 0, {}, ExportFormat::JsonLines, jsonPath).ok());
        const QList<QByteArray> lines = readAll(jsonPath).trimmed().split('\n');
        QCOMPARE(lines.size(), m_events.size());
        for (qsizetype i = 0; i < lines.size(); ++i) {
            const QJsonObject object = QJsonDocument::fromJson(lines[i]).object();
            QCOMPARE(object.value(QLatin1String("id")).toInteger(), m_events[i].id);
            QCOMPARE(object.value(QLatin1String("worker")).toString(), m_events[i].worker);
            QCOMPARE(object.value(QLatin1String("detail")).toString(), m_events[i].detail);
            QCOMPARE(object.value(QLatin1String("from_state")).isNull(), !m_events[i].fromState.has_value());
            QCOMPARE(object.value(QLatin1String("duration_ms")).isNull(), m_events[i].durationMs < 0);
        }
    }

    void eventsByQueueAndTime()
    {
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        const Result<qint64> rows = HistoryExporter::exportEvents(
            *m_store, baseTime + 1000, baseTime + 3000, {QStringLiteral("alpha")}, ExportFormat::Csv, buffer);
        QVERIFY2(rows.ok(), qPrintable(rows.errorString()));
        qint64 expected = 0;
        for (const TaskEvent& event : std::as_const(m_events)) {
            if (event.queue == u"alpha" && event.at >= baseTime + 1000 && event.at < baseTime + 3000)
                ++expected;
        }
        QVERIFY(expected > 0);
        QCOMPARE(rows.value(), expected);
        QList<CsvReader::Record> records;
        QVERIFY(CsvReader::parse(buffer.data(), records, nullptr));
        for (qsizetype i = 1; i < records.size(); ++i)
            QCOMPARE(records[i][2], QByteArray("alpha"));
    }

    void samplesRoundTrip()
    {
        QList<QueueSample> samples;
        for (int i = 0; i < 5; ++i) {
            QueueSample sample;
            sample.queue = QStringLiteral("alpha");
            sample.at = baseTime - 123 + i * 60'000;
            sample.resolutionSeconds = 60;
            sample.counts = {qint64(i), 1, 2, 3, 4, 5};
            sample.enqueued = 10 + i;
            sample.completed = 20 + i;
            sample.failed = i;
            sample.waitP50Ms = 1.5 * i;
            sample.waitP95Ms = 250.25;
            samples.append(sample);
        }
        QVERIFY(m_store->insertSamples(samples).ok());
        QBuffer buffer;
        buffer.open(QIODevice::WriteOnly);
        const Result<qint64> rows = HistoryExporter::exportSamples(*m_store, {QStringLiteral("alpha")}, 60,
            baseTime - 3'600'000, baseTime + 3'600'000, ExportFormat::Csv, buffer);
        QVERIFY2(rows.ok(), qPrintable(rows.errorString()));
        QCOMPARE(rows.value(), 5);
        QList<CsvReader::Record> records;
        QVERIFY(CsvReader::parse(buffer.data(), records, nullptr));
        QCOMPARE(records.size(), 6);
        QCOMPARE(records[0].join(','),
            QByteArray("queue,at,resolution_seconds,queued,scheduled,running,succeeded,failed,"
                       "cancelled,enqueued,completed,failed_attempts,wait_p50_ms,wait_p95_ms"));
        QCOMPARE(records[3].join(','), QByteArray("alpha,2026-11-25T12:02:00.000Z,60,2,1,2,3,4,5,12,22,2,3,250.25"));
    }

    void cancelledExportLeavesNoFile()
    {
        QTemporaryDir target;
        const QString path = target.filePath(QStringLiteral("cancelled.csv"));
        std::atomic<bool> cancel {false};
        ExportControl control;
        control.cancelFlag = &cancel;
        control.checkEveryRows = 2;
        control.progress = [&](qint64, qint64) { cancel = true; };
        const Result<qint64> rows = HistoryExporter::exportTasks(*m_store, {}, ExportFormat::Csv, path, control);
        QVERIFY(!rows.ok());
        QCOMPARE(rows.error().code, ErrorCode::Cancelled);
        QVERIFY(!QFile::exists(path));
        QCOMPARE(QDir(target.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot), QStringList());

        // An existing file under the chosen name keeps its content.
        QFile old(path);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("old content\n");
        old.close();
        ExportControl viaFunction;
        viaFunction.isCancelled = [] { return true; };
        const Result<qint64> again
            = HistoryExporter::exportEvents(*m_store, 0, 0, {}, ExportFormat::JsonLines, path, viaFunction);
        QCOMPARE(again.error().code, ErrorCode::Cancelled);
        QCOMPARE(readAll(path), QByteArray("old content\n"));
        QCOMPARE(QDir(target.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot),
            QStringList {QStringLiteral("cancelled.csv")});
    }

    void unwritableTargetIsAnIoError()
    {
        const Result<qint64> rows = HistoryExporter::exportTasks(
            *m_store, {}, ExportFormat::Csv, m_dir.filePath(QStringLiteral("no/such/dir/x.csv")));
        QVERIFY(!rows.ok());
        QCOMPARE(rows.error().code, ErrorCode::Io);
    }

    void largeExportStaysInBoundedMemory()
    {
        // On PostgreSQL the rows cross a socket: a quarter of them shows the same bounded memory in CI's time.
        const int taskCount = test::onServer() ? 50'000 : 200'000;
        std::unique_ptr<TaskStore> store = openStore(QStringLiteral("large.db"));
        const QByteArray payload = QJsonDocument(
            QJsonObject {{QStringLiteral("padding"), QString(160, u'x')},
                {QStringLiteral("text"),
                    hostile}}).toJson(QJsonDocument::Compact);
        for (int done = 0; done < taskCount;) {
            QList<NewTask> batch;
            for (int i = 0; i < 10'000; ++i, ++done) {
                NewTask task;
                task.queue = QStringLiteral("bulk");
                task.type = QStringLiteral("noop");
                task.payload = payload;
                batch.append(task);
            }
            QVERIFY(store->enqueue(batch, baseTime + done).ok());
        }

        const QString path = m_dir.filePath(QStringLiteral("large.csv"));
        const qint64 heapBefore = heapInUse();
        qint64 heapPeak = heapBefore;
        qint64 progressCalls = 0;
        ExportControl control;
        control.progress = [&](qint64, qint64 total) {
            QCOMPARE(total, qint64(taskCount));
            heapPeak = qMax(heapPeak, heapInUse());
            ++progressCalls;
        };
        const Result<qint64> rows = HistoryExporter::exportTasks(*store, {}, ExportFormat::Csv, path, control);
        QVERIFY2(rows.ok(), qPrintable(rows.errorString()));
        QCOMPARE(rows.value(), qint64(taskCount));
        QVERIFY(progressCalls >= taskCount / 1000);

        const qint64 fileSize = QFileInfo(path).size();
        QVERIFY2(fileSize > qint64(taskCount) * 300, qPrintable(QString::number(fileSize)));
        // Holding the rows would take several times the file size; streaming takes a page cache and a row.
        if (heapBefore > 0) {
            const qint64 growth = heapPeak - heapBefore;
            qInfo("exported %lld bytes; the heap grew by at most %lld bytes", fileSize, growth);
            QVERIFY2(growth < 16 * 1024 * 1024,
                qPrintable(QStringLiteral("heap grew by %1 bytes for a %2-byte export").arg(growth).arg(fileSize)));
        }

        // Spot-check the file: the right number of records, each a full row.
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        qint64 records = 0;
        QByteArray pending;
        while (!file.atEnd()) {
            pending += file.read(1 << 20);
            const qsizetype cut = pending.lastIndexOf("\r\n");
            if (cut < 0)
                continue;
            records += pending.left(cut + 2).count("\r\n"); // JSON escapes the payload's own CR LF
            pending.remove(0, cut + 2);
        }
        QCOMPARE(records, qint64(taskCount) + 1);
    }
};

QTEST_GUILESS_MAIN(TestHistoryExporter)
#include "tst_historyexporter.moc"
