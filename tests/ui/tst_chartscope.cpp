// Issue 17: charts say what they show. The scope chooser and the titles, a line per queue, run-time percentiles
// beside wait times, per-type rates, zoom and reset, hover text, and a bulk-enqueue spike clipped with a marker.
#include "ui/charts/chartscopebar.h"
#include "ui/charts/spikeclip.h"
#include "ui/charts/statspanel.h"
#include "ui/charts/timeserieschart.h"
#include "ui/readerthread.h"
#include "uitesthelpers.h"

#include <QAbstractSeries>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QSignalSpy>
#include <QToolButton>

using namespace qd;
using namespace qd::ui;

class TestChartScope : public QObject {
    Q_OBJECT

    struct QueueFigures {
        const char* name;
        qint64 queued = 0;
        qint64 enqueued = 0;
        qint64 completed = 0;
        double waitP95 = 0;
        double runP50 = 0, runP95 = 0, runP99 = 0;
    };

    static StatsSample sample(qint64 at, const QList<QueueFigures>& queues, const QList<TypeSample>& types = {})
    {
        StatsSample s;
        s.at = at;
        for (const QueueFigures& f : queues) {
            QueueSample q;
            q.queue = QLatin1String(f.name);
            q.at = at;
            q.counts[size_t(TaskState::Queued)] = f.queued;
            q.enqueued = f.enqueued;
            q.completed = f.completed;
            q.waitP50Ms = f.waitP95 / 2;
            q.waitP95Ms = f.waitP95;
            q.runP50Ms = f.runP50;
            q.runP95Ms = f.runP95;
            q.runP99Ms = f.runP99;
            s.queues.append(q);
        }
        for (TypeSample t : types) {
            t.at = at;
            s.types.append(t);
        }
        return s;
    }

    static TypeSample type(const char* name, qint64 completed, qint64 failed, double p50, double p95, double p99)
    {
        TypeSample t;
        t.type = QLatin1String(name);
        t.completed = completed;
        t.failed = failed;
        t.runP50Ms = p50;
        t.runP95Ms = p95;
        t.runP99Ms = p99;
        return t;
    }

    static QStringList seriesNames(const TimeSeriesChart& chart)
    {
        QStringList names;
        auto* view = chart.findChild<QChartView*>();
        for (QAbstractSeries* s : view->chart()->series()) {
            if (!names.contains(s->name()) && s->isVisible())
                names.append(s->name());
        }
        return names;
    }

    static QStringList chartTexts(const TimeSeriesChart& chart)
    {
        QStringList labels;
        auto* view = chart.findChild<QChartView*>();
        for (QGraphicsItem* item : view->scene()->items()) {
            if (!item->isVisible())
                continue;
            if (auto* text = dynamic_cast<QGraphicsTextItem*>(item))
                labels.append(text->toPlainText());
            else if (auto* simple = dynamic_cast<QGraphicsSimpleTextItem*>(item))
                labels.append(simple->text());
        }
        return labels;
    }

    struct Fixture {
        QTemporaryDir dir;
        std::shared_ptr<QueueEngine> engine;
        std::unique_ptr<ReaderThread> reader;
        std::unique_ptr<StatsPanel> panel;
    };

    // A panel of its own, fed only by the test's samples (the engine does not sample).
    static std::unique_ptr<Fixture> fixture()
    {
        auto f = std::make_unique<Fixture>();
        f->engine = test::openEngine(f->dir, 0, false, QStringLiteral("ui.db"), 0);
        if (!f->engine)
            return {};
        f->reader = std::make_unique<ReaderThread>(f->engine->options().store);
        f->panel = std::make_unique<StatsPanel>(f->engine.get(), f->reader.get());
        f->panel->resize(1500, 420);
        f->panel->show();
        return f;
    }

    static bool refresh(StatsPanel& panel)
    {
        QSignalSpy updated(&panel, &StatsPanel::chartsUpdated);
        return updated.wait(2000);
    }

