#pragma once

#include <QColor>
#include <QImage>
#include <QList>
#include <QPen>
#include <QPointF>
#include <QWidget>

class QChart;
class QPainter;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QCategoryAxis;
class QGraphicsItem;
class QScrollArea;

namespace qd::ui {

class ChartInteraction;
class ChartLegend;

// A line chart over time, ours in front of Qt Charts so that moving to Qt Graphs later stays in ui/charts/.
// Live data: replace() once per refresh rather than append per point, animations off, axes set once per refresh.
// Gaps: a time with nothing measured (the app was not running) must not look like a straight line between the
// values around it. Qt Charts 6.4 draws a NaN as a line to nowhere, so each of our series is drawn as one
// QLineSeries per contiguous run of points, all in the series' pen, with only the first one in the legend.
//
// Thread contract: GUI thread only.
class TimeSeriesChart : public QWidget {
    Q_OBJECT
public:
    explicit TimeSeriesChart(const QString& title, QWidget* parent = nullptr);

    int addSeries(const QString& name, const QColor& color);
    // Removes every series (not the projections): the charts panel switches between a line per figure and a line
    // per queue.
    void clearSeries();
    // x: milliseconds since the epoch, in ascending order. Points further apart than the gap threshold are not
    // joined by a line.
    void setSeriesPoints(int series, const QList<QPointF>& points);
    // Two neighbouring points more than `ms` apart are drawn with a gap between them; 0 (the default) joins every
    // point. Takes effect at the next setSeriesPoints.
    void setGapThreshold(qint64 ms) { m_gapThresholdMs = ms; }
    qint64 gapThreshold() const { return m_gapThresholdMs; }
    // At most this many runs per series are drawn; past it the shortest gaps are bridged, so a pathological history
    // (a gap every other minute for a week) costs a bounded number of chart items.
    static constexpr int maxSegments = 100;
    void setTimeRange(qint64 fromMs, qint64 toMs);
    // Fits the value axis to the data shown (never below `minimumMax`, so an idle queue is not a flat line at 1e-9;
    // all zero: 0 to 5, not "0 0 1 1 1"). Its labels are ours, in compact form (250, 1.2k, 3.4M), and as many as the
    // plot's height has room for: Qt Charts elides a label taller than its slot to "...", numbers never are.
    void fitValues(double minimumMax = 1.0);
    void setValueSuffix(const QString& suffix);
    // Values that are counts (tasks): whole-number labels only, never "0.5".
    void setIntegerValues(bool integer);
    // A few points towering over the rest (a bulk enqueue) do not flatten the others: the value axis is fitted
    // without them and each run of clipped points gets a marker at the top of the plot with its peak value.
    void setClipSpikes(bool clip) { m_clipSpikes = clip; }
    // The clipped peaks after the last fitValues(): (time, true value), and the markers' texts.
    QList<QPointF> clippedPeaks() const { return m_peaks; }
    QStringList peakLabels() const;

    // The time shown (after setTimeRange), ms since the epoch.
    qint64 timeFrom() const;
    qint64 timeTo() const;
    // What hovering shows at a point of the chart (chart coordinates): the time and the value of the nearest point
    // of the series nearest to it ("" when none is close); hoverText() is the text shown now.
    QString hoverTextAt(const QPointF& chartPos) const;
    QString hoverText() const;
    // The plot's rectangle in the view's viewport coordinates (for tests driving the mouse).
    QRect plotRectInView() const;
    QWidget* viewport() const;

    QString title() const;
    void setTitle(const QString& title);
    // The legend under the plot (ours, not Qt Charts'): as many rows as the names need, up to `maxLegendRows` shown
    // (the rest scroll), fewer when the chart is short, so the plot keeps minimumPlotHeight().
    ChartLegend* legend() const { return m_legend; }
    static constexpr int maxLegendRows = 3;
    // The plot's height at the chart's minimum height: room for three value labels.
    int minimumPlotHeight() const;
    // The chart as a raster image at `scale` times its on-screen size (crisp in reports).
    QImage toImage(qreal scale = 2.0) const;
    // Saves the chart as it is shown: PNG (at twice the on-screen size) or SVG (vector, on-screen size), chosen by
    // the file's suffix. Written through QSaveFile: a failure leaves no partial file. Returns an error text or "".
    QString saveAs(const QString& path) const;
    // Asks for a file (PNG or SVG) and saves; errors are reported through saveFailed.
    void saveWithDialog();

    // A forecast drawn dashed ahead of the data, in `color`. Not a series: seriesCount() and seriesPoints() leave it
    // out; fitValues() takes it in. Hidden (legend too) while it has no points.
    int addProjection(const QString& name, const QColor& color);
    void setProjectionPoints(int projection, const QList<QPointF>& points);
    QList<QPointF> projectionPoints(int projection) const;
    QPen projectionPen(int projection) const;

    int seriesCount() const { return int(m_lines.size()); }
    // Every point of a series, all runs together.
    QList<QPointF> seriesPoints(int series) const;
    // The runs of a series as drawn: each one line, with a gap before the next.
    QList<QList<QPointF>> seriesSegments(int series) const;
    // Splits ascending points into runs wherever two neighbours are more than `threshold` apart (0: never), bridging
    // the shortest gaps when there would be more than `maxRuns` runs.
    static QList<QList<QPointF>> splitAtGaps(const QList<QPointF>& points, qint64 threshold, int maxRuns);

    // Labels on the time axis: five when they fit, fewer on a narrow chart (never labels cut to "18:09:...").
    int timeTickCount() const;
    // The value axis' labels, bottom to top.
    QStringList valueLabels() const;
    // At most this many labels on the value axis; fewer when the plot is short.
    static constexpr int maxValueLabels = 5;

    // A number as an axis label: at most three significant digits, thousands as k, millions as M, billions as G
    // ("0.05", "250", "1.2k", "25k", "3.4M").
    static QString compactNumber(double value);

    // The chart's background, text and grid colours, from the widget's palette (light or dark theme).
    QColor backgroundColor() const;

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

Q_SIGNALS:
    void saved(const QString& path);
    void saveFailed(const QString& message);
    // The user dragged across the plot (zoom to that span) or double-clicked it (back to the whole range).
    void timeZoomRequested(qint64 fromMs, qint64 toMs);
    void zoomResetRequested();

private:
    void applyPalette();
    void updateLegend(); // the entries: every series, then the projections shown
    void fitLegend(); // the legend's height for the chart's size
    int legendHeightForExport(int width) const;
    void fitTimeTicks();
    void fitValueTicks();
    void placePeakMarkers();
    int valueLabelSlot() const; // the height one value label needs
    struct Line {
        QPen pen;
        QList<QLineSeries*> segments; // segments[0] carries the legend entry and always exists
    };

    void renderScene(QPainter& painter, const QRectF& target) const;
    QLineSeries* addSegment(Line& line, const QString& name);

    QChart* m_chart;
    QChartView* m_view;
    QDateTimeAxis* m_timeAxis;
    QCategoryAxis* m_valueAxis;
    QList<Line> m_lines;
    QList<QLineSeries*> m_projections;
    double m_valueMax = 4; // the largest value the axis must show
    bool m_integerValues = false;
    qint64 m_gapThresholdMs = 0;
    bool m_clipSpikes = false;
    QList<QPointF> m_peaks;
    QList<QGraphicsItem*> m_peakMarkers; // a text per peak, owned by the chart
    ChartInteraction* m_interaction;
    ChartLegend* m_legend;
    QScrollArea* m_legendArea;
};

} // namespace qd::ui
