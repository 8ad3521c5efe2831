// One chart of the live series (a ring buffer per line, one replace() per refresh, gaps, projections, axes): the Qt
// Charts code of every chart, kept in ui/charts/ (saving is in chartexport.cpp) so that a move to Qt Graphs stays
// local.
#include "timeserieschart.h"

#include "chartinteraction.h"
#include "chartlegend.h"
#include "spikeclip.h"

#include <QAction>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QEvent>
#include <QFontMetrics>
#include <QGraphicsLayout>
#include <QGraphicsSimpleTextItem>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLocale>
#include <QPainter>
#include <QPen>
#include <QScrollArea>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace qd::ui {

TimeSeriesChart::TimeSeriesChart(const QString& title, QWidget* parent)
    : QWidget(parent)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_timeAxis(new QDateTimeAxis)
    , m_valueAxis(new QCategoryAxis)
    , m_interaction(new ChartInteraction(m_view, m_chart, [this](const QPointF& pos) { return hoverTextAt(pos); }))
    , m_legend(new ChartLegend)
    , m_legendArea(new QScrollArea(this))
{
    m_chart->setTitle(title);
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->legend()->setVisible(false); // ours (ChartLegend) wraps and scrolls instead of cutting names
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    m_chart->setBackgroundRoundness(0);
    QFont titleFont = m_chart->titleFont();
    titleFont.setBold(true);
    m_chart->setTitleFont(titleFont);
    m_timeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    m_timeAxis->setTickCount(5);
    // Labels of our own (compact numbers, as many as fit) at round values rather than QValueAxis' printf formats.
    m_valueAxis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_valueAxis, Qt::AlignLeft);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    setTimeRange(now - 60'000, now);
    m_view->setRenderHint(QPainter::Antialiasing);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_view, 1);
    m_legendArea->setObjectName(QStringLiteral("chartLegendArea"));
    m_legendArea->setFrameShape(QFrame::NoFrame);
    m_legendArea->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_legendArea->setWidgetResizable(true);
    m_legendArea->setBackgroundRole(QPalette::Base);
    m_legendArea->setWidget(m_legend);
    layout->addWidget(m_legendArea);
    // Room for three value labels over the title, the time labels and the legend (about seven lines of text):
    // shorter, Qt Charts elides every label to "...", and a dock layout saved that short opens this tall again.
    setMinimumHeight(3 * valueLabelSlot() + 7 * QFontMetrics(m_valueAxis->labelsFont()).height());

    auto* save = new QAction(tr("Save chart as\u2026"), this);
    save->setObjectName(QStringLiteral("saveChart"));
    connect(save, &QAction::triggered, this, &TimeSeriesChart::saveWithDialog);
    m_view->addAction(save);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(m_chart, &QChart::plotAreaChanged, this, &TimeSeriesChart::fitTimeTicks);
    connect(m_chart, &QChart::plotAreaChanged, this, &TimeSeriesChart::fitValueTicks);
    connect(m_chart, &QChart::plotAreaChanged, this, &TimeSeriesChart::placePeakMarkers);
    connect(m_interaction, &ChartInteraction::zoomRequested, this, [this](double from, double to) {
        const double span = double(timeTo() - timeFrom());
        Q_EMIT timeZoomRequested(timeFrom() + qint64(from * span), timeFrom() + qint64(to * span));
    });
    connect(m_interaction, &ChartInteraction::resetRequested, this, &TimeSeriesChart::zoomResetRequested);
    fitValueTicks();
    applyPalette();
}

void TimeSeriesChart::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
}

void TimeSeriesChart::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    fitLegend();
}

int TimeSeriesChart::minimumPlotHeight() const
{
    return 3 * valueLabelSlot();
}

