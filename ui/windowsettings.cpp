#include "windowsettings.h"

#include <QDockWidget>
#include <QHeaderView>
#include <QMainWindow>
#include <QSettings>

#include <utility>

namespace qd::ui {

WindowSettings::WindowSettings(QMainWindow* window, QHeaderView* taskHeader)
    : m_window(window)
    , m_taskHeader(taskHeader)
{ }

void WindowSettings::restore()
{
    QSettings settings;
    if (!m_window->restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        m_window->resize(1500, 900);
    // A layout saved by a version with other docks is not restored: the default one fits them better.
    m_defaultDockSizesPending
        = !m_window->restoreState(settings.value(QStringLiteral("window/state")).toByteArray(), dockLayoutVersion);
    // Column widths saved before the columns were fitted to their contents (a 400 px error column) would bring the
    // sideways scroll bar back: restore only widths saved by this layout version.
    const QByteArray header = settings.value(QStringLiteral("window/taskHeader")).toByteArray();
    if (!header.isEmpty() && settings.value(QStringLiteral("window/layoutVersion")).toInt() == dockLayoutVersion)
        m_taskHeader->restoreState(header);
}

void WindowSettings::applyDefaultDockSizesOnFirstShow()
{
    if (!std::exchange(m_defaultDockSizesPending, false))
        return;
    // Here rather than at construction: the dock areas share out the window's real size only once it has one.
    auto dock = [this](const char* name) { return m_window->findChild<QDockWidget*>(QLatin1String(name)); };
    m_window->resizeDocks({dock("inspectorDock")}, {520}, Qt::Horizontal);
    m_window->resizeDocks({dock("inspectorDock"), dock("workersDock")}, {600, 180}, Qt::Vertical);
    m_window->resizeDocks({dock("queueDock"), dock("chartsDock")}, {170, 250}, Qt::Vertical);
}

void WindowSettings::save() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), m_window->saveGeometry());
    settings.setValue(QStringLiteral("window/state"), m_window->saveState(dockLayoutVersion));
    settings.setValue(QStringLiteral("window/taskHeader"), m_taskHeader->saveState());
    settings.setValue(QStringLiteral("window/layoutVersion"), dockLayoutVersion);
}

} // namespace qd::ui