    static int comboIndex(QComboBox* box, const QString& text)
    {
        for (int i = 0; i < box->count(); ++i) {
            if (box->itemText(i) == text)
                return i;
        }
        return -1;
    }

private Q_SLOTS:
    // The case: a busy queue must not hide behind an idle one. All queues by default, named in the titles;
    // a queue chosen (as the Queues panel does) is named too, and "All queues" comes back.
    void defaultScopeIsAllQueuesAndTitlesSayIt()
    {
        auto f = fixture();
        QVERIFY(f);
        StatsPanel& panel = *f->panel;
        QCOMPARE(panel.scope().kind, ChartScope::Kind::AllQueues);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        panel.addSample(sample(now - 1000, {{"busy", 2316}, {"idle", 0}}));
        QVERIFY(refresh(panel));
        QCOMPARE(panel.stateChart()->seriesPoints(0).last().y(), 2316.0);
        for (TimeSeriesChart* chart : {panel.stateChart(), panel.rateChart(), panel.waitChart()})
            QVERIFY2(chart->title().endsWith(QLatin1String(": all queues")), qPrintable(chart->title()));

        auto* box = panel.findChild<QComboBox*>(QStringLiteral("chartScope"));
        QVERIFY(box);
        QCOMPARE(box->currentText(), QStringLiteral("All queues"));
        QVERIFY(comboIndex(box, QStringLiteral("Queue: busy")) > 0);
        QVERIFY(comboIndex(box, QStringLiteral("Queue: idle")) > 0);

        panel.setQueue(QStringLiteral("idle"));
        QVERIFY(refresh(panel));
        QCOMPARE(panel.stateChart()->seriesPoints(0).last().y(), 0.0);
        QCOMPARE(box->currentText(), QStringLiteral("Queue: idle"));
        for (TimeSeriesChart* chart : {panel.stateChart(), panel.rateChart(), panel.waitChart()})
            QVERIFY2(chart->title().endsWith(QLatin1String(": queue idle")), qPrintable(chart->title()));
        QVERIFY(chartTexts(*panel.stateChart()).contains(panel.stateChart()->title()));

        box->setCurrentIndex(comboIndex(box, QStringLiteral("All queues")));
        QCOMPARE(panel.scope().kind, ChartScope::Kind::AllQueues);
        QVERIFY(refresh(panel));
        QCOMPARE(panel.stateChart()->seriesPoints(0).last().y(), 2316.0);
        QTest::qWait(300); // the charts lay out their axes and legends
        panel.grab().save(QStringLiteral("/tmp/qd-charts-scope-all.png"));
    }

    // Run-time p50/p95/p99 beside the wait percentiles; across queues the slowest queue's.
    void runPercentilesBesideWait()
    {
        auto f = fixture();
        QVERIFY(f);
        StatsPanel& panel = *f->panel;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        panel.addSample(sample(now - 1000, {{"a", 1, 1, 1, 40, 10, 20, 30}, {"b", 1, 1, 1, 400, 100, 200, 900}}));
        QVERIFY(refresh(panel));
        TimeSeriesChart* times = panel.waitChart();
        QCOMPARE(seriesNames(*times),
            (QStringList {QStringLiteral("wait p50"), QStringLiteral("wait p95"), QStringLiteral("run p50"),
                QStringLiteral("run p95"), QStringLiteral("run p99")}));
        QCOMPARE(times->seriesPoints(1).last().y(), 400.0);
        QCOMPARE(times->seriesPoints(2).last().y(), 100.0);
        QCOMPARE(times->seriesPoints(3).last().y(), 200.0);
        QCOMPARE(times->seriesPoints(4).last().y(), 900.0);
        panel.setQueue(QStringLiteral("a"));
        QVERIFY(refresh(panel));
        QCOMPARE(times->seriesPoints(4).last().y(), 30.0);
    }