void TimeSeriesChart::updateLegend()
{
    QList<ChartLegend::Entry> entries;
    for (const Line& line : std::as_const(m_lines))
        entries.append({line.segments.first()->name(), line.pen});
    for (const QLineSeries* projection : std::as_const(m_projections)) {
        if (projection->isVisible())
            entries.append({projection->name(), projection->pen()});
    }
    m_legend->setEntries(entries);
    fitLegend();
}

void TimeSeriesChart::fitLegend()
{
    // Whole rows, up to maxLegendRows, but never more than what leaves the view its minimum (title, time labels and
    // a plot of minimumPlotHeight()); at least one row. The rest scroll.
    const int needed = m_legend->heightForWidth(width()); // the area spans the chart
    const int row = m_legend->rowHeight();
    const int margins = ChartLegend::verticalMargins;
    const int viewMinimum = minimumPlotHeight() + 5 * QFontMetrics(m_valueAxis->labelsFont()).height();
    const int rows = std::clamp((height() - viewMinimum - margins) / std::max(1, row), 1, maxLegendRows);
    // Cut at a row's edge when rows are left to scroll to, so no sliver of the next one shows.
    const bool scrolls = needed > rows * row + margins;
    m_legendArea->setFixedHeight(scrolls ? rows * row + margins / 2 : needed);
    // A scroll bar only when rows are left over: one shown for nothing narrows the legend until it wraps.
    m_legendArea->setVerticalScrollBarPolicy(scrolls ? Qt::ScrollBarAlwaysOn : Qt::ScrollBarAlwaysOff);
    m_legendArea->setVisible(needed > 0);
}

void TimeSeriesChart::applyPalette()
{
    // Not QChart::setTheme(): it would also replace the series' colours, which say what each line is.
    const QPalette p = palette();
    m_chart->setBackgroundBrush(p.color(QPalette::Base));
    m_chart->setTitleBrush(p.color(QPalette::WindowText));
    for (QAbstractAxis* axis : {static_cast<QAbstractAxis*>(m_timeAxis), static_cast<QAbstractAxis*>(m_valueAxis)}) {
        axis->setLabelsColor(p.color(QPalette::Text));
        axis->setGridLineColor(p.color(QPalette::Mid));
        axis->setLinePenColor(p.color(QPalette::Mid));
    }
    m_view->setBackgroundBrush(p.color(QPalette::Window));
}

QColor TimeSeriesChart::backgroundColor() const
{
    return m_chart->backgroundBrush().color();
}

QString TimeSeriesChart::title() const
{
    return m_chart->title();
}

void TimeSeriesChart::setTitle(const QString& title)
{
    m_chart->setTitle(title);
}

int TimeSeriesChart::addSeries(const QString& name, const QColor& color)
{
    Line line;
    line.pen = QPen(color);
    line.pen.setWidthF(1.5);
    addSegment(line, name);
    m_lines.append(line);
    updateLegend();
    return int(m_lines.size()) - 1;
}

void TimeSeriesChart::clearSeries()
{
    for (const Line& line : std::as_const(m_lines)) {
        for (QLineSeries* segment : line.segments) {
            m_chart->removeSeries(segment);
            delete segment;
        }
    }
    m_lines.clear();
    updateLegend();
}

QLineSeries* TimeSeriesChart::addSegment(Line& line, const QString& name)
{
    auto* series = new QLineSeries;
    series->setName(name);
    series->setPen(line.pen);
    series->setColor(line.pen.color()); // the marker of a lone point
    series->setMarkerSize(5);
    m_chart->addSeries(series);
    series->attachAxis(m_timeAxis);
    series->attachAxis(m_valueAxis);
    if (!line.segments.isEmpty()) {
        // One legend entry per series, not per run.
        const auto markers = m_chart->legend()->markers(series);
        for (QLegendMarker* marker : markers)
            marker->setVisible(false);
    }
    line.segments.append(series);
    return series;
}

