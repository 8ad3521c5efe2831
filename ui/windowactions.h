#pragma once

#include "core/accessroles.h"
#include "themesetting.h"
#include <QHash>

#include <QObject>

class QAction;
class QKeySequence;
class QMainWindow;
class QMenu;
class QWidget;

namespace qd::ui {

// The window's actions by object name ("retrySelected", "pauseQueue", ...): their texts and shortcuts (no key
// sequence used twice: tst_mainwindow checks), which of them write, when they are enabled, and where they appear
// (menu bar, tool bar, the context menus of the task table and the queue list). What each one does is connected by
// the window. The actions are children of the window.
//
// Thread contract: GUI thread only.
class WindowActions : public QObject {
    Q_OBJECT
public:
    explicit WindowActions(QMainWindow* window);

    QAction* action(const QString& name) const;
    QList<QAction*> writeActions() const { return m_writeActions; }

    // The menu bar, after the docks exist (View lists them); returns File > Open recent, empty, for the recent list.
    QMenu* createMenus();
    void createToolBar();
    void addTaskTableActions(QWidget* view);
    void addQueueListActions(QWidget* view);

    // Write actions off unless the window's access level allows them (none on a read-only window or a viewer's;
    // deleting tasks and queue settings are an admin's); the others as there is something for them to act on.
    void updateEnabled(AccessLevel level, bool hasSelection, bool hasQueue, bool hasMatches);
    // The access level an action needs (Viewer: it writes nothing).
    AccessLevel accessNeeded(const QAction* action) const;
    // Checks View > Theme's entry for `theme`.
    void checkTheme(Theme theme);

private:
    QAction* add(const QString& name, const QString& text, const QKeySequence& shortcut, bool writes);
    void addActions(QWidget* to, std::initializer_list<const char*> names) const;

    QMainWindow* m_window;
    QHash<QString, QAction*> m_actions;
    QList<QAction*> m_writeActions;
};

} // namespace qd::ui