    // One task type: its completions, failures and run times; the state chart (kept per queue) says it shows all
    // queues. The metrics history has no types, and the panel says so.
    void taskTypeScope()
    {
        auto f = fixture();
        QVERIFY(f);
        StatsPanel& panel = *f->panel;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        panel.addSample(
            sample(now - 2000, {{"a", 5}}, {type("image", 7, 2, 50, 80, 120), type("noop", 900, 0, 1, 1, 2)}));
        panel.addSample(sample(now - 1000, {{"a", 6}}, {type("noop", 800, 0, 1, 1, 2)}));
        QVERIFY(refresh(panel));
        auto* box = panel.findChild<QComboBox*>(QStringLiteral("chartScope"));
        const int image = comboIndex(box, QStringLiteral("Type: image"));
        QVERIFY(image > 0);
        box->setCurrentIndex(image);
        QVERIFY(panel.scope() == ChartScope::taskType(QStringLiteral("image")));
        QVERIFY(refresh(panel));
        QCOMPARE(panel.rateChart()->title(), QStringLiteral("Completed and failed per second: type image"));
        QCOMPARE(panel.waitChart()->title(), QStringLiteral("Run time (ms): type image"));
        QCOMPARE(panel.stateChart()->title(), QStringLiteral("Tasks by state: all queues"));
        QCOMPARE(
            seriesNames(*panel.rateChart()), (QStringList {QStringLiteral("completed"), QStringLiteral("failed")}));
        const QList<QPointF> completed = panel.rateChart()->seriesPoints(0);
        QCOMPARE(completed.size(), 2);
        QCOMPARE(completed.first().y(), 7.0);
        QCOMPARE(completed.last().y(), 0.0); // nothing of that type ended then: 0, not a gap
        QCOMPARE(panel.rateChart()->seriesPoints(1).first().y(), 2.0);
        QCOMPARE(panel.waitChart()->seriesPoints(2).first().y(), 120.0);
        QCOMPARE(panel.stateChart()->seriesPoints(0).last().y(), 6.0);
        QTest::qWait(300); // the charts lay out their axes and legends
        panel.grab().save(QStringLiteral("/tmp/qd-charts-scope-type.png"));

        panel.setRange(StatsPanel::Range::Hour);
        QVERIFY(refresh(panel));
        QCOMPARE(panel.statusText(), QStringLiteral("Task types are charted live only"));
        QVERIFY(panel.rateChart()->seriesPoints(0).isEmpty());
    }

    // "Line per queue": each chart draws a line per queue, named after it; only with all queues; past
    // maxQueueLines the busiest queues, and the titles say so.
    void linePerQueue()
    {
        auto f = fixture();
        QVERIFY(f);
        StatsPanel& panel = *f->panel;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        panel.addSample(sample(now - 2000, {{"a", 10, 0, 3, 100}, {"b", 2316, 0, 1, 5000}}));
        panel.addSample(sample(now - 1000, {{"a", 12, 0, 4, 120}, {"b", 2300, 0, 2, 5200}}));
        QVERIFY(refresh(panel));
        auto* check = panel.findChild<QCheckBox*>(QStringLiteral("linePerQueue"));
        QVERIFY(check && check->isEnabled());
        check->click();
        QVERIFY(panel.linePerQueue());
        QVERIFY(refresh(panel));
        for (TimeSeriesChart* chart : {panel.stateChart(), panel.rateChart(), panel.waitChart()}) {
            QCOMPARE(seriesNames(*chart), (QStringList {QStringLiteral("a"), QStringLiteral("b")}));
            QVERIFY2(chart->title().contains(QLatin1String("per queue")), qPrintable(chart->title()));
        }
        QCOMPARE(panel.stateChart()->seriesPoints(0).last().y(), 12.0);
        QCOMPARE(panel.stateChart()->seriesPoints(1).last().y(), 2300.0);
        QCOMPARE(panel.rateChart()->seriesPoints(1).last().y(), 2.0);
        QCOMPARE(panel.waitChart()->seriesPoints(1).first().y(), 5000.0);
        QTest::qWait(300); // the charts lay out their axes and legends
        panel.grab().save(QStringLiteral("/tmp/qd-charts-per-queue.png"));

        // One queue: no lines per queue (the box is off and disabled).
        panel.setQueue(QStringLiteral("a"));
        QVERIFY(!panel.linePerQueue());
        QVERIFY(!check->isChecked() && !check->isEnabled());
        QVERIFY(refresh(panel));
        QCOMPARE(panel.stateChart()->seriesCount(), 3);
        panel.setQueue(QString());

        // More queues than lines: the busiest.
        QList<QueueFigures> many;
        static const QList<QByteArray> names = [] {
            QList<QByteArray> n;
            for (int i = 0; i < StatsPanel::maxQueueLines + 2; ++i)
                n.append("q" + QByteArray::number(i));
            return n;
        }();
        for (int i = 0; i < names.size(); ++i)
            many.append({names.at(i).constData(), i == 0 ? 999 : i});
        panel.addSample(sample(now, many));
        panel.setLinePerQueue(true);
        QVERIFY(refresh(panel));
        const QStringList lines = seriesNames(*panel.stateChart());
        QCOMPARE(lines.size(), StatsPanel::maxQueueLines);
        QVERIFY(lines.contains(QStringLiteral("q0")) && !lines.contains(QStringLiteral("q1")));
        // a and b are still in the live window: 14 queues in all.
        const QString busiest
            = QStringLiteral("the %1 busiest of %2").arg(StatsPanel::maxQueueLines).arg(StatsPanel::maxQueueLines + 4);
        QVERIFY2(panel.stateChart()->title().contains(busiest), qPrintable(panel.stateChart()->title()));
    }