QList<QList<QPointF>> TimeSeriesChart::splitAtGaps(const QList<QPointF>& points, qint64 threshold, int maxRuns)
{
    if (points.isEmpty())
        return {};
    // Indices i where the line from points[i - 1] to points[i] is not drawn.
    QList<qsizetype> breaks;
    if (threshold > 0) {
        for (qsizetype i = 1; i < points.size(); ++i) {
            if (points.at(i).x() - points.at(i - 1).x() > double(threshold))
                breaks.append(i);
        }
    }
    if (breaks.size() > maxRuns - 1) {
        // Keep the widest gaps: they are the ones an admin can see at this scale.
        auto width = [&points](qsizetype i) { return points.at(i).x() - points.at(i - 1).x(); };
        std::stable_sort(
            breaks.begin(), breaks.end(), [&width](qsizetype a, qsizetype b) { return width(a) > width(b); });
        breaks.resize(std::max(0, maxRuns - 1));
        std::sort(breaks.begin(), breaks.end());
    }
    QList<QList<QPointF>> runs;
    qsizetype from = 0;
    for (qsizetype at : std::as_const(breaks)) {
        runs.append(points.mid(from, at - from));
        from = at;
    }
    runs.append(points.mid(from));
    return runs;
}

void TimeSeriesChart::setSeriesPoints(int series, const QList<QPointF>& points)
{
    Line& line = m_lines[series];
    const QList<QList<QPointF>> runs = splitAtGaps(points, m_gapThresholdMs, maxSegments);
    while (line.segments.size() < runs.size())
        addSegment(line, line.segments.first()->name());
    // Runs no longer needed go away: a gap that scrolled out of the live range must not leave idle items behind.
    while (line.segments.size() > std::max<qsizetype>(1, runs.size())) {
        QLineSeries* extra = line.segments.takeLast();
        m_chart->removeSeries(extra);
        delete extra;
    }
    for (qsizetype i = 0; i < line.segments.size(); ++i) {
        QLineSeries* segment = line.segments.at(i);
        const QList<QPointF> run = i < runs.size() ? runs.at(i) : QList<QPointF>();
        // A line needs two points: a lone measured minute between two gaps is drawn as a dot.
        segment->setPointsVisible(run.size() == 1);
        segment->replace(run);
    }
}

int TimeSeriesChart::addProjection(const QString& name, const QColor& color)
{
    auto* series = new QLineSeries;
    series->setName(name);
    QPen pen(color);
    pen.setWidthF(1.5);
    pen.setStyle(Qt::DashLine);
    series->setPen(pen);
    m_chart->addSeries(series);
    series->attachAxis(m_timeAxis);
    series->attachAxis(m_valueAxis);
    series->setVisible(false);
    m_projections.append(series);
    return int(m_projections.size()) - 1;
}

void TimeSeriesChart::setProjectionPoints(int projection, const QList<QPointF>& points)
{
    QLineSeries* series = m_projections.at(projection);
    series->replace(points);
    if (series->isVisible() != !points.isEmpty()) {
        series->setVisible(!points.isEmpty());
        updateLegend();
    }
}

QList<QPointF> TimeSeriesChart::projectionPoints(int projection) const
{
    return m_projections.at(projection)->points();
}

QPen TimeSeriesChart::projectionPen(int projection) const
{
    return m_projections.at(projection)->pen();
}

QList<QPointF> TimeSeriesChart::seriesPoints(int series) const
{
    QList<QPointF> points;
    for (const QLineSeries* segment : m_lines.at(series).segments)
        points.append(segment->points());
    return points;
}

QList<QList<QPointF>> TimeSeriesChart::seriesSegments(int series) const
{
    QList<QList<QPointF>> segments;
    for (const QLineSeries* segment : m_lines.at(series).segments) {
        if (segment->count() > 0)
            segments.append(segment->points());
    }
    return segments;
}

