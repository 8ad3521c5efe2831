#pragma once

#include <QColor>
#include <QImage>
#include <QList>
#include <QPointF>
#include <QWidget>

class QChart;
class QPainter;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace qd::ui {

// A line chart over time, ours in front of Qt Charts so that moving to Qt Graphs later stays in ui/charts/.
// Live data: replace() once per refresh rather than append per point, animations off, axes set once per refresh.
//
// Thread contract: GUI thread only.
class TimeSeriesChart : public QWidget {
    Q_OBJECT
public:
    explicit TimeSeriesChart(const QString& title, QWidget* parent = nullptr);

    int addSeries(const QString& name, const QColor& color);
    // x: milliseconds since the epoch.
    void setSeriesPoints(int series, const QList<QPointF>& points);
    void setTimeRange(qint64 fromMs, qint64 toMs);
    // Fits the value axis to the data shown (never below `minimumMax`, so an idle queue is not a flat line at 1e-9).
    void fitValues(double minimumMax = 1.0);
    void setValueSuffix(const QString& suffix);

    QString title() const;
    // The chart as a raster image at `scale` times its on-screen size (crisp in reports).
    QImage toImage(qreal scale = 2.0) const;
    // Saves the chart as it is shown: PNG (at twice the on-screen size) or SVG (vector, on-screen size), chosen by
    // the file's suffix. Written through QSaveFile: a failure leaves no partial file. Returns an error text or "".
    QString saveAs(const QString& path) const;
    // Asks for a file (PNG or SVG) and saves; errors are reported through saveFailed.
    void saveWithDialog();

    int seriesCount() const { return int(m_series.size()); }
    QList<QPointF> seriesPoints(int series) const;

Q_SIGNALS:
    void saved(const QString& path);
    void saveFailed(const QString& message);

private:
    void renderScene(QPainter& painter, const QRectF& target) const;

    QChart* m_chart;
    QChartView* m_view;
    QDateTimeAxis* m_timeAxis;
    QValueAxis* m_valueAxis;
    QList<QLineSeries*> m_series;
};

} // namespace qd::ui
