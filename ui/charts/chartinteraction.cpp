#include "chartinteraction.h"

#include <QChart>
#include <QChartView>
#include <QMouseEvent>
#include <QRubberBand>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace qd::ui {

ChartInteraction::ChartInteraction(QChartView* view, QChart* chart, HoverText hoverTextAt)
    : QObject(view)
    , m_view(view)
    , m_viewport(view->viewport())
    , m_chart(chart)
    , m_hoverTextAt(std::move(hoverTextAt))
    , m_band(new QRubberBand(QRubberBand::Rectangle, view->viewport()))
{
    m_view->viewport()->setMouseTracking(true);
    m_view->viewport()->installEventFilter(this);
}

QPointF ChartInteraction::chartPos(const QPointF& viewportPos) const
{
    return m_chart->mapFromScene(m_view->mapToScene(viewportPos.toPoint()));
}

void ChartInteraction::hover(const QPointF& viewportPos)
{
    const QPointF pos = chartPos(viewportPos);
    m_hoverText = m_chart->plotArea().contains(pos) ? m_hoverTextAt(pos) : QString();
    if (m_hoverText.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(m_view->viewport()->mapToGlobal(viewportPos.toPoint()), m_hoverText, m_view->viewport());
}

bool ChartInteraction::eventFilter(QObject* watched, QEvent* event)
{
    if (watched != m_viewport)
        return false;
    switch (event->type()) {
    case QEvent::MouseButtonPress: {
        auto* e = static_cast<QMouseEvent*>(event);
        if (e->button() == Qt::LeftButton && m_chart->plotArea().contains(chartPos(e->position()))) {
            m_dragging = true;
            m_dragFrom = e->position();
            return true;
        }
        break;
    }
    case QEvent::MouseMove: {
        auto* e = static_cast<QMouseEvent*>(event);
        if (m_dragging) {
            const QRectF plot = m_view->mapFromScene(m_chart->mapToScene(m_chart->plotArea())).boundingRect();
            const qreal x = std::clamp(e->position().x(), plot.left(), plot.right());
            m_band->setGeometry(QRectF(
                QPointF(std::min(m_dragFrom.x(), x), plot.top()), QPointF(std::max(m_dragFrom.x(), x), plot.bottom()))
                                    .toRect());
            m_band->setVisible(std::abs(x - m_dragFrom.x()) >= minimumDrag);
        }
        hover(e->position());
        break;
    }
    case QEvent::MouseButtonRelease: {
        auto* e = static_cast<QMouseEvent*>(event);
        if (!m_dragging || e->button() != Qt::LeftButton)
            break;
        m_dragging = false;
        m_band->hide();
        const QRectF plot = m_chart->plotArea();
        const qreal x0 = std::clamp(chartPos(m_dragFrom).x(), plot.left(), plot.right());
        const qreal x1 = std::clamp(chartPos(e->position()).x(), plot.left(), plot.right());
        if (std::abs(x1 - x0) < minimumDrag)
            return true;
        Q_EMIT zoomRequested(
            (std::min(x0, x1) - plot.left()) / plot.width(), (std::max(x0, x1) - plot.left()) / plot.width());
        return true;
    }
    case QEvent::MouseButtonDblClick:
        if (static_cast<QMouseEvent*>(event)->button() == Qt::LeftButton) {
            Q_EMIT resetRequested();
            return true;
        }
        break;
    case QEvent::Leave:
        m_hoverText.clear();
        QToolTip::hideText();
        break;
    default:
        break;
    }
    return false;
}

} // namespace qd::ui