void TimeSeriesChart::setTimeRange(qint64 fromMs, qint64 toMs)
{
    const qint64 span = toMs - fromMs;
    // Short labels: five of them share a third of the window, and "MM-dd HH:mm" was cut to "11-18 1...". Seconds
    // only below an hour: on "last hour" they were noise.
    m_timeAxis->setFormat(span > 2 * 86400'000LL ? QStringLiteral("MMM d")
            : span >= 3600'000LL                 ? QStringLiteral("HH:mm")
                                                 : QStringLiteral("HH:mm:ss"));
    m_timeAxis->setRange(
        QDateTime::fromMSecsSinceEpoch(fromMs), QDateTime::fromMSecsSinceEpoch(std::max(toMs, fromMs + 1000)));
    fitTimeTicks(); // the format may have changed
}

int TimeSeriesChart::timeTickCount() const
{
    return m_timeAxis->tickCount();
}

void TimeSeriesChart::fitTimeTicks()
{
    // Qt Charts gives each label the space between two ticks and elides what does not fit.
    const QFontMetrics metrics(m_timeAxis->labelsFont());
    const int labelWidth = metrics.horizontalAdvance(QDateTime::currentDateTime().toString(m_timeAxis->format())) + 16;
    // The plot area is known once the chart has been laid out (plotAreaChanged calls again then).
    const qreal plot = m_chart->plotArea().width() > 0 ? m_chart->plotArea().width() : qreal(width()) * 0.8;
    const int ticks = std::clamp(int(plot) / labelWidth + 1, 2, 5);
    if (ticks != m_timeAxis->tickCount())
        m_timeAxis->setTickCount(ticks);
}

void TimeSeriesChart::fitValues(double minimumMax)
{
    // Only what is inside the time shown counts: a zoomed chart fits the values of the span it shows.
    const double from = double(timeFrom());
    const double to = double(timeTo());
    auto shown = [from, to](const QPointF& p) { return p.x() >= from && p.x() <= to; };
    QList<double> values;
    for (const Line& line : std::as_const(m_lines)) {
        for (const QLineSeries* segment : line.segments) {
            const auto points = segment->points();
            for (const QPointF& p : points) {
                if (shown(p))
                    values.append(p.y());
            }
        }
    }
    double projectionMax = 0;
    for (const QLineSeries* projection : std::as_const(m_projections)) {
        const auto points = projection->points();
        for (const QPointF& p : points)
            projectionMax = std::max(projectionMax, p.y());
    }
    SpikeCeiling ceiling;
    if (m_clipSpikes) {
        ceiling = spikeCeiling(values);
    } else {
        for (double v : std::as_const(values))
            ceiling.max = std::max(ceiling.max, v);
    }
    // Clipped: room above the values kept, so they do not run along the markers at the top.
    const double dataMax = std::max(ceiling.clipped ? ceiling.max * 1.25 : ceiling.max, projectionMax);
    // Nothing happening: a few round numbers (0 to 4: whole steps for 2, 3 or 4 intervals), not a range of 0..1
    // printed as "0 0 1 1 1".
    m_valueMax = dataMax > 0 ? std::max(dataMax, minimumMax) : std::max(4.0, minimumMax);
    fitValueTicks();
    m_peaks.clear();
    if (ceiling.clipped) {
        const double axisMax = m_valueAxis->max();
        for (int i = 0; i < m_lines.size(); ++i) {
            QList<QPointF> points = seriesPoints(i);
            points.removeIf([&shown](const QPointF& p) { return !shown(p); });
            m_peaks += peaksAbove(points, axisMax);
        }
        std::sort(m_peaks.begin(), m_peaks.end(), [](const QPointF& a, const QPointF& b) { return a.x() < b.x(); });
    }
    placePeakMarkers();
}

QStringList TimeSeriesChart::peakLabels() const
{
    QStringList labels;
    for (const QGraphicsItem* item : m_peakMarkers)
        labels.append(static_cast<const QGraphicsSimpleTextItem*>(item)->text());
    return labels;
}

