// The capacity panel: measured rates in the table with M/M/c's predictions, the window chooser, the sentence, the
// what-if spin boxes moving the forecast, the reads from a real database, and its tab in the main window.
#include "core/monitoring/queuemodel.h"
#include "ui/capacitypanel.h"
#include "ui/capacitytracker.h"
#include "ui/charts/statspanel.h"
#include "ui/charts/timeserieschart.h"
#include "ui/mainwindow.h"
#include "ui/queuelistmodel.h"
#include "ui/readerthread.h"
#include "uitesthelpers.h"

#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTableView>

#include <cmath>

using namespace qd;
using namespace qd::ui;

class TestCapacityPanel : public QObject {
    Q_OBJECT

    // A minute of queue "a": λ = enqueued/60, μ = 1000/runMs, c workers; 300 ms mean wait.
    static void feedMinute(
        CapacityTracker& tracker, double lambda, double runMs, int workers, qint64 queued, int windowIndex = -1)
    {
        ServiceStats s;
        s.enqueued = qint64(std::lround(lambda * 60));
        s.runs = 100;
        s.meanRunMs = runMs;
        s.starts = 100;
        s.meanWaitMs = 300;
        s.workers = workers;
        tracker.observe(
            {{QStringLiteral("a"), s}, {QString(), s}}, {{QStringLiteral("a"), queued}}, 0, 60'000, windowIndex);
    }

    static QString cell(const CapacityPanel& panel, const QString& queueLabel, int column)
    {
        const QStandardItemModel* m = panel.model();
        for (int r = 0; r < m->rowCount(); ++r) {
            if (m->item(r, CapacityPanel::QueueColumn)->text() == queueLabel)
                return m->item(r, column)->text();
        }
        return QStringLiteral("<no row %1>").arg(queueLabel);
    }

private slots:
    // c is the workers of the processes beating now (issue 18: "from the heartbeat rows"), not the 4 workers the
    // events saw starting tasks: this window's 3 once its row is read.
    void workersComeFromTheHeartbeatRows()
    {
        QTemporaryDir dir;
        EngineOptions options;
        options.store.path = dir.filePath(QStringLiteral("ui.db"));
        options.workerCount = 3;
        options.processKind = QStringLiteral("gui");
        options.heartbeatIntervalMs = 200;
        auto opened = QueueEngine::open(options);
        QVERIFY2(opened.ok(), qPrintable(opened.errorString()));
        std::unique_ptr<QueueEngine> engine = std::move(opened).value();
        CapacityTracker tracker(engine.get());
        feedMinute(tracker, 8, 400, 4, 12);
        const auto workers = [&tracker] {
            const CapacityEstimator* e = tracker.estimator(QStringLiteral("a"), 60); // refreshes may add queues
            return e ? tracker.inputs(*e, QStringLiteral("a")).workers : -1;
        };
        QCOMPARE(workers(), 4); // no row read yet: the workers seen
        tracker.start(100);
        QTRY_COMPARE(workers(), 3);
        CapacityPanel panel(&tracker);
        panel.setWindowSeconds(60);
        QTRY_COMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::WorkersColumn), QStringLiteral("3"));
    }

    void measuredRatesAndPredictionsShow()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        CapacityTracker tracker(engine.get());
        CapacityPanel panel(&tracker);
        panel.resize(1200, 300);
        panel.show();
        feedMinute(tracker, 8, 400, 4, 12); // ρ = 8 / (4 × 2.5) = 0.8
        QCOMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::ArrivalsColumn), QStringLiteral("8.00"));
        QCOMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::ServiceColumn), QStringLiteral("2.50"));
        QCOMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::WorkersColumn), QStringLiteral("4"));
        QCOMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::UtilisationColumn), QStringLiteral("0.80"));
        QCOMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::WaitingColumn), QStringLiteral("12"));
        const queuemodel::MmcPrediction p = queuemodel::mmc(8, 2.5, 4);
        QCOMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::WaitProbabilityColumn),
            QString::number(p.waitProbability, 'f', 2));
        QCOMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::PredictedLengthColumn),
            QString::number(p.meanQueued, 'f', 2));
        QCOMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::MeasuredWaitColumn), QStringLiteral("300 ms"));
        // Little: λ × measured wait = 8 × 0.3.
        QCOMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::LittleColumn), QStringLiteral("2.40"));
        QCOMPARE(cell(panel, QStringLiteral("(all)"), CapacityPanel::WaitingColumn), QStringLiteral("12"));
        // 12 waiting, spare capacity 2/s: the fluid model drains them in 6 s.
        QCOMPARE(
            cell(panel, QStringLiteral("a"), CapacityPanel::ForecastColumn), QStringLiteral("drains in about 6 s"));
        panel.setQueue(QStringLiteral("a"));
        auto* sentence = panel.findChild<QLabel*>(QStringLiteral("capacitySentence"));
        QVERIFY(sentence);
        QCOMPARE(sentence->text(), QStringLiteral("a: drains in about 6 s"));
    }

    void windowChooserPicksTheEstimate()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        CapacityTracker tracker(engine.get());
        CapacityPanel panel(&tracker);
        QCOMPARE(panel.windowSeconds(), 300); // the default, as `stats --capacity`
        feedMinute(tracker, 8, 400, 4, 0, 0); // primes the 1-min window only
        QCOMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::ForecastColumn), QStringLiteral("measuring\u2026"));
        auto* window = panel.findChild<QComboBox*>(QStringLiteral("capacityWindow"));
        QVERIFY(window);
        QCOMPARE(window->count(), 3);
        window->setCurrentIndex(window->findData(60));
        QCOMPARE(cell(panel, QStringLiteral("a"), CapacityPanel::UtilisationColumn), QStringLiteral("0.80"));
    }

    void whatIfMovesTheForecast()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        CapacityTracker tracker(engine.get());
        CapacityPanel panel(&tracker);
        panel.show();
        feedMinute(tracker, 12, 400, 4, 100); // ρ = 1.2: arrivals exceed capacity by 2/s
        panel.setQueue(QStringLiteral("a"));
        auto* sentence = panel.findChild<QLabel*>(QStringLiteral("capacitySentence"));
        QVERIFY(sentence->text().startsWith(QStringLiteral("a: will not drain: arrivals exceed capacity by 2/s")));
        QVERIFY2(sentence->text().contains(QStringLiteral("; 1 more worker would drain it in about")),
            qPrintable(sentence->text()));
        auto* workers = panel.findChild<QSpinBox*>(QStringLiteral("whatIfWorkers"));
        auto* arrivals = panel.findChild<QDoubleSpinBox*>(QStringLiteral("whatIfArrivals"));
        auto* whatIf = panel.findChild<QLabel*>(QStringLiteral("whatIfForecast"));
        QVERIFY(workers && arrivals && whatIf);
        QCOMPARE(workers->value(), 4);
        QCOMPARE(arrivals->value(), 12.0);
        QVERIFY(!panel.forecast().drainSeconds);

        QSignalSpy moved(&panel, &CapacityPanel::forecastChanged);
        workers->setValue(9); // cμ = 22.5/s, spare 10.5/s: 100 waiting drain in 9.5 s
        QCOMPARE(moved.size(), 1);
        QVERIFY(moved.first().at(2).toBool());
        QVERIFY(panel.forecast().drainSeconds);
        QVERIFY(std::abs(*panel.forecast().drainSeconds - 100 / 10.5) < 1e-6);
        QCOMPARE(panel.forecast().mmc.utilisation, 12 / 22.5);
        QVERIFY2(whatIf->text().startsWith(QStringLiteral("With 9 workers at 12.0/s")), qPrintable(whatIf->text()));
        QVERIFY2(whatIf->text().endsWith(QStringLiteral("drains in about 10 s")), qPrintable(whatIf->text()));
        // The measured sentence does not move with the what-if.
        QVERIFY(sentence->text().startsWith(QStringLiteral("a: will not drain")));
        arrivals->setValue(30); // now 30/s against 22.5/s
        QVERIFY(!panel.forecast().drainSeconds);
        QVERIFY2(whatIf->text().contains(QStringLiteral("will not drain: arrivals exceed capacity by 7.5/s")),
            qPrintable(whatIf->text()));
        // New measurements leave the admin's what-if alone; Reset goes back to them.
        feedMinute(tracker, 12, 400, 4, 100);
        QCOMPARE(workers->value(), 9);
        panel.findChild<QPushButton*>(QStringLiteral("whatIfReset"))->click();
        QCOMPARE(workers->value(), 4);
        QVERIFY(!panel.forecast().drainSeconds);
    }

    void forecastIsDrawnDashedAheadOfTheQueuedLine()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 0, false, QStringLiteral("ui.db"), 0);
        QVERIFY(engine);
        ReaderThread reader(engine->options().store);
        StatsPanel charts(engine.get(), &reader);
        charts.resize(1200, 320);
        charts.show();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < 60; ++i) {
            StatsSample sample;
            sample.at = now - (59 - i) * 1000;
            QueueSample q;
            q.queue = QStringLiteral("a");
            q.at = sample.at;
            q.counts[std::size_t(TaskState::Queued)] = 100;
            sample.queues.append(q);
            charts.addSample(sample);
        }
        TimeSeriesChart* chart = charts.stateChart();
        QTRY_COMPARE(chart->seriesPoints(0).size(), 60);
        QVERIFY(chart->projectionPoints(0).isEmpty()); // nothing forecast yet

        // 100 waiting, λ 12/s against 4 × 2.5/s: the fluid line climbs 2/s from the last count.
        CapacityInputs in;
        in.queued = 100;
        in.arrivalsPerSecond = 12;
        in.servicePerWorkerPerSecond = 2.5;
        in.workers = 4;
        charts.setForecast(QString(), forecastCapacity(in), true);
        QTRY_VERIFY(!chart->projectionPoints(0).isEmpty());
        const QList<QPointF> fluid = chart->projectionPoints(0);
        const QList<QPointF> design = chart->projectionPoints(1);
        const double span = double(StatsPanel::projectionSpanMs(59'000)) / 1000;
        QCOMPARE(fluid.first(), QPointF(double(now), 100));
        QCOMPARE(fluid.last().x(), double(now) + span * 1000);
        QCOMPARE(fluid.last().y(), 100 + 2 * span);
        QCOMPARE(design.last().y(), queuemodel::designLength(100, 12, 10, span));
        QCOMPARE(chart->projectionPen(0).style(), Qt::DashLine);
        QCOMPARE(chart->seriesCount(), 3); // queued, scheduled, running: the forecasts are not series
        // The chart's time axis reaches past now to show them.
        const auto axes = chart->findChild<QChartView*>()->chart()->axes(Qt::Horizontal);
        QVERIFY(qobject_cast<QDateTimeAxis*>(axes.first())->max().toMSecsSinceEpoch() >= now + qint64(span * 1000));

        // A what-if with 8 workers: the line now falls to empty (spare 8/s: 12.5 s).
        in.workers = 8;
        charts.setForecast(QString(), forecastCapacity(in), true);
        QTRY_COMPARE(chart->projectionPoints(0).last().y(), 0.0);
        // Another queue's forecast is not drawn on this one, nor an invalid one.
        charts.setForecast(QStringLiteral("a"), forecastCapacity(in), true);
        QTRY_VERIFY(chart->projectionPoints(0).isEmpty());
        charts.setQueue(QStringLiteral("a"));
        QTRY_VERIFY(!chart->projectionPoints(0).isEmpty());
        charts.setForecast(QStringLiteral("a"), forecastCapacity(in), false);
        QTRY_VERIFY(chart->projectionPoints(0).isEmpty());
    }

    void readsServedTasksFromTheDatabase()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 2);
        QVERIFY(engine);
        QList<NewTask> tasks;
        for (int i = 0; i < 20; ++i) {
            NewTask t;
            t.queue = QStringLiteral("q");
            t.type = QStringLiteral("sleep");
            t.payload = QByteArrayLiteral("{\"ms\":20}");
            tasks.append(t);
        }
        test::ThreadCall enqueue([&] { return engine->enqueueBatch(tasks).ok(); });
        QVERIFY(enqueue.result());
        QTRY_COMPARE_WITH_TIMEOUT(engine->counts().value(QStringLiteral("q"))[std::size_t(TaskState::Succeeded)], 20,
            test::backgroundTimeoutMs);
        QTest::qWait(int(EventSlices::defaultSettleMs) + 100); // reads end a second ago: the runs are in the first
        CapacityTracker tracker(engine.get());
        CapacityPanel panel(&tracker);
        panel.setWindowSeconds(60);
        tracker.start(100);
        QTRY_VERIFY_WITH_TIMEOUT(tracker.estimator(QStringLiteral("q"), 60) != nullptr, test::backgroundTimeoutMs);
        const CapacityInputs in = tracker.estimator(QStringLiteral("q"), 60)->inputs();
        QCOMPARE(in.workers, 2);
        QVERIFY2(std::abs(in.arrivalsPerSecond - 20.0 / 60) < 1e-9, qPrintable(QString::number(in.arrivalsPerSecond)));
        // Sleeps of 20 ms: μ at most 50/s per worker, and not far below.
        QVERIFY2(in.servicePerWorkerPerSecond > 10 && in.servicePerWorkerPerSecond <= 50.5,
            qPrintable(QString::number(in.servicePerWorkerPerSecond)));
        QCOMPARE(
            cell(panel, QStringLiteral("q"), CapacityPanel::ForecastColumn), QStringLiteral("keeps up: nothing waits"));
    }

    void mainWindowHasACapacityTabFollowingTheQueueList()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir);
        QVERIFY(engine);
        // A queue that has been served: 40 tasks of 10-40 ms run by another engine (another process's workers).
        {
            EngineOptions options = engine->options();
            options.workerCount = 2;
            auto other = QueueEngine::open(options);
            QVERIFY(other.ok());
            QList<NewTask> served;
            for (int i = 0; i < 40; ++i) {
                NewTask t;
                t.queue = QStringLiteral("served");
                t.type = QStringLiteral("sleep");
                t.payload = QStringLiteral("{\"ms\":%1}").arg(10 + i % 4 * 10).toUtf8();
                served.append(t);
            }
            test::ThreadCall enqueue([&] { return other.value()->enqueueBatch(served).ok(); });
            QVERIFY(enqueue.result());
            QTRY_COMPARE_WITH_TIMEOUT(
                other.value()->counts().value(QStringLiteral("served"))[std::size_t(TaskState::Succeeded)], 40,
                test::backgroundTimeoutMs);
        }
        QVERIFY(engine->enqueueBatch(test::makeTasks(6)).ok()); // 2 waiting in each of three queues
        QTest::qWait(int(EventSlices::defaultSettleMs) + 100); // reads end a second ago: the runs are in the first
        MainWindow window(engine);
        window.resize(1280, 800);
        window.show();
        auto* dock = window.findChild<QDockWidget*>(QStringLiteral("capacityDock"));
        QVERIFY(dock);
        QCOMPARE(dock->widget(), window.capacityPanel());
        QCOMPARE(window.dockWidgetArea(dock), Qt::BottomDockWidgetArea);
        QVERIFY(
            window.tabifiedDockWidgets(dock).contains(window.findChild<QDockWidget*>(QStringLiteral("chartsDock"))));
        QTRY_VERIFY(window.queueModel()->rowCount() >= 3);
        window.queueView()->selectRow(1);
        const QString queue = window.selectedQueue();
        QVERIFY(!queue.isEmpty());
        QCOMPARE(window.capacityPanel()->queue(), queue);
        // The reads come in: every queue of the queue list gets a row, after the row of all queues.
        const int queues = int(window.queueModel()->queueNames().size());
        QTRY_COMPARE_WITH_TIMEOUT(window.capacityPanel()->model()->rowCount(), queues + 1, test::backgroundTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(window.capacityPanel()->hasForecast(), test::backgroundTimeoutMs);
        QCOMPARE(cell(*window.capacityPanel(), queue, CapacityPanel::WaitingColumn), QStringLiteral("2"));
        QCOMPARE(
            cell(*window.capacityPanel(), QStringLiteral("served"), CapacityPanel::WorkersColumn), QStringLiteral("2"));
        dock->raise();
        QTest::qWait(200);
        window.grab().save(QStringLiteral("/tmp/qd-capacity-window.png"));
    }
};

QTEST_MAIN(TestCapacityPanel)
#include "tst_capacitypanel.moc"
