#include "windowactions.h"

#include "themesetting.h"

#include <QAction>
#include <QActionGroup>

#include <QDockWidget>
#include <QMainWindow>
#include <QMenuBar>
#include <QToolBar>
#include <tuple>

namespace qd::ui {

WindowActions::WindowActions(QMainWindow* window)
    : QObject(window)
    , m_window(window)
{
    add(QStringLiteral("open"), tr("&Open\u2026"), QKeySequence::Open, false);
    add(QStringLiteral("openToWatch"), tr("Open to &watch (no workers)\u2026"), QKeySequence(), false);
    add(QStringLiteral("openReadOnly"), tr("Open &read-only\u2026"), QKeySequence(tr("Ctrl+Shift+O")), false);
    // Ctrl+L, "open location" (a URL rather than a file) as in browsers and file managers; Ctrl+Shift+P is Resume
    // queue, the inverse of Pause queue (Ctrl+P). tst_mainwindow fails on any key sequence used twice.
    add(QStringLiteral("connectServer"), tr("Connect to &PostgreSQL or MariaDB\u2026"), QKeySequence(tr("Ctrl+L")),
        false);
    // Export reads only: allowed on a read-only window (a copy taken after an incident is what one exports).
    add(QStringLiteral("export"), tr("&Export\u2026"), QKeySequence(tr("Ctrl+Shift+E")), false);
    // Settings of the database are shown read-only on a read-only window; the theme is the user's own.
    add(QStringLiteral("settings"), tr("&Settings\u2026"), QKeySequence(tr("Ctrl+,")), false);
    add(QStringLiteral("quit"), tr("&Quit"), QKeySequence::Quit, false);

    add(QStringLiteral("enqueue"), tr("&Enqueue\u2026"), QKeySequence(tr("Ctrl+E")), true);
    add(QStringLiteral("retrySelected"), tr("&Retry selected"), QKeySequence(tr("Ctrl+R")), true);
    // A scheduled task (delayed, or waiting for its next attempt) is not retried but made ready at once.
    add(QStringLiteral("runNowSelected"), tr("Run &now"), QKeySequence(tr("Ctrl+Shift+Return")), true);
    add(QStringLiteral("cancelSelected"), tr("&Cancel selected"), QKeySequence(tr("Ctrl+K")), true);
    add(QStringLiteral("deleteSelected"), tr("&Delete selected"), QKeySequence::Delete, true);
    add(QStringLiteral("retryMatching"), tr("Retry all &matching filter\u2026"), QKeySequence(tr("Ctrl+Shift+R")),
        true);
    add(QStringLiteral("cancelMatching"), tr("Cancel all matching filter\u2026"), QKeySequence(tr("Ctrl+Shift+K")),
        true);
    add(QStringLiteral("deleteMatching"), tr("Delete all matching filter\u2026"), QKeySequence(tr("Shift+Del")), true);
    add(QStringLiteral("refresh"), tr("Re&fresh"), QKeySequence::Refresh, false);
    add(QStringLiteral("find"), tr("&Find"), QKeySequence::Find, false);

    add(QStringLiteral("pauseQueue"), tr("&Pause queue"), QKeySequence(tr("Ctrl+P")), true);
    add(QStringLiteral("resumeQueue"), tr("Re&sume queue"), QKeySequence(tr("Ctrl+Shift+P")), true);
    add(QStringLiteral("pauseAll"), tr("Pause &all queues"), {}, true);
    add(QStringLiteral("resumeAll"), tr("Resume a&ll queues"), {}, true);
    add(QStringLiteral("concurrency"), tr("Set &concurrency\u2026"), {}, true);

    // View > Theme: the user's choice, as in Settings; one of the three is checked.
    auto* themes = new QActionGroup(this);
    for (const auto& [name, text, theme] : {std::tuple {"themeSystem", tr("Follow the &system"), Theme::System},
             std::tuple {"themeLight", tr("&Light"), Theme::Light},
             std::tuple {"themeDark", tr("&Dark"), Theme::Dark}}) {
        QAction* a = add(QLatin1String(name), text, {}, false);
        a->setCheckable(true);
        a->setData(int(theme));
        themes->addAction(a);
    }
    checkTheme(savedTheme());

    add(QStringLiteral("shortcuts"), tr("&Keyboard shortcuts"), QKeySequence::HelpContents, false);
    add(QStringLiteral("about"), tr("&About QueueDesk"), {}, false);
}

QAction* WindowActions::add(const QString& name, const QString& text, const QKeySequence& shortcut, bool writes)
{
    auto* a = new QAction(text, m_window);
    a->setObjectName(name);
    if (!shortcut.isEmpty())
        a->setShortcut(shortcut);
    m_actions.insert(name, a);
    if (writes)
        m_writeActions.append(a);
    return a;
}

QAction* WindowActions::action(const QString& name) const
{
    return m_actions.value(name);
}

void WindowActions::addActions(QWidget* to, std::initializer_list<const char*> names) const
{
    for (const char* name : names)
        to->addAction(action(QLatin1String(name)));
}

void WindowActions::addTaskTableActions(QWidget* view)
{
    addActions(view, {"retrySelected", "runNowSelected", "cancelSelected", "deleteSelected"});
    auto* separator = new QAction(m_window);
    separator->setSeparator(true);
    view->addAction(separator);
    addActions(view, {"retryMatching", "cancelMatching", "deleteMatching", "refresh"});
}

void WindowActions::addQueueListActions(QWidget* view)
{
    addActions(view, {"pauseQueue", "resumeQueue", "concurrency", "pauseAll", "resumeAll", "enqueue"});
}

void WindowActions::createToolBar()
{
    QToolBar* toolbar = m_window->addToolBar(tr("Actions"));
    toolbar->setObjectName(QStringLiteral("actionsToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    addActions(toolbar, {"enqueue", "retrySelected", "runNowSelected", "cancelSelected", "deleteSelected"});
    toolbar->addSeparator();
    addActions(toolbar, {"pauseQueue", "resumeQueue", "pauseAll", "resumeAll"});
    toolbar->addSeparator();
    addActions(toolbar, {"refresh"});
}

QMenu* WindowActions::createMenus()
{
    QMenuBar* bar = m_window->menuBar();
    QMenu* file = bar->addMenu(tr("&File"));
    addActions(file, {"open", "openToWatch", "openReadOnly", "connectServer"});
    QMenu* recent = file->addMenu(tr("Open &recent"));
    file->addSeparator();
    addActions(file, {"export"});
    file->addSeparator();
    addActions(file, {"settings"});
    file->addSeparator();
    addActions(file, {"quit"});

    QMenu* queue = bar->addMenu(tr("&Queue"));
    addActions(queue, {"pauseQueue", "resumeQueue", "concurrency"});
    queue->addSeparator();
    addActions(queue, {"pauseAll", "resumeAll"});

    QMenu* tasks = bar->addMenu(tr("&Tasks"));
    addActions(tasks, {"enqueue"});
    tasks->addSeparator();
    addActions(tasks, {"retrySelected", "runNowSelected", "cancelSelected", "deleteSelected"});
    tasks->addSeparator();
    addActions(tasks, {"retryMatching", "cancelMatching", "deleteMatching"});

    QMenu* view = bar->addMenu(tr("&View"));
    addActions(view, {"find", "refresh"});
    view->addSeparator();
    for (QDockWidget* dock : m_window->findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());

    view->addSeparator();
    QMenu* theme = view->addMenu(tr("&Theme"));
    addActions(theme, {"themeSystem", "themeLight", "themeDark"});

    QMenu* help = bar->addMenu(tr("&Help"));
    addActions(help, {"shortcuts", "about"});
    return recent;
}

void WindowActions::checkTheme(Theme theme)
{
    for (const char* name : {"themeSystem", "themeLight", "themeDark"}) {
        QAction* a = action(QLatin1String(name));
        a->setChecked(a->data().toInt() == int(theme));
    }
}

AccessLevel WindowActions::accessNeeded(const QAction* a) const
{
    if (!m_writeActions.contains(a))
        return AccessLevel::Viewer;
    // Purge and queue settings are not an operator's (see core/accessroles.h).
    const QString name = a->objectName();
    return name == u"deleteSelected" || name == u"deleteMatching" || name == u"concurrency" ? AccessLevel::Admin
                                                                                            : AccessLevel::Operator;
}

void WindowActions::updateEnabled(AccessLevel level, bool hasSelection, bool hasQueue, bool hasMatches)
{
    for (QAction* a : std::as_const(m_writeActions))
        a->setEnabled(level >= accessNeeded(a));
    const auto enableIf = [&](std::initializer_list<const char*> names, bool condition) {
        for (const char* name : names) {
            QAction* a = action(QLatin1String(name));
            a->setEnabled(condition && level >= accessNeeded(a));
        }
    };
    enableIf({"retrySelected", "runNowSelected", "cancelSelected", "deleteSelected"}, hasSelection);
    enableIf({"retryMatching", "cancelMatching", "deleteMatching"}, hasMatches);
    enableIf({"pauseQueue", "resumeQueue", "concurrency"}, hasQueue);
}

} // namespace qd::ui