void TimeSeriesChart::placePeakMarkers()
{
    // At most this many markers: more would cover the plot's top edge and each other.
    constexpr qsizetype maxMarkers = 8;
    QList<QPointF> peaks = m_peaks;
    if (peaks.size() > maxMarkers) {
        std::stable_sort(peaks.begin(), peaks.end(), [](const QPointF& a, const QPointF& b) { return a.y() > b.y(); });
        peaks.resize(maxMarkers);
    }
    while (m_peakMarkers.size() > peaks.size())
        delete m_peakMarkers.takeLast();
    while (m_peakMarkers.size() < peaks.size()) {
        auto* text = new QGraphicsSimpleTextItem(m_chart);
        text->setBrush(QColor(0xc0, 0x39, 0x2b));
        text->setZValue(100);
        m_peakMarkers.append(text);
    }
    const QRectF plot = m_chart->plotArea();
    const double from = double(timeFrom());
    const double span = std::max(1.0, double(timeTo()) - from);
    for (qsizetype i = 0; i < peaks.size(); ++i) {
        auto* text = static_cast<QGraphicsSimpleTextItem*>(m_peakMarkers.at(i));
        // The triangle says "off the top"; the number is the real peak.
        text->setText(QStringLiteral("\u25B2 %1").arg(compactNumber(peaks.at(i).y())));
        const qreal x = plot.left() + (peaks.at(i).x() - from) / span * plot.width();
        const qreal w = text->boundingRect().width();
        text->setPos(std::clamp(x - w / 2, plot.left(), std::max(plot.left(), plot.right() - w)), plot.top() + 1);
    }
}

qint64 TimeSeriesChart::timeFrom() const
{
    return m_timeAxis->min().toMSecsSinceEpoch();
}

qint64 TimeSeriesChart::timeTo() const
{
    return m_timeAxis->max().toMSecsSinceEpoch();
}

QString TimeSeriesChart::hoverText() const
{
    return m_interaction->hoverText();
}

QWidget* TimeSeriesChart::viewport() const
{
    return m_view->viewport();
}

QRect TimeSeriesChart::plotRectInView() const
{
    return m_view->mapFromScene(m_chart->mapToScene(m_chart->plotArea())).boundingRect();
}

QString TimeSeriesChart::hoverTextAt(const QPointF& chartPos) const
{
    const QRectF plot = m_chart->plotArea();
    if (plot.width() <= 0 || plot.height() <= 0 || m_lines.isEmpty())
        return {};
    const double from = double(timeFrom());
    const double msPerPixel = (double(timeTo()) - from) / plot.width();
    const double axisMax = std::max(1e-12, m_valueAxis->max());
    auto toPixel = [&](const QPointF& p) {
        return QPointF(plot.left() + (p.x() - from) / msPerPixel,
            plot.bottom() - std::min(p.y(), axisMax) / axisMax * plot.height());
    };
    // Of each series the point nearest in time (within a few pixels), then of those the one nearest the mouse.
    constexpr double reach = 12; // pixels
    double best = std::numeric_limits<double>::max();
    QString bestName;
    QPointF bestPoint;
    for (int series = 0; series < m_lines.size(); ++series) {
        const QList<QPointF> points = seriesPoints(series);
        const double t = from + (chartPos.x() - plot.left()) * msPerPixel;
        auto it
            = std::lower_bound(points.cbegin(), points.cend(), t, [](const QPointF& p, double x) { return p.x() < x; });
        for (auto candidate : {it, it == points.cbegin() ? points.cend() : it - 1}) {
            if (candidate == points.cend())
                continue;
            const QPointF pixel = toPixel(*candidate);
            if (std::abs(pixel.x() - chartPos.x()) > reach || std::abs(pixel.y() - chartPos.y()) > 3 * reach)
                continue;
            const double distance = std::abs(pixel.x() - chartPos.x()) + std::abs(pixel.y() - chartPos.y());
            if (distance < best) {
                best = distance;
                bestName = m_lines.at(series).segments.first()->name();
                bestPoint = *candidate;
            }
        }
    }
    if (bestName.isEmpty())
        return {};
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(qint64(bestPoint.x()));
    const bool days = timeTo() - timeFrom() > 86400'000LL;
    const double v = bestPoint.y();
    const int decimals = m_integerValues || v == std::floor(v) || std::abs(v) >= 100 ? 0 : std::abs(v) >= 10 ? 1 : 2;
    return tr("%1\n%2: %3")
        .arg(time.toString(days ? QStringLiteral("yyyy-MM-dd HH:mm") : QStringLiteral("HH:mm:ss")), bestName,
            QLocale().toString(v, 'f', decimals));
}

