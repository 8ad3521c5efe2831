#pragma once

#include <QColor>
#include <QString>

class QPalette;
class QPainter;
class QRect;

namespace qd::ui {

// Colours that carry a meaning (an error, a success, an alert) derived from the palette in use, so every theme gets
// readable ones: the message strip, the alert banner and validation texts ask here instead of hard-coding light
// colours.
// Thread contract: GUI thread only (reads the application palette).

// `palette` is dark (its window colour is darker than its text): the widget's own palette, unlike isDarkPalette().
bool isDark(const QPalette& palette);
// `from` moved `amount` (0..1) of the way to `to`, channel by channel.
QColor blend(const QColor& from, const QColor& to, double amount);

// A strip's fill, its border and its text.
struct StripColors {
    QColor background;
    QColor border;
    QColor text;
};
// The message strip: the window colour tinted towards red (errors) or green (outcomes), its border in that hue and
// the palette's text colour.
StripColors messageStripColors(const QPalette& palette, bool error);
// The alert banner: a red fill that stands out on either theme (deeper on a dark one) with white text.
StripColors alertStripColors(const QPalette& palette);
// Fills `rect` with the strip's background inside a one-pixel border.
void paintStrip(QPainter& painter, const QRect& rect, const StripColors& colors);

// Text that reports a problem or a valid input (validation lines, counts that matched nothing), readable on the
// application palette's window and base colours.
QColor errorTextColor();
QColor successTextColor();
// The same as a style sheet rule ("color: #rrggbb;") for widgets that take their colour from one.
QString textColorStyle(const QColor& color);

} // namespace qd::ui