    // Dragging across a chart zooms every chart's time axis to that span; the values fit what is shown; Reset zoom
    // (or a double click) shows the whole range again.
    void dragZoomsAndResetReturns()
    {
        auto f = fixture();
        QVERIFY(f);
        StatsPanel& panel = *f->panel;
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 60; i >= 1; --i)
            panel.addSample(sample(now - i * 1000, {{"a", i == 55 ? 5000 : 10, 0, 3}}));
        QVERIFY(refresh(panel));
        TimeSeriesChart* rates = panel.rateChart();
        const qint64 fullFrom = rates->timeFrom();
        const qint64 fullTo = rates->timeTo();
        QVERIFY(panel.stateChart()->valueLabels().last().endsWith(QLatin1Char('k'))); // 5000 queued at -55 s

        const QRect plot = panel.stateChart()->plotRectInView();
        QVERIFY(plot.width() > 100);
        QWidget* viewport = panel.stateChart()->viewport();
        const QPoint a(plot.left() + plot.width() / 2, plot.center().y());
        const QPoint b(plot.right() - 2, plot.center().y());
        QTest::mousePress(viewport, Qt::LeftButton, {}, a);
        QMouseEvent move(QEvent::MouseMove, b, viewport->mapToGlobal(b), Qt::NoButton, Qt::LeftButton, {});
        QApplication::sendEvent(viewport, &move);
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, b);
        QVERIFY(panel.isZoomed());
        QVERIFY(refresh(panel));
        for (TimeSeriesChart* chart : {panel.stateChart(), panel.rateChart(), panel.waitChart()}) {
            QVERIFY(chart->timeFrom() > fullFrom + (fullTo - fullFrom) / 3);
            QVERIFY(chart->timeTo() <= fullTo);
            QCOMPARE(chart->timeFrom(), panel.stateChart()->timeFrom());
        }
        // The queued spike at -55 s is outside the zoomed span: the axis fits the 10s.
        QCOMPARE(panel.stateChart()->valueLabels().last(), QStringLiteral("10"));
        auto* reset = panel.findChild<QToolButton*>(QStringLiteral("resetZoom"));
        QVERIFY(reset && reset->isVisible());
        QTest::qWait(300); // the charts lay out their axes and legends
        panel.grab().save(QStringLiteral("/tmp/qd-charts-zoomed.png"));
        reset->click();
        QVERIFY(!panel.isZoomed() && !reset->isVisible());
        QVERIFY(refresh(panel));
        QVERIFY(rates->timeFrom() <= fullFrom + 1000);

        panel.setTimeZoom(now - 30'000, now - 20'000);
        QVERIFY(refresh(panel));
        QCOMPARE(rates->timeFrom(), now - 30'000);
        QTest::mouseDClick(rates->viewport(), Qt::LeftButton, {}, rates->plotRectInView().center());
        QVERIFY(!panel.isZoomed());
    }

    // Hovering shows the time and the value of the nearest point, and nothing away from the lines.
    void hoverShowsTimeAndValue()
    {
        auto f = fixture();
        QVERIFY(f);
        StatsPanel& panel = *f->panel;
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        const qint64 now = QDateTime::currentMSecsSinceEpoch() / 1000 * 1000;
        for (int i = 20; i >= 1; --i)
            panel.addSample(sample(now - i * 1000, {{"a", 0, 0, i == 10 ? 12 : 4}}));
        panel.setTimeZoom(now - 20'000, now);
        QVERIFY(refresh(panel));
        TimeSeriesChart* rates = panel.rateChart();
        const QRectF plot = rates->plotRectInView();
        const double top = rates->valueLabels().last().toDouble();
        QVERIFY(top >= 12);
        // The completed line's point at -10 s, where it reads 12.
        const QPoint at(int(plot.left() + plot.width() / 2), int(plot.bottom() - 12 / top * plot.height()));
        QMouseEvent move(QEvent::MouseMove, at, rates->viewport()->mapToGlobal(at), Qt::NoButton, {}, {});
        QApplication::sendEvent(rates->viewport(), &move);
        const QString expected = QDateTime::fromMSecsSinceEpoch(now - 10'000).toString(QStringLiteral("HH:mm:ss"))
            + QStringLiteral("\ncompleted: 12");
        QCOMPARE(rates->hoverText(), expected);
        // Far from every line (they lie at 0 and 4 out of 12 there): near the top, away from the peak.
        const QPoint away(int(plot.left() + plot.width() / 5), int(plot.top() + 3));
        QMouseEvent moveAway(QEvent::MouseMove, away, rates->viewport()->mapToGlobal(away), Qt::NoButton, {}, {});
        QApplication::sendEvent(rates->viewport(), &moveAway);
        QCOMPARE(rates->hoverText(), QString());
    }

    // A bulk enqueue of 50k tasks beside 10 completions a second: the axis fits the completions, the spike is
    // clipped and marked with its value; a spread of values is not clipped.
    void bulkEnqueueSpikeIsClippedWithAMarker()
    {
        auto f = fixture();
        QVERIFY(f);
        StatsPanel& panel = *f->panel;
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        const qint64 now = QDateTime::currentMSecsSinceEpoch() / 1000 * 1000;
        for (int i = 60; i >= 1; --i)
            panel.addSample(sample(now - i * 1000, {{"a", 0, i == 30 ? 50'000 : 10, 10}}));
        QVERIFY(refresh(panel));
        TimeSeriesChart* rates = panel.rateChart();
        const double top = rates->valueLabels().last().toDouble();
        QVERIFY2(top >= 10 && top < 100, qPrintable(rates->valueLabels().join(QLatin1Char(' '))));
        QCOMPARE(rates->clippedPeaks().size(), 1);
        QCOMPARE(rates->clippedPeaks().first(), QPointF(double(now - 30'000), 50'000.0));
        QCOMPARE(rates->peakLabels(), QStringList {QStringLiteral("\u25B2 50k")});
        QVERIFY(chartTexts(*rates).contains(QStringLiteral("\u25B2 50k")));
        QTest::qWait(300); // the charts lay out their axes and legends
        panel.grab().save(QStringLiteral("/tmp/qd-charts-spike.png"));
        // The other charts do not clip (their spikes are what an admin looks for).
        QVERIFY(panel.stateChart()->clippedPeaks().isEmpty());
    }

    void spikeCeiling_data()
    {
        QTest::addColumn<QList<double>>("values");
        QTest::addColumn<double>("max");
        QTest::addColumn<bool>("clipped");
        QTest::newRow("empty") << QList<double> {} << 0.0 << false;
        QTest::newRow("zeros") << QList<double> {0, 0, 0, 0, 0, 0} << 0.0 << false;
        QTest::newRow("too few to tell") << QList<double> {1, 1, 1, 900} << 900.0 << false;
        QTest::newRow("spread") << QList<double> {1, 2, 4, 8, 16, 32, 64} << 64.0 << false;
        QTest::newRow("one spike") << QList<double> {10, 12, 9, 11, 10, 10, 10, 10, 10, 50000} << 12.0 << true;
        QTest::newRow("spike among zeros")
            << QList<double> {0, 0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 900, 0} << 10.0 << true;
        QTest::newRow("half busy is no spike")
            << QList<double> {10, 10, 10, 10, 10, 900, 900, 900, 900, 900} << 900.0 << false;
    }

    void spikeCeiling()
    {
        QFETCH(QList<double>, values);
        QFETCH(double, max);
        QFETCH(bool, clipped);
        const SpikeCeiling ceiling = qd::ui::spikeCeiling(values);
        QCOMPARE(ceiling.max, max);
        QCOMPARE(ceiling.clipped, clipped);
    }

    void peaksAbove()
    {
        const QList<QPointF> points {{1, 1}, {2, 50}, {3, 70}, {4, 2}, {5, 90}, {6, 3}};
        QCOMPARE(qd::ui::peaksAbove(points, 10), (QList<QPointF> {{3, 70}, {5, 90}}));
        QVERIFY(qd::ui::peaksAbove(points, 100).isEmpty());
    }
};

QTEST_MAIN(TestChartScope)
#include "tst_chartscope.moc"
