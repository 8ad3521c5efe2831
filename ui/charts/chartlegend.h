#pragma once

#include <QList>
#include <QPen>
#include <QRect>
#include <QWidget>

namespace qd::ui {

// A chart's legend as a widget under the plot, in place of Qt Charts' own, which put every entry on one row and cut
// long names ("rabbitmq: NAME", per-queue lines) to a few letters. Entries flow into as many rows as they need; a
// name wider than the legend is elided with its whole text in the tooltip. The chart decides how many rows are
// shown (the rest scroll), so many lines never squeeze the plot.
//
// Thread contract: GUI thread only.
class ChartLegend : public QWidget {
    Q_OBJECT
public:
    struct Entry {
        QString name;
        QPen pen; // the line's colour and dash
    };

    explicit ChartLegend(QWidget* parent = nullptr);

    void setEntries(const QList<Entry>& entries);
    QList<Entry> entries() const { return m_entries; }
    // The text shown for entry `i` at the legend's width: the name, or the name elided ("…").
    QString shownText(int i) const;
    // Where entry `i` is drawn, in the legend's coordinates.
    QRect entryRect(int i) const;
    // The whole name of the entry under `pos`, shown on hover when it is elided; "" elsewhere or when whole.
    QString toolTipAt(const QPoint& pos) const;

    // The height that shows every row at `width`, and the height of one row.
    int heightForWidth(int width) const override;
    bool hasHeightForWidth() const override { return true; }
    int rowHeight() const;
    // Above the first row and below the last.
    static constexpr int verticalMargins = 8;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    // Draws every entry into `rect` of `painter` with `textColor` (the chart's exports, which have no widget).
    void paintEntries(QPainter& painter, const QRect& rect, const QColor& textColor) const;

protected:
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;

private:
    struct Placed {
        QRect rect;
        QString text;
    };
    // The entries laid out in rows at `width`, from the top-left corner.
    QList<Placed> layoutAt(int width) const;

    QList<Entry> m_entries;
};

} // namespace qd::ui
