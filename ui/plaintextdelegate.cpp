#include "plaintextdelegate.h"

#include <QApplication>
#include <QPainter>

namespace qd::ui {

void PlainTextDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const bool plainLine = !(opt.features
                               & (QStyleOptionViewItem::HasDecoration | QStyleOptionViewItem::HasCheckIndicator
                                   | QStyleOptionViewItem::WrapText))
        && !(opt.state & QStyle::State_Editing) && !opt.text.contains(QLatin1Char('\n'));
    if (!plainLine) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    const QWidget* widget = opt.widget;
    const QStyle* style = widget ? widget->style() : QApplication::style();

    // What QCommonStyle's CE_ItemViewItem does for such a cell, but with the text laid out once.
    painter->save();
    painter->setClipRect(opt.rect);
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);
    if (!opt.text.isEmpty()) {
        QPalette::ColorGroup group = (opt.state & QStyle::State_Enabled) ? QPalette::Normal : QPalette::Disabled;
        if (group == QPalette::Normal && !(opt.state & QStyle::State_Active))
            group = QPalette::Inactive;
        painter->setPen(opt.palette.color(
            group, (opt.state & QStyle::State_Selected) ? QPalette::HighlightedText : QPalette::Text));
        const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 1;
        const QRect textRect = opt.rect.adjusted(margin, 0, -margin, 0);
        const QStaticText* text = &laidOut(opt.text, opt.font);
        if (text->size().width() > textRect.width())
            text = &laidOut(elided(opt, textRect.width()), opt.font);
        // Placed as QCommonStyle places its text layout: vertically by the whole-pixel size, horizontally within the
        // line at the fractional offset the layout's alignment gives (right-aligned ids would move by a pixel).
        const QSizeF size = text->size();
        const Qt::Alignment alignment = QStyle::visualAlignment(opt.direction, opt.displayAlignment);
        qreal x = textRect.x();
        if (alignment & Qt::AlignRight)
            x += textRect.width() - size.width();
        else if (alignment & Qt::AlignHCenter)
            x += (textRect.width() - size.width()) / 2;
        const int y = QStyle::alignedRect(
            Qt::LayoutDirectionAuto, opt.displayAlignment & Qt::AlignVertical_Mask, size.toSize(), textRect)
                          .top();
        painter->setFont(opt.font);
        painter->drawStaticText(QPointF(x, y), *text);
    }
    if (opt.state & QStyle::State_HasFocus) {
        QStyleOptionFocusRect focus;
        focus.QStyleOption::operator=(opt);
        focus.rect = style->subElementRect(QStyle::SE_ItemViewItemFocusRect, &opt, widget);
        focus.state |= QStyle::State_KeyboardFocusChange | QStyle::State_Item;
        const QPalette::ColorGroup group = (opt.state & QStyle::State_Enabled) ? QPalette::Normal : QPalette::Disabled;
        focus.backgroundColor
            = opt.palette.color(group, (opt.state & QStyle::State_Selected) ? QPalette::Highlight : QPalette::Window);
        style->drawPrimitive(QStyle::PE_FrameFocusRect, &focus, painter, widget);
    }
    painter->restore();
}

QString PlainTextDelegate::elided(const QStyleOptionViewItem& opt, int width) const
{
    // Eliding measures the whole text again: long errors and payloads would cost what the layouts save.
    if (m_elided.size() >= maxCachedTexts && !m_elided.contains(opt.text))
        m_elided.clear();
    Elided& known = m_elided[opt.text];
    if (known.width != width || known.mode != opt.textElideMode) {
        known.text = opt.fontMetrics.elidedText(opt.text, opt.textElideMode, width);
        known.width = width;
        known.mode = opt.textElideMode;
    }
    return known.text;
}

const QStaticText& PlainTextDelegate::laidOut(const QString& text, const QFont& font) const
{
    if (font != m_font) {
        m_texts.clear();
        m_elided.clear();
        m_font = font;
    }
    auto it = m_texts.find(text);
    if (it != m_texts.end())
        return *it;
    if (m_texts.size() >= maxCachedTexts) {
        m_texts.clear(); // simpler than an LRU, and a repaint refills what is on screen
        m_elided.clear();
    }
    QStaticText laid(text);
    laid.setTextFormat(Qt::PlainText);
    laid.setTextWidth(-1); // one line, never wrapped
    laid.prepare(QTransform(), font);
    return *m_texts.insert(text, laid);
}

} // namespace qd::ui
