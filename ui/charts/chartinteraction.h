#pragma once

#include <QObject>
#include <QPointF>
#include <QString>

#include <functional>

class QChart;
class QChartView;
class QRubberBand;
class QWidget;

namespace qd::ui {

// The mouse on a chart: hovering shows the time and value of the nearest point as a tooltip; dragging across the
// plot asks to zoom the time axis to the span dragged over; a double click asks for the whole range again.
// The chart decides what a zoom does (the charts panel zooms all its charts together).
//
// Thread contract: GUI thread only.
class ChartInteraction : public QObject {
    Q_OBJECT
public:
    // `hoverTextAt` gives the text for a point in chart coordinates ("" for nothing near).
    using HoverText = std::function<QString(const QPointF& chartPos)>;
    ChartInteraction(QChartView* view, QChart* chart, HoverText hoverTextAt);

    // What the tooltip shows now; "" when the mouse is over nothing.
    QString hoverText() const { return m_hoverText; }
    // A drag shorter than this (pixels) is a click, not a zoom.
    static constexpr int minimumDrag = 6;

Q_SIGNALS:
    // The span dragged over, as fractions of the plot's width (0 its left edge, 1 its right).
    void zoomRequested(double from, double to);
    void resetRequested();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QPointF chartPos(const QPointF& viewportPos) const;
    void hover(const QPointF& viewportPos);

    QChartView* m_view;
    // Kept apart: the filter sees the viewport's last events while the view is being destroyed, when calling
    // m_view->viewport() would use a half-destroyed object.
    QWidget* m_viewport;
    QChart* m_chart;
    HoverText m_hoverTextAt;
    QString m_hoverText;
    QRubberBand* m_band;
    bool m_dragging = false;
    QPointF m_dragFrom; // viewport coordinates
};

} // namespace qd::ui
