#pragma once

#include <QFont>
#include <QHash>
#include <QStaticText>
#include <QStyledItemDelegate>

namespace qd::ui {

// Paints a cell of one line of plain text the way QStyledItemDelegate does (the style's background and selection,
// the palette's text colour, alignment, elision, the focus frame), with each text's layout kept between paints.
// Why: under load the task table repaints up to ten times a second, and QStyledItemDelegate lays out every cell's
// text again (QTextLayout and HarfBuzz shaping) each time. That was most of the GUI thread's time while 20,000
// tasks/s came in, and its longest stalls (bench B8, perf). Queue names, types, states, times and durations repeat
// from row to row and from one paint to the next, so a cache of laid-out texts serves most cells.
// Cells with an icon, a check box or more than one line are left to QStyledItemDelegate.
// Thread contract: the GUI thread, like every delegate.
class PlainTextDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    const QStaticText& laidOut(const QString& text, const QFont& font) const;
    QString elided(const QStyleOptionViewItem& opt, int width) const;

    struct Elided {
        int width = -1;
        Qt::TextElideMode mode = Qt::ElideRight;
        QString text;
    };

    // Bounded: a screen shows a few hundred distinct texts; a long scroll through unique ids and payloads must not
    // keep them all.
    static constexpr qsizetype maxCachedTexts = 4096;
    mutable QHash<QString, QStaticText> m_texts;
    mutable QHash<QString, Elided> m_elided; // a text too wide for its column, as shown at that width
    mutable QFont m_font; // the font m_texts were laid out in
};

} // namespace qd::ui