QString TimeSeriesChart::compactNumber(double value)
{
    if (std::abs(value) < 1e-12)
        return QStringLiteral("0");
    // Three significant digits at most: "%.0f" gave "1234567", wider than the axis had room for.
    auto digits = [](double v) { return std::abs(v) >= 100 ? QString::number(v, 'f', 0) : QString::number(v, 'g', 3); };
    static constexpr struct {
        double scale;
        char suffix;
    } units[] = {{1e9, 'G'}, {1e6, 'M'}, {1e3, 'k'}};
    for (const auto& unit : units) {
        // 999,950 is "1M", not "1000k".
        if (std::abs(value) >= unit.scale * 0.9995)
            return digits(value / unit.scale) + QLatin1Char(unit.suffix);
    }
    return digits(value);
}

QStringList TimeSeriesChart::valueLabels() const
{
    return m_valueAxis->categoriesLabels();
}

int TimeSeriesChart::valueLabelSlot() const
{
    // Measured (offscreen, 14 px font): labels elide with less than the font's height + 8 each.
    return QFontMetrics(m_valueAxis->labelsFont()).height() + 10;
}

void TimeSeriesChart::fitValueTicks()
{
    // Qt Charts gives each label of a vertical axis an equal share of the plot's height (less padding) and elides
    // a label taller than its share to "...": as many labels as have room, at least three (the minimum height
    // leaves room for them).
    const int slot = valueLabelSlot();
    const qreal plot = m_chart->plotArea().height() > 0 ? m_chart->plotArea().height() : qreal(height()) * 0.5;
    const int intervals = std::clamp(int(plot) / slot, 3, maxValueLabels) - 1;
    // The smallest round step (1, 2, 2.5 or 5 times a power of ten) that covers the data in that many intervals:
    // round labels, and an axis that does not twitch every tick as the values move.
    const double rawStep = m_valueMax / intervals;
    const double magnitude = std::pow(10.0, std::floor(std::log10(rawStep)));
    double step = 10 * magnitude;
    for (double m : {1.0, 2.0, 2.5, 5.0}) {
        if (m * magnitude >= rawStep * (1 - 1e-9)) {
            step = m * magnitude;
            break;
        }
    }
    if (m_integerValues && step != std::floor(step))
        step = step < 1 ? 1 : 5 * magnitude; // 2.5 is the only other fraction: 5 is the next round step
    const int used = std::max(1, int(std::ceil(m_valueMax / step - 1e-9)));
    QStringList labels;
    for (int i = 0; i <= used; ++i)
        labels.append(compactNumber(i * step));
    if (labels == m_valueAxis->categoriesLabels())
        return; // called again by the layout this change causes
    for (const QString& label : m_valueAxis->categoriesLabels())
        m_valueAxis->remove(label);
    m_valueAxis->setStartValue(0);
    m_valueAxis->setRange(0, used * step);
    for (int i = 0; i <= used; ++i)
        m_valueAxis->append(labels.at(i), i * step);
}

void TimeSeriesChart::setIntegerValues(bool integer)
{
    m_integerValues = integer;
    fitValueTicks();
}

void TimeSeriesChart::setValueSuffix(const QString& suffix)
{
    m_valueAxis->setTitleText(suffix);
}

} // namespace qd::ui
