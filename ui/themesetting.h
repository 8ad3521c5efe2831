#pragma once

#include <QColor>
#include <QString>

namespace qd::ui {

// The window's colour theme, chosen per user (QSettings "appearance/theme", not per database): follow the system
// palette, or force light or dark. applyTheme() sets the application palette; isDarkPalette() is what state colours,
// dialogs and charts ask to pick readable colours.
// Thread contract: GUI thread only.
enum class Theme { System, Light, Dark };

Theme savedTheme();
void saveTheme(Theme theme);
// Sets the application's palette (and the Fusion style for a forced theme, whose palette every style honours).
void applyTheme(Theme theme);
// The palette in use is dark (its window colour is darker than its text).
bool isDarkPalette();

QString themeName(Theme theme); // "system", "light", "dark": the stored value
Theme themeFromName(const QString& name); // System for anything unknown

} // namespace qd::ui
