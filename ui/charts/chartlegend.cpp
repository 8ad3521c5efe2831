#include "chartlegend.h"

#include <QEvent>
#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

namespace qd::ui {

namespace {

constexpr int swatchWidth = 18; // a short stretch of the line, in its pen
constexpr int swatchGap = 4; // between the swatch and the name
constexpr int entryGap = 14; // between two entries of a row
constexpr int margin = ChartLegend::verticalMargins / 2;

} // namespace

ChartLegend::ChartLegend(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("chartLegend"));
    // The chart's plot colour, so the legend reads as part of the chart in either theme.
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
}

void ChartLegend::setEntries(const QList<Entry>& entries)
{
    m_entries = entries;
    updateGeometry();
    update();
}

int ChartLegend::rowHeight() const
{
    return fontMetrics().height() + 4;
}

QList<ChartLegend::Placed> ChartLegend::layoutAt(int width) const
{
    QList<Placed> placed;
    const QFontMetrics metrics = fontMetrics();
    const int row = rowHeight();
    const int room = std::max(swatchWidth + swatchGap + metrics.horizontalAdvance(QStringLiteral("ab\u2026")),
        width - 2 * margin); // the widest an entry may be: a whole row
    int x = margin;
    int y = margin;
    for (const Entry& entry : m_entries) {
        const int whole = swatchWidth + swatchGap + metrics.horizontalAdvance(entry.name);
        const int w = std::min(whole, room);
        if (x > margin && x + w > margin + room) { // does not fit after the others: a new row
            x = margin;
            y += row;
        }
        const QString text
            = w == whole ? entry.name : metrics.elidedText(entry.name, Qt::ElideRight, w - swatchWidth - swatchGap);
        placed.append({QRect(x, y, w, row), text});
        x += w + entryGap;
    }
    return placed;
}

int ChartLegend::heightForWidth(int width) const
{
    const QList<Placed> placed = layoutAt(width);
    return placed.isEmpty() ? 0 : placed.last().rect.bottom() + 1 + margin;
}

QSize ChartLegend::sizeHint() const
{
    return {width() > 0 ? width() : 300, heightForWidth(width() > 0 ? width() : 300)};
}

QSize ChartLegend::minimumSizeHint() const
{
    return {0, m_entries.isEmpty() ? 0 : rowHeight() + 2 * margin};
}

QString ChartLegend::shownText(int i) const
{
    return layoutAt(width()).value(i).text;
}

QRect ChartLegend::entryRect(int i) const
{
    return layoutAt(width()).value(i).rect;
}

QString ChartLegend::toolTipAt(const QPoint& pos) const
{
    const QList<Placed> placed = layoutAt(width());
    for (qsizetype i = 0; i < placed.size(); ++i) {
        if (placed.at(i).rect.contains(pos))
            return placed.at(i).text == m_entries.at(i).name ? QString() : m_entries.at(i).name;
    }
    return {};
}

bool ChartLegend::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipAt(help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

void ChartLegend::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    paintEntries(painter, rect(), palette().color(QPalette::WindowText));
}

void ChartLegend::paintEntries(QPainter& painter, const QRect& rect, const QColor& textColor) const
{
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setFont(font());
    const QList<Placed> placed = layoutAt(rect.width());
    for (qsizetype i = 0; i < placed.size(); ++i) {
        const QRect r = placed.at(i).rect.translated(rect.topLeft());
        QPen pen = m_entries.at(i).pen;
        pen.setWidthF(std::max(2.0, pen.widthF()));
        painter.setPen(pen);
        const int mid = r.center().y();
        painter.drawLine(QPointF(r.left(), mid + 0.5), QPointF(r.left() + swatchWidth, mid + 0.5));
        painter.setPen(textColor);
        painter.drawText(
            r.adjusted(swatchWidth + swatchGap, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, placed.at(i).text);
    }
    painter.restore();
}

} // namespace qd::ui
