#include "themecolors.h"

#include "taskformat.h"
#include "themesetting.h"

#include <QPainter>
#include <QPalette>

namespace qd::ui {

namespace {

const QColor errorHue(0xd6, 0x27, 0x28);
const QColor successHue(0x2c, 0xa0, 0x2c);

} // namespace

bool isDark(const QPalette& palette)
{
    return palette.color(QPalette::Window).lightness() < palette.color(QPalette::WindowText).lightness();
}

QColor blend(const QColor& from, const QColor& to, double amount)
{
    const auto mix = [amount](int a, int b) { return int(a + (b - a) * amount + 0.5); };
    return QColor(mix(from.red(), to.red()), mix(from.green(), to.green()), mix(from.blue(), to.blue()));
}

StripColors messageStripColors(const QPalette& palette, bool error)
{
    const QColor hue = error ? errorHue : successHue;
    const QColor window = palette.color(QPalette::Window);
    // A light tint on a light window, a deeper one on a dark window (a faint tint of dark grey reads as grey).
    const bool dark = isDark(palette);
    return {blend(window, hue, dark ? 0.28 : 0.12), dark ? hue.lighter(130).toRgb() : hue,
        palette.color(QPalette::WindowText)};
}

StripColors alertStripColors(const QPalette& palette)
{
    if (isDark(palette))
        return {
            blend(palette.color(QPalette::Window), errorHue, 0.7), errorHue.lighter(140).toRgb(), QColor(Qt::white)};
    return {errorHue, errorHue.darker(160).toRgb(), QColor(Qt::white)};
}

void paintStrip(QPainter& painter, const QRect& rect, const StripColors& colors)
{
    painter.fillRect(rect, colors.border);
    painter.fillRect(rect.adjusted(1, 1, -1, -1), colors.background);
}

QColor errorTextColor()
{
    return stateColor(TaskState::Failed);
}

QColor successTextColor()
{
    // The state colour's green is too pale for text on a light window (contrast under 3:1): a deeper one there.
    return isDarkPalette() ? stateColor(TaskState::Succeeded) : QColor(0x1e, 0x7b, 0x1e);
}

QString textColorStyle(const QColor& color)
{
    return QStringLiteral("color: %1;").arg(color.name());
}

} // namespace qd::ui
