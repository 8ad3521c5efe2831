#include "core/export/exportcodec.h"
#include "core/taskstore.h"
#include "tests/export/csvreader.h"
#include "ui/exportdialog.h"
#include "ui/exportjob.h"
#include "ui/filterbar.h"
#include "ui/mainwindow.h"
#include "ui/messagebar.h"
#include "ui/tasktablemodel.h"
#include "uitesthelpers.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QThread>

using namespace qd;
using namespace qd::ui;

class TestExportDialog : public QObject {
    Q_OBJECT

    static QByteArray readAll(const QString& path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        return f.readAll();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QApplication::setOrganizationName(QStringLiteral("QueueDeskTests"));
        QApplication::setApplicationName(QStringLiteral("tst_exportdialog"));
    }

    // File > Export from the window: the dialog starts at the table's filter, the file holds exactly those tasks
    // as valid CSV, and the message bar says where and how many.
    void exportsFilteredTasksAsCsvFromTheWindow()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(300)).ok());
        MainWindow window(engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.filterBar()->setQueue(QStringLiteral("images"));
        QTRY_COMPARE(window.taskModel()->totalCount(), qint64(100));

        window.action(QStringLiteral("export"))->trigger();
        auto* dialog = window.findChild<ExportDialog*>();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QCOMPARE(dialog->what(), ExportDialog::What::FilteredTasks);
        const QString target = dir.filePath(QStringLiteral("images.csv"));
        dialog->setFormat(ExportFormat::Csv);
        dialog->setPath(target);
        QTest::mouseClick(dialog->exportButton(), Qt::LeftButton);

        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(target), 30000);
        QTRY_VERIFY(window.messageBar()->isVisible());
        QCOMPARE(window.messageBar()->kind(), MessageBar::Kind::Info);
        QVERIFY2(window.messageBar()->text().contains(QLatin1String("100")), qPrintable(window.messageBar()->text()));
        QVERIFY2(window.messageBar()->text().contains(QDir::toNativeSeparators(target)),
            qPrintable(window.messageBar()->text()));

        QList<CsvReader::Record> records;
        QString error;
        QVERIFY2(CsvReader::parse(readAll(target), records, &error), qPrintable(error));
        QCOMPARE(records.size(), 101); // header + rows
        const qsizetype queueColumn = records.first().indexOf("queue");
        QVERIFY(queueColumn >= 0);
        for (qsizetype i = 1; i < records.size(); ++i)
            QCOMPARE(records.at(i).at(queueColumn), QByteArray("images"));
        // The dialog closed itself and is deleted.
        QTRY_VERIFY(!window.findChild<ExportDialog*>());
    }

    void exportsEventsAsJsonLinesInTheTimeRange()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        const qint64 before = QDateTime::currentMSecsSinceEpoch() - 1000;
        QVERIFY(engine->enqueueBatch(test::makeTasks(30)).ok());
        TaskFilter emails;
        emails.queues = {QStringLiteral("emails")};
        QVERIFY(engine->cancel(emails).ok()); // 10 more events
        const qint64 after = QDateTime::currentMSecsSinceEpoch() + 1000;

        ExportDialog dialog(engine->options().store, {}, 30, {QStringLiteral("emails"), QStringLiteral("images")});
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.setWhat(ExportDialog::What::Events);
        dialog.setFormat(ExportFormat::JsonLines);
        dialog.setTimeRange(before, after);
        dialog.setQueue(QStringLiteral("emails"));
        const QString target = dir.filePath(QStringLiteral("events.jsonl"));
        dialog.setPath(target);
        QSignalSpy done(&dialog, &ExportDialog::exportSucceeded);
        QVERIFY(dialog.startExport());
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
        QCOMPARE(done.first().at(1).toLongLong(), qint64(20)); // 10 enqueued + 10 cancelled

        const QList<QByteArray> lines = readAll(target).split('\n');
        QCOMPARE(lines.size(), 21); // the last line ends with LF
        QStringList kinds;
        for (qsizetype i = 0; i < 20; ++i) {
            QJsonParseError parseError;
            const QJsonObject event = QJsonDocument::fromJson(lines.at(i), &parseError).object();
            QCOMPARE(parseError.error, QJsonParseError::NoError);
            QCOMPARE(event.value(QLatin1String("queue")).toString(), QStringLiteral("emails"));
            kinds.append(event.value(QLatin1String("kind")).toString());
        }
        QCOMPARE(kinds.count(QStringLiteral("enqueued")), 10);
        QCOMPARE(kinds.count(QStringLiteral("cancelled")), 10);

        // A range before anything happened: an empty, but complete, file.
        ExportDialog early(engine->options().store, {}, 30, {});
        early.setWhat(ExportDialog::What::Events);
        early.setTimeRange(before - 3600'000, before);
        const QString empty = dir.filePath(QStringLiteral("none.csv"));
        early.setPath(empty);
        QSignalSpy earlyDone(&early, &ExportDialog::exportSucceeded);
        QVERIFY(early.startExport());
        QTRY_COMPARE_WITH_TIMEOUT(earlyDone.size(), 1, 30000);
        QCOMPARE(earlyDone.first().at(1).toLongLong(), qint64(0));
        QVERIFY(readAll(empty).startsWith("id,"));
    }

    void exportsMetricSeries()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 0, false, QStringLiteral("ui.db"), 0); // no live sampling
        QVERIFY(engine);
        const qint64 minute = (QDateTime::currentMSecsSinceEpoch() / 60'000 - 10) * 60'000;
        QList<QueueSample> samples;
        for (int i = 0; i < 3; ++i) {
            QueueSample s;
            s.queue = QStringLiteral("reports");
            s.at = minute + i * 60'000;
            s.resolutionSeconds = 60;
            s.enqueued = 10 + i;
            s.completed = 7;
            s.counts[size_t(TaskState::Queued)] = 100 + i;
            samples.append(s);
        }
        QVERIFY(engine->runInWriter([&](TaskStore& store) { return store.insertSamples(samples); }).ok());

        ExportDialog dialog(engine->options().store, {}, 0, {QStringLiteral("reports")});
        dialog.setWhat(ExportDialog::What::Metrics);
        dialog.setResolutionSeconds(60);
        dialog.setQueue(QStringLiteral("reports"));
        dialog.setTimeRange(minute - 60'000, minute + 3 * 60'000);
        const QString target = dir.filePath(QStringLiteral("metrics.jsonl"));
        dialog.setFormat(ExportFormat::JsonLines);
        dialog.setPath(target);
        QSignalSpy done(&dialog, &ExportDialog::exportSucceeded);
        QVERIFY(dialog.startExport());
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
        const QList<QByteArray> lines = readAll(target).trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        for (int i = 0; i < 3; ++i) {
            const QJsonObject row = QJsonDocument::fromJson(lines.at(i)).object();
            QCOMPARE(row.value(QLatin1String("queue")).toString(), QStringLiteral("reports"));
            QCOMPARE(row.value(QLatin1String("enqueued")).toInteger(), qint64(10 + i));
        }
    }

    // Cancel pressed while rows are being written: the export stops, the file under the chosen name keeps its old
    // content, and no temporary file is left behind. The exporter is held at its first progress check until the
    // button was pressed, so the test does not race the export to its end.
    // A key a spreadsheet would run as a formula is exported as text by default, raw when the box is cleared; the
    // box applies to CSV only.
    void spreadsheetSafeByDefault()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 0);
        QVERIFY(engine);
        NewTask task = test::makeTasks(1).first();
        task.idempotencyKey = QStringLiteral("=HYPERLINK(\"http://x\")");
        QVERIFY(engine->enqueueBatch({task}).ok());
        for (const bool safe : {true, false}) {
            ExportDialog dialog(engine->options().store, {}, 1, {});
            dialog.show();
            QVERIFY(QTest::qWaitForWindowExposed(&dialog));
            QCheckBox* box = dialog.findChild<QCheckBox*>(QStringLiteral("spreadsheetSafe"));
            QVERIFY(box);
            QVERIFY(box->isChecked());
            dialog.setFormat(ExportFormat::JsonLines);
            QVERIFY(!box->isEnabled());
            QCOMPARE(dialog.request().format, ExportFormat::JsonLines);
            dialog.setFormat(ExportFormat::Csv);
            QVERIFY(box->isEnabled());
            if (safe)
                dialog.grab().save(QStringLiteral("/tmp/qd-ui2-export-safe.png"));
            else
                QTest::mouseClick(box, Qt::LeftButton);
            QCOMPARE(dialog.request().format, safe ? ExportFormat::SpreadsheetCsv : ExportFormat::Csv);
            dialog.setWhat(ExportDialog::What::AllTasks);
            const QString target = dir.filePath(safe ? QStringLiteral("safe.csv") : QStringLiteral("raw.csv"));
            dialog.setPath(target);
            QSignalSpy done(&dialog, &ExportDialog::exportSucceeded);
            QVERIFY(dialog.startExport());
            QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 30000);
            QList<CsvReader::Record> records;
            QVERIFY(CsvReader::parse(readAll(target), records, nullptr));
            QCOMPARE(records.size(), 2);
            const qsizetype key = records.first().indexOf("idempotency_key");
            QCOMPARE(records[1][key],
                safe ? QByteArray("'=HYPERLINK(\"http://x\")") : QByteArray("=HYPERLINK(\"http://x\")"));
        }
    }

    // Issue 17: the window's export was far slower than the CLI's, and one cause was progress: a report every
    // checkEveryRows rows repainted the dialog hundreds of times a second. The GUI hears at most ten a second, the
    // first and the last (the total) among them, however often the exporter checks.
    void progressReachesTheGuiAtMostTenTimesASecond()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(3000)).ok());
        ExportRequest request;
        request.kind = ExportRequest::Kind::Tasks;
        request.path = dir.filePath(QStringLiteral("tasks.csv"));
        ExportJob job(engine->options().store, request);
        job.setCheckEveryRows(10); // 300 checks
        std::atomic<int> checks {0};
        job.setProgressHook([&checks](qint64) {
            ++checks;
            QThread::msleep(2); // at least 0.6 s in all
        });
        QList<qint64> reported;
        connect(&job, &ExportJob::progressed, this, [&reported](qint64 rows, qint64 total) {
            QCOMPARE(total, qint64(3000));
            reported.append(rows);
        });
        QSignalSpy finished(&job, &ExportJob::finished);
        QElapsedTimer clock;
        clock.start();
        job.start();
        QVERIFY(finished.wait(60'000));
        QCoreApplication::processEvents(); // reports queued before finished
        QVERIFY(finished.first().at(0).toBool());
        QVERIFY2(checks.load() >= 300, qPrintable(QString::number(checks.load())));
        const qint64 allowed = clock.elapsed() / ExportJob::progressIntervalMs + 2;
        QVERIFY2(reported.size() >= 2 && reported.size() <= allowed,
            qPrintable(QStringLiteral("%1 reports in %2 ms").arg(reported.size()).arg(clock.elapsed())));
        QCOMPARE(reported.first(), qint64(10));
        QCOMPARE(reported.last(), qint64(3000));
    }

    void cancelLeavesNoFile()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        QVERIFY(engine->enqueueBatch(test::makeTasks(3000)).ok());
        const QString target = dir.filePath(QStringLiteral("tasks.csv"));
        {
            QFile old(target);
            QVERIFY(old.open(QIODevice::WriteOnly));
            old.write("old content\n");
        }
        const QString fresh = dir.filePath(QStringLiteral("fresh.jsonl"));

        for (const QString& path : {target, fresh}) {
            ExportDialog dialog(engine->options().store, {}, 3000, {});
            dialog.show();
            QVERIFY(QTest::qWaitForWindowExposed(&dialog));
            dialog.setWhat(ExportDialog::What::AllTasks);
            dialog.setFormat(path.endsWith(QLatin1String(".csv")) ? ExportFormat::Csv : ExportFormat::JsonLines);
            dialog.setPath(path);
            std::atomic<bool> held {false};
            dialog.setJobPreparer([&held](ExportJob* job) {
                job->setCheckEveryRows(100);
                job->setProgressHook([job, &held](qint64 rows) {
                    if (rows < 100 || rows >= 3000)
                        return;
                    held = true;
                    const QDeadlineTimer deadline(60'000);
                    while (!job->isCancelRequested() && !deadline.hasExpired())
                        QThread::msleep(5);
                });
            });
            QSignalSpy finished(&dialog, &QDialog::finished);
            QVERIFY(dialog.startExport());
            QVERIFY(dialog.isExporting());
            QVERIFY(dialog.progressBar()->isVisible());
            QTRY_VERIFY_WITH_TIMEOUT(held.load(), 30000);
            QTRY_VERIFY(dialog.progressBar()->value() > 0); // the rows written so far, of the known total
            if (path == target)
                dialog.grab().save(QStringLiteral("/tmp/qd-ui2-export-progress.png"));
            QCOMPARE(dialog.cancelButton()->text().remove(QLatin1Char('&')), QStringLiteral("Cancel export"));
            QTest::mouseClick(dialog.cancelButton(), Qt::LeftButton);
            QTRY_VERIFY_WITH_TIMEOUT(!dialog.isExporting(), 30000);
            QVERIFY2(dialog.statusText().contains(QLatin1String("cancelled")), qPrintable(dialog.statusText()));
            QVERIFY(dialog.isVisible()); // the admin may change something and export again
            QCOMPARE(finished.size(), 0);
        }
        QCOMPARE(readAll(target), QByteArray("old content\n"));
        QVERIFY(!QFile::exists(fresh));
        const QStringList left = QDir(dir.path()).entryList(QDir::Files);
        for (const QString& name : left) {
            QVERIFY2(name == QLatin1String("ui.db") || name.startsWith(QLatin1String("ui.db-"))
                    || name == QLatin1String("tasks.csv"),
                qPrintable(left.join(QLatin1Char(' '))));
        }
    }

    void refusesUnusableInput()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        ExportDialog dialog(engine->options().store, {}, 0, {});
        dialog.setPath(QString());
        QVERIFY(!dialog.startExport());
        QVERIFY(!dialog.statusText().isEmpty());
        dialog.setPath(dir.filePath(QStringLiteral("no/such/folder/x.csv")));
        QVERIFY(!dialog.startExport());
        QVERIFY2(dialog.statusText().contains(QLatin1String("does not exist")), qPrintable(dialog.statusText()));
        dialog.setPath(dir.filePath(QStringLiteral("events.csv")));
        dialog.setWhat(ExportDialog::What::Events);
        dialog.setTimeRange(2'000'000'000'000, 1'000'000'000'000);
        QVERIFY(!dialog.startExport());
        QVERIFY(!dialog.isExporting());
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("events.csv"))));
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.grab().save(QStringLiteral("/tmp/qd-ui2-export-dialog.png"));
    }
};

QTEST_MAIN(TestExportDialog)
#include "tst_exportdialog.moc"
