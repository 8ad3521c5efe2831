#include "core/taskstore.h"
#include "ui/charts/chartlegend.h"
#include "ui/charts/chartpoint.h"
#include "ui/charts/statspanel.h"
#include "ui/charts/timeserieschart.h"
#include "ui/readerthread.h"
#include "uitesthelpers.h"

#include <QAction>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QFile>
#include <QFontMetrics>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QImage>
#include <QLegend>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QToolButton>

using namespace qd;
using namespace qd::ui;

class TestStatsPanel : public QObject {
    Q_OBJECT

    static StatsSample sample(qint64 at, qint64 queued, qint64 completed, double p95)
    {
        StatsSample s;
        s.at = at;
        for (const char* name : {"a", "b"}) {
            QueueSample q;
            q.queue = QLatin1String(name);
            q.at = at;
            q.counts[size_t(TaskState::Queued)] = queued;
            q.completed = completed;
            q.waitP50Ms = p95 / 2;
            q.waitP95Ms = name[0] == 'a' ? p95 : p95 / 10;
            s.queues.append(q);
        }
        return s;
    }

    // Every text Qt Charts draws on a chart (axis labels, title, legend), as shown.
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

    // A number as a compact axis label shows it ("0.5", "250", "12k", "3.4M"); nullopt for any other text.
    static std::optional<double> parseCompact(const QString& text)
    {
        static const QRegularExpression re(QStringLiteral("^(-?[0-9]+(?:\\.[0-9]+)?)([kMG]?)$"));
        const auto m = re.match(text);
        if (!m.hasMatch())
            return std::nullopt;
        const double scale = m.captured(2) == QLatin1String("k") ? 1e3
            : m.captured(2) == QLatin1String("M")                ? 1e6
            : m.captured(2) == QLatin1String("G")                ? 1e9
                                                                 : 1.0;
        return m.captured(1).toDouble() * scale;
    }

private Q_SLOTS:
    // Issue 17, round 2: legends cut per-queue names to a few letters and many lines squeezed the plot. Twelve long
    // queue names: every entry is whole or elided with its whole name on hover, the legend wraps into rows, and at
    // the chart's minimum height the plot keeps its minimum height (the legend scrolls).
    void manyLongNamesWrapAndLeaveThePlotItsHeight()
    {
        TimeSeriesChart chart(QStringLiteral("Queued tasks, per queue"));
        QStringList names;
        for (int i = 1; i <= 12; ++i) {
            names.append(QStringLiteral("customer-notifications-region-%1-priority-high").arg(i));
            chart.addSeries(names.last(), QColor::fromHsv(i * 30, 200, 200));
        }
        chart.addSeries(QStringLiteral("rabbitmq: orders.incoming.eu-west-1.retry-after-payment-gateway-timeout-queue"),
            QColor(0xff, 0x66, 0x00));
        names.append(chart.legend()->entries().last().name);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < chart.seriesCount(); ++i)
            chart.setSeriesPoints(i, {QPointF(now - 30'000, i), QPointF(now, 2 * i)});
        chart.setTimeRange(now - 60'000, now);
        chart.fitValues();
        for (const int width : {380, 900}) {
            chart.resize(width, chart.minimumHeight());
            chart.show();
            QVERIFY(QTest::qWaitForWindowExposed(&chart));
            QTRY_COMPARE(chart.height(), chart.minimumHeight());
            QTest::qWait(50);
            const QString at = QStringLiteral("%1 px wide").arg(width);
            QVERIFY2(chart.plotRectInView().height() >= chart.minimumPlotHeight(),
                qPrintable(at
                    + QStringLiteral(": plot %1 < %2")
                          .arg(chart.plotRectInView().height())
                          .arg(chart.minimumPlotHeight())));
            ChartLegend* legend = chart.legend();
            QCOMPARE(legend->entries().size(), names.size());
            // More than one row: the names wrap instead of sharing one.
            QVERIFY2(legend->entryRect(names.size() - 1).top() > legend->entryRect(0).top(), qPrintable(at));
            for (int i = 0; i < names.size(); ++i) {
                const QString shown = legend->shownText(i);
                const QRect r = legend->entryRect(i);
                QVERIFY2(r.right() < legend->width(), qPrintable(at + QStringLiteral(": entry %1 overflows").arg(i)));
                if (shown == names.at(i)) {
                    QCOMPARE(legend->toolTipAt(r.center()), QString());
                } else {
                    // Elided visibly, the whole name on hover.
                    QVERIFY2(shown.endsWith(QChar(0x2026)), qPrintable(shown));
                    QVERIFY2(shown.size() > 8, qPrintable(shown)); // not cut to a few letters
                    QCOMPARE(legend->toolTipAt(r.center()), names.at(i));
                }
            }
            // On a wide chart every name is whole.
            if (width == 900) {
                for (int i = 0; i < names.size(); ++i)
                    QCOMPARE(legend->shownText(i), names.at(i));
            }
            // Rows that do not fit scroll: the legend is taller than its visible area.
            auto* area = chart.findChild<QWidget*>(QStringLiteral("chartLegendArea"));
            QVERIFY(area && area->isVisible());
            QVERIFY2(legend->height() > area->height(), qPrintable(at));
            chart.grab().save(QStringLiteral("/tmp/qd-legend-%1.png").arg(width));
        }
        // Taller, the legend shows up to maxLegendRows rows and the plot grows too.
        chart.resize(900, chart.minimumHeight() + 300);
        QTRY_VERIFY(chart.plotRectInView().height() > chart.minimumPlotHeight() + 150);
    }

    // Issue 17: on a short charts panel the value axis showed "…" instead of numbers. From its smallest height up,
    // a chart shows its numbers in compact form (12k, 3.4M), never elided, at least three of them.
    void valueAxisNumbersNeverElide_data()
    {
        QTest::addColumn<double>("maxValue");
        QTest::addColumn<QString>("suffix"); // of the top label
        QTest::newRow("hundreds") << 730.0 << QString();
        QTest::newRow("thousands") << 12'345.0 << QStringLiteral("k");
        QTest::newRow("millions") << 3'400'000.0 << QStringLiteral("M");
        QTest::newRow("fractions") << 0.7 << QString();
    }
    void valueAxisNumbersNeverElide()
    {
        QFETCH(double, maxValue);
        QFETCH(QString, suffix);
        TimeSeriesChart chart(QStringLiteral("Tasks by state"));
        chart.addSeries(QStringLiteral("queued"), Qt::blue);
        chart.addSeries(QStringLiteral("running"), Qt::red);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        chart.setSeriesPoints(0, {QPointF(now - 30'000, 0), QPointF(now, maxValue)});
        chart.setTimeRange(now - 60'000, now);
        chart.fitValues();
        chart.resize(380, chart.minimumHeight());
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QChart* qchart = chart.findChild<QChartView*>()->chart();
        // As short as the panel lets it be, then taller: the number of labels changes, elision never comes.
        for (int height = chart.minimumHeight(); height <= chart.minimumHeight() + 200; height += 8) {
            chart.resize(380, height);
            QTRY_COMPARE(chart.height(), height);
            QTRY_COMPARE(qRound(qchart->size().height()), chart.findChild<QChartView*>()->viewport()->height());
            QTest::qWait(10);
            const QStringList texts = chartTexts(chart);
            if (height == chart.minimumHeight())
                chart.grab().save(
                    QStringLiteral("/tmp/qd-ui17-chart-%1.png").arg(QLatin1String(QTest::currentDataTag())));
            const QString shown = QString::number(height) + QLatin1String(" px: ") + texts.join(QLatin1String(" | "));
            for (const QString& text : texts)
                QVERIFY2(!text.contains(QChar(0x2026)) && !text.contains(QLatin1String("...")), qPrintable(shown));
            // The value axis' labels as drawn (the only texts that are numbers).
            QList<double> values;
            QStringList numbers;
            for (const QString& text : texts) {
                if (const auto v = parseCompact(text)) {
                    values.append(*v);
                    numbers.append(text);
                }
            }
            std::sort(values.begin(), values.end());
            QVERIFY2(values.size() >= 3, qPrintable(shown));
            QCOMPARE(values.first(), 0.0);
            QVERIFY2(values.last() >= maxValue && values.last() <= 2.5 * maxValue, qPrintable(shown));
            for (const QString& number : std::as_const(numbers)) // compact: "12k", not "12000"
                QVERIFY2(number.size() <= 4, qPrintable(shown));
            QVERIFY2(numbers.contains(TimeSeriesChart::compactNumber(values.last())), qPrintable(shown));
            QVERIFY2(TimeSeriesChart::compactNumber(values.last()).endsWith(suffix), qPrintable(shown));
        }
    }

    // An idle chart (all zero, or nothing fitted yet) shows a few distinct round numbers from 0, not "0 0 1 1 1".
    void idleValueAxisIsSensible()
    {
        TimeSeriesChart chart(QStringLiteral("Rates"));
        chart.addSeries(QStringLiteral("enqueued"), Qt::blue);
        chart.resize(380, 240);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        for (bool fitted : {false, true}) {
            if (fitted) {
                const qint64 now = QDateTime::currentMSecsSinceEpoch();
                chart.setSeriesPoints(0, {QPointF(now - 30'000, 0), QPointF(now, 0)});
                chart.fitValues();
            }
            QTest::qWait(20);
            const QStringList texts = chartTexts(chart);
            QStringList numbers;
            QList<double> values;
            for (const QString& text : texts) {
                if (const auto v = parseCompact(text)) {
                    numbers.append(text);
                    values.append(*v);
                }
            }
            const QString shown = texts.join(QLatin1String(" | "));
            QVERIFY2(numbers.size() >= 3, qPrintable(shown));
            QCOMPARE(QSet<QString>(numbers.cbegin(), numbers.cend()).size(), numbers.size()); // no "1 1 1"
            QVERIFY2(*std::max_element(values.cbegin(), values.cend()) >= 4, qPrintable(shown));
            if (fitted)
                chart.grab().save(QStringLiteral("/tmp/qd-ui17-chart-idle.png"));
        }
    }

    void compactNumbers()
    {
        QCOMPARE(TimeSeriesChart::compactNumber(0), QStringLiteral("0"));
        QCOMPARE(TimeSeriesChart::compactNumber(250), QStringLiteral("250"));
        QCOMPARE(TimeSeriesChart::compactNumber(2.5), QStringLiteral("2.5"));
        QCOMPARE(TimeSeriesChart::compactNumber(0.05), QStringLiteral("0.05"));
        QCOMPARE(TimeSeriesChart::compactNumber(1'200), QStringLiteral("1.2k"));
        QCOMPARE(TimeSeriesChart::compactNumber(25'000), QStringLiteral("25k"));
        QCOMPARE(TimeSeriesChart::compactNumber(3'400'000), QStringLiteral("3.4M"));
        QCOMPARE(TimeSeriesChart::compactNumber(2'000'000'000), QStringLiteral("2G"));
    }

    void ringKeepsNewest()
    {
        ChartRing ring(3);
        for (int i = 1; i <= 5; ++i) {
            ChartPoint p;
            p.at = i;
            ring.append(p);
        }
        QCOMPARE(ring.size(), 3);
        QCOMPARE(ring.at(0).at, qint64(3));
        QCOMPARE(ring.at(2).at, qint64(5));
    }

    void seriesReflectSamples()
    {
        QTemporaryDir dir;
        // No engine sampling: only the samples of this test may reach the charts.
        auto engine = test::openEngine(dir, 0, false, QStringLiteral("ui.db"), 0);
        QVERIFY(engine);
        ReaderThread reader(engine->options().store);
        StatsPanel panel(engine.get(), &reader);
        panel.resize(500, 600);
        QSignalSpy updated(&panel, &StatsPanel::chartsUpdated);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        panel.addSample(sample(now - 2000, 10, 3, 400));
        panel.addSample(sample(now - 1000, 20, 5, 800));
        QVERIFY(updated.wait(2000));

        // Queued (series 0) sums the queues; completed rate (series 1) sums too; p95 is the slowest queue's.
        const QList<QPointF> queued = panel.stateChart()->seriesPoints(0);
        QCOMPARE(queued.size(), 2);
        QCOMPARE(queued.last().y(), 40.0);
        QCOMPARE(queued.last().x(), double(now - 1000));
        QCOMPARE(panel.rateChart()->seriesPoints(1).last().y(), 10.0);
        QCOMPARE(panel.waitChart()->seriesPoints(1).last().y(), 800.0);

        // One queue only.
        panel.setQueue(QStringLiteral("b"));
        QVERIFY(updated.wait(2000));
        QCOMPARE(panel.stateChart()->seriesPoints(0).last().y(), 20.0);
        QCOMPARE(panel.waitChart()->seriesPoints(1).last().y(), 80.0);

        // The live buffer is bounded.
        for (int i = 0; i < StatsPanel::liveCapacity + 50; ++i)
            panel.addSample(sample(now + i, 1, 1, 1));
        QVERIFY(updated.wait(2000));
        QCOMPARE(panel.stateChart()->seriesPoints(0).size(), StatsPanel::liveCapacity);
        panel.grab().save(QStringLiteral("/tmp/qd-charts.png"));
    }

    // Tasks are counted in whole numbers: one queued task is not drawn against "0.5" and "1.5" labels.
    void stateChartLabelsAreWholeNumbers()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 0, false, QStringLiteral("ui.db"), 0);
        QVERIFY(engine);
        ReaderThread reader(engine->options().store);
        StatsPanel panel(engine.get(), &reader);
        panel.setQueue(QStringLiteral("b"));
        panel.resize(900, 300);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QSignalSpy updated(&panel, &StatsPanel::chartsUpdated);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (qint64 queued : {1, 3, 7}) {
            panel.addSample(sample(now - 1000, queued, 0, 0));
            QVERIFY(updated.wait(2000));
            QTest::qWait(20);
            QStringList numbers;
            for (const QString& text : chartTexts(*panel.stateChart())) {
                if (parseCompact(text))
                    numbers.append(text);
            }
            QVERIFY2(numbers.size() >= 2, qPrintable(numbers.join(QLatin1Char(' '))));
            for (const QString& number : std::as_const(numbers))
                QVERIFY2(!number.contains(QLatin1Char('.')), qPrintable(numbers.join(QLatin1Char(' '))));
        }
        panel.grab().save(QStringLiteral("/tmp/qd-ui17-state-integers.png"));
    }

    // Save chart as PNG and SVG: the files are complete images of the chart with its series drawn in their colors.
    void savesChartAsPngAndSvg()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 0, false, QStringLiteral("ui.db"), 0);
        QVERIFY(engine);
        ReaderThread reader(engine->options().store);
        StatsPanel panel(engine.get(), &reader);
        panel.resize(1200, 320);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QSignalSpy updated(&panel, &StatsPanel::chartsUpdated);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < 30; ++i)
            panel.addSample(sample(now - (30 - i) * 1000, 10 + i, 3, 100 + 30 * i));
        QVERIFY(updated.wait(2000));

        TimeSeriesChart* chart = panel.waitChart();
        QVERIFY(chart->findChild<QAction*>(QStringLiteral("saveChart"))); // the chart's context menu
        QVERIFY(panel.findChild<QToolButton*>(QStringLiteral("saveChartButton")));
        const QSize onScreen = chart->findChild<QChartView*>()->viewport()->size();
        QVERIFY(onScreen.width() > 100 && onScreen.height() > 100);

        const QString png = dir.filePath(QStringLiteral("wait.png"));
        QCOMPARE(chart->saveAs(png), QString());
        QImage image(png);
        QVERIFY(!image.isNull());
        // The chart as shown, with the whole legend under it.
        const int legendHeight = chart->legend()->heightForWidth(onScreen.width());
        QVERIFY(legendHeight > 0);
        QCOMPARE(image.size(), QSize(onScreen.width(), onScreen.height() + legendHeight) * 2);
        // The p95 line is drawn in its color (0xe377c2), not just the frame.
        int p95Pixels = 0;
        for (int y = 0; y < image.height(); ++y) {
            for (int x = 0; x < image.width(); ++x) {
                const QColor c = image.pixelColor(x, y);
                if (std::abs(c.red() - 0xe3) < 12 && std::abs(c.green() - 0x77) < 12 && std::abs(c.blue() - 0xc2) < 12)
                    ++p95Pixels;
            }
        }
        QVERIFY2(p95Pixels > 100, qPrintable(QString::number(p95Pixels)));

        const QString svgPath = dir.filePath(QStringLiteral("wait.svg"));
        QCOMPARE(chart->saveAs(svgPath), QString());
        QSvgRenderer renderer(svgPath);
        QVERIFY(renderer.isValid());
        QCOMPARE(renderer.viewBox(), QRect(0, 0, onScreen.width(), onScreen.height() + legendHeight));
        QFile svgFile(svgPath);
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        const QByteArray svg = svgFile.readAll();
        QVERIFY(svg.contains(QByteArray(QByteArray("<title>") + chart->title().toUtf8())));
        QVERIFY(svg.contains(">wait p95<")); // the legend
        QVERIFY(svg.contains(">wait p50<"));
        QVERIFY(svg.contains("stroke=\"#e377c2\"")); // the p95 line itself, as vector
        QVERIFY(svg.contains("stroke=\"#9467bd\""));

        const QString wrong = dir.filePath(QStringLiteral("wait.txt"));
        QVERIFY(!chart->saveAs(wrong).isEmpty());
        QVERIFY(!QFile::exists(wrong));
        panel.grab().save(QStringLiteral("/tmp/qd-ui2-statspanel.png"));
        QFile::remove(QStringLiteral("/tmp/qd-ui2-chart-export.png"));
        QFile::copy(png, QStringLiteral("/tmp/qd-ui2-chart-export.png"));
        QFile::remove(QStringLiteral("/tmp/qd-ui2-chart-export.svg"));
        QFile::copy(svgPath, QStringLiteral("/tmp/qd-ui2-chart-export.svg"));
    }

    // Time labels are never cut: a narrow chart gets fewer of them, each in a slot wide enough for its text.
    void timeLabelsFitTheChartWidth_data()
    {
        QTest::addColumn<int>("width");
        QTest::addColumn<qint64>("span");
        QTest::addColumn<bool>("allFive");
        QTest::newRow("narrow, seconds") << 300 << qint64(60'000) << false;
        QTest::newRow("wide, seconds") << 1200 << qint64(60'000) << true;
        QTest::newRow("wide, days") << 1200 << qint64(7 * 86400'000LL) << true;
    }

    void timeLabelsFitTheChartWidth()
    {
        QFETCH(int, width);
        QFETCH(qint64, span);
        QFETCH(bool, allFive);
        TimeSeriesChart chart(QStringLiteral("t"));
        chart.resize(width, 220);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        chart.setTimeRange(now - span, now);
        QChart* qchart = chart.findChild<QChartView*>()->chart();
        auto* axis = qobject_cast<QDateTimeAxis*>(qchart->axes(Qt::Horizontal).first());
        QTRY_VERIFY(qchart->plotArea().width() > 0);
        const int textWidth = QFontMetrics(axis->labelsFont())
                                  .horizontalAdvance(QDateTime::fromMSecsSinceEpoch(now).toString(axis->format()));
        const int ticks = chart.timeTickCount();
        QVERIFY(ticks >= 2 && ticks <= 5);
        QCOMPARE(ticks == 5, allFive);
        QVERIFY2(qchart->plotArea().width() / (ticks - 1) >= textWidth,
            qPrintable(QStringLiteral("%1 ticks over %2 px for labels of %3 px")
                           .arg(ticks)
                           .arg(qchart->plotArea().width())
                           .arg(textWidth)));
    }

    void engineSamplesArriveLive()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 1);
        QVERIFY(engine);
        ReaderThread reader(engine->options().store);
        StatsPanel panel(engine.get(), &reader);
        QTRY_VERIFY_WITH_TIMEOUT(panel.stateChart()->seriesPoints(0).size() >= 2, 5000);
    }

    void historyRangeLeavesLive()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 0, false, QStringLiteral("ui.db"), 0);
        QVERIFY(engine);
        ReaderThread reader(engine->options().store);
        StatsPanel panel(engine.get(), &reader);
        QSignalSpy updated(&panel, &StatsPanel::chartsUpdated);
        panel.addSample(sample(QDateTime::currentMSecsSinceEpoch(), 10, 3, 400));
        QVERIFY(updated.wait(2000));
        QVERIFY(!panel.stateChart()->seriesPoints(0).isEmpty());
        panel.setRange(StatsPanel::Range::Day);
        QVERIFY(updated.wait(2000));
        // A fresh database has no per-minute history: the live point must not pass for history.
        QTRY_VERIFY(panel.stateChart()->seriesPoints(0).isEmpty());
    }

    // Splitting into runs: a gap wider than the threshold ends a run; 0 never splits; too many gaps keep the widest.
    void splitAtGaps_data()
    {
        QTest::addColumn<QList<double>>("xs");
        QTest::addColumn<qint64>("threshold");
        QTest::addColumn<int>("maxRuns");
        QTest::addColumn<QList<int>>("runSizes");
        QTest::newRow("empty") << QList<double> {} << qint64(90) << 100 << QList<int> {};
        QTest::newRow("no gap") << QList<double> {0, 60, 120, 180} << qint64(90) << 100 << QList<int> {4};
        QTest::newRow("one gap") << QList<double> {0, 60, 240, 300} << qint64(90) << 100 << QList<int> {2, 2};
        QTest::newRow("exactly the threshold joins")
            << QList<double> {0, 90, 180} << qint64(90) << 100 << QList<int> {3};
        QTest::newRow("lone point between gaps")
            << QList<double> {0, 60, 600, 1200, 1260} << qint64(90) << 100 << QList<int> {2, 1, 2};
        QTest::newRow("threshold 0 joins all") << QList<double> {0, 60, 6000} << qint64(0) << 100 << QList<int> {3};
        // Gaps of 200, 1000 and 300: with room for three runs the widest two stay gaps.
        QTest::newRow("too many gaps bridge the narrowest")
            << QList<double> {0, 200, 1200, 1500} << qint64(90) << 3 << QList<int> {2, 1, 1};
    }

    void splitAtGaps()
    {
        QFETCH(QList<double>, xs);
        QFETCH(qint64, threshold);
        QFETCH(int, maxRuns);
        QFETCH(QList<int>, runSizes);
        QList<QPointF> points;
        for (double x : std::as_const(xs))
            points.append(QPointF(x, x / 10));
        const QList<QList<QPointF>> runs = TimeSeriesChart::splitAtGaps(points, threshold, maxRuns);
        QList<int> sizes;
        QList<QPointF> joined;
        for (const QList<QPointF>& run : runs) {
            sizes.append(int(run.size()));
            joined.append(run);
        }
        QCOMPARE(sizes, runSizes);
        QCOMPARE(joined, points); // nothing lost, nothing reordered
    }

    // Minutes without a persisted row (the app was not running) are a gap in every series of every chart, not a
    // line bridging them; the runs on each side keep their stored values.
    void historyGapsAreNotBridged()
    {
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 0, false, QStringLiteral("ui.db"), 0);
        QVERIFY(engine);
        const qint64 thisMinute = QDateTime::currentMSecsSinceEpoch() / 60'000 * 60'000;
        // Ran 50..41 minutes ago, stopped, ran 30..21 minutes ago, stopped, ran for one minute 10 minutes ago.
        QList<qint64> minutesAgo;
        for (int m = 50; m >= 41; --m)
            minutesAgo.append(m);
        for (int m = 30; m >= 21; --m)
            minutesAgo.append(m);
        minutesAgo.append(10);
        QList<QueueSample> rows;
        for (qint64 ago : std::as_const(minutesAgo)) {
            QueueSample q;
            q.queue = QStringLiteral("default");
            q.at = thisMinute - ago * 60'000;
            q.resolutionSeconds = 60;
            q.counts[std::size_t(TaskState::Queued)] = 100 + ago;
            q.counts[std::size_t(TaskState::Running)] = 2;
            q.enqueued = 60 * 5;
            q.completed = 60 * 4;
            q.failed = 60;
            q.waitP50Ms = 10;
            q.waitP95Ms = 40;
            rows.append(q);
        }
        QVERIFY(engine->runInWriter([&](TaskStore& store) { return store.insertSamples(rows); }));
        ReaderThread reader(engine->options().store);
        StatsPanel panel(engine.get(), &reader);
        panel.resize(1200, 320);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setRange(StatsPanel::Range::Hour);
        QTRY_COMPARE(panel.stateChart()->seriesPoints(0).size(), minutesAgo.size());
        QTest::qWait(300); // one more tick: every chart has drawn the same history

        for (TimeSeriesChart* chart : {panel.stateChart(), panel.rateChart(), panel.waitChart()}) {
            for (int s = 0; s < chart->seriesCount(); ++s) {
                const QList<QList<QPointF>> segments = chart->seriesSegments(s);
                QList<qsizetype> sizes;
                for (const QList<QPointF>& segment : segments)
                    sizes.append(segment.size());
                QVERIFY2(sizes == QList<qsizetype>({10, 10, 1}),
                    qPrintable(QStringLiteral("%1 series %2: %3 runs").arg(chart->title()).arg(s).arg(sizes.size())));
                QCOMPARE(segments.at(0).last().x(), double(thisMinute - 41 * 60'000));
                QCOMPARE(segments.at(1).first().x(), double(thisMinute - 30 * 60'000));
                QCOMPARE(segments.at(2).first().x(), double(thisMinute - 10 * 60'000));
            }
        }
        // The values on each side of a gap are the stored ones (queued = 100 + minutes ago), not interpolated.
        const QList<QList<QPointF>> queued = panel.stateChart()->seriesSegments(0);
        QCOMPARE(queued.at(0).last().y(), 141.0);
        QCOMPARE(queued.at(1).first().y(), 130.0);
        QCOMPARE(queued.at(2).first().y(), 110.0);
        QCOMPARE(panel.rateChart()->seriesSegments(0).at(1).first().y(), 5.0); // 300 per minute = 5/s

        // One legend entry per series, however many runs it is drawn as.
        QCOMPARE(panel.rateChart()->findChild<QChartView*>()->chart()->legend()->markers().size(), 9);
        QCOMPARE(panel.rateChart()->legend()->entries().size(), 3);
        // "Last hour" labels minutes: seconds there were noise.
        const auto timeAxes = panel.stateChart()->findChild<QChartView*>()->chart()->axes(Qt::Horizontal);
        QCOMPARE(timeAxes.size(), 1);
        QCOMPARE(qobject_cast<QDateTimeAxis*>(timeAxes.first())->format(), QStringLiteral("HH:mm"));
        panel.grab().save(QStringLiteral("/tmp/qd-ui3-gaps-after.png"));

        // A range without gaps goes back to one run per series, and the extra runs are gone.
        panel.setRange(StatsPanel::Range::Live);
        QTRY_COMPARE(panel.rateChart()->findChild<QChartView*>()->chart()->series().size(), 3);

        // What the charts drew before gaps were handled (every point joined), for comparison.
        panel.setRange(StatsPanel::Range::Hour);
        QTRY_COMPARE(panel.stateChart()->seriesSegments(0).size(), 3);
        for (TimeSeriesChart* chart : {panel.stateChart(), panel.rateChart(), panel.waitChart()}) {
            chart->setGapThreshold(0);
            for (int s = 0; s < chart->seriesCount(); ++s)
                chart->setSeriesPoints(s, chart->seriesPoints(s));
            QCOMPARE(chart->seriesSegments(0).size(), 1);
        }
        panel.grab().save(QStringLiteral("/tmp/qd-ui3-gaps-before.png"));
    }

    void historyRangesShowPersistedMinutes()
    {
        // Per-minute rows 10 minutes, 3 hours and 3 days old: each range shows exactly those inside it, with
        // their stored values (queued = 10, 20, 30).
        QTemporaryDir dir;
        auto engine = test::openEngine(dir, 0, false, QStringLiteral("ui.db"), 0);
        QVERIFY(engine);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QList<QueueSample> rows;
        int queued = 10;
        for (qint64 ago : {10 * 60'000LL, 3 * 3600'000LL, 3 * 86400'000LL}) {
            QueueSample q;
            q.queue = QStringLiteral("default");
            q.at = (now - ago) / 60'000 * 60'000;
            q.resolutionSeconds = 60;
            q.counts[std::size_t(TaskState::Queued)] = queued;
            queued += 10;
            rows.append(q);
        }
        QVERIFY(engine->runInWriter([&](TaskStore& store) { return store.insertSamples(rows); }));
        ReaderThread reader(engine->options().store);
        StatsPanel panel(engine.get(), &reader);
        const auto queuedValues = [&] {
            QList<double> values;
            for (const QPointF& p : panel.stateChart()->seriesPoints(0))
                values.append(p.y());
            return values;
        };
        panel.setRange(StatsPanel::Range::Hour);
        QTRY_COMPARE(queuedValues(), QList<double>({10}));
        panel.setRange(StatsPanel::Range::Day);
        QTRY_COMPARE(queuedValues(), QList<double>({20, 10}));
        panel.setRange(StatsPanel::Range::Week);
        QTRY_COMPARE(queuedValues(), QList<double>({30, 20, 10}));
        panel.setRange(StatsPanel::Range::Live);
        QTRY_VERIFY(queuedValues().isEmpty() || !queuedValues().contains(30));
    }
};

QTEST_MAIN(TestStatsPanel)
#include "tst_statspanel.moc"
