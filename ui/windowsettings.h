#pragma once

class QHeaderView;
class QMainWindow;

namespace qd::ui {

// The window's look between runs: geometry, dock layout and task table columns in QSettings ("window/..."), and the
// default dock sizes of a first start (no layout saved, or one of another layout version).
//
// Thread contract: GUI thread only.
class WindowSettings {
public:
    WindowSettings(QMainWindow* window, QHeaderView* taskHeader);

    // Once the docks exist; a window without a saved geometry gets the default size.
    void restore();
    // From showEvent: the first show of a window without a saved layout sizes its docks.
    void applyDefaultDockSizesOnFirstShow();
    // From closeEvent.
    void save() const;

private:
    // Version of saveState() and of the saved task table columns: 2 moved the workers panel under the inspector and
    // fitted the columns to their contents; 3 added the Sources and Capacity tabs (an older layout would place them
    // beside the charts, squeezing both); 4 added the Alerts tab beside Capacity. Layouts of other versions are
    // ignored.
    static constexpr int dockLayoutVersion = 4;

    QMainWindow* m_window;
    QHeaderView* m_taskHeader;
    bool m_defaultDockSizesPending = false;
};

} // namespace qd::ui
