#pragma once

#include "databaseopener.h"

#include "alertwatcher.h"
#include "bulkactions.h"
#include "core/task.h"
#include "taskspanel.h"
#include "windowactions.h"

#include <QJsonValue>
#include <QMainWindow>
#include <QTimer>

#include <functional>
#include <memory>

class QAction;
class QDockWidget;
class QTableView;

namespace qd {
class QueueEngine;
} // namespace qd

namespace qd::ui {

class AlertActions;
class AlertBanner;
class AlertNotifier;
class AlertRuleDialog;
class AlertsPanel;
class AuditPanel;
class FailuresPanel;
class BackgroundWriter;
class BrokerMonitor;
class CapacityPanel;
class ExportDialog;
class FilterBar;
class QueueListModel;
class SettingsDialog;
class ReaderThread;
class SourcesPanel;
class StatsPanel;
class TaskInspector;
class TaskSelectionKeeper;
class TaskTableModel;
class WindowSettings;
class WindowStatusBar;
class WorkersModel;
class WorkersView;

// The admin window: queues, filter bar, task table, inspector, charts, workers, status bar. Reads go through reader
// threads, writes through BackgroundWriter: the GUI thread never waits on the database or a handler.
// File > Open opens another database in a new window of its own (read-only if asked).
//
// MainWindow builds the parts and connects them: TasksPanel in the centre, the queue list, inspector, workers and
// charts in docks (the sources as a tab beside the queue list, capacity and alerts beside the charts), the alert
// banner in the message strip's row, WindowStatusBar below; WindowActions (actions, menus),
// BulkActions (retry/cancel/delete on the selection or filter), AlertActions (edit, write and notify alert rules, with
// AlertWatcher evaluating them), DatabaseOpener (open, connect, recent) and WindowSettings (layout) do the window's
// jobs.
//
// Thread contract: GUI thread only.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(std::shared_ptr<QueueEngine> engine, QWidget* parent = nullptr);
    // `alerts`: how the window evaluates the alert rules (tests inject a clock and a short interval). A read-only
    // window never evaluates.
    MainWindow(std::shared_ptr<QueueEngine> engine, AlertWatcher::Options alerts, QWidget* parent = nullptr);
    ~MainWindow() override;

    QueueEngine* engine() const { return m_engine.get(); }
    bool isReadOnly() const;
    // What the window's login may do (QueueEngine::accessLevel()): which actions are enabled.
    AccessLevel accessLevel() const;

    // Asked before destructive or bulk actions, with the text of the question. Default: a message box.
    void setConfirmHandler(std::function<bool(const QString&)> confirm) { m_confirm = std::move(confirm); }

    // Every action by object name ("retrySelected", "pauseQueue", ...), for menus, tests and shortcuts.
    QAction* action(const QString& name) const { return m_actions->action(name); }
    QList<QAction*> writeActions() const { return m_actions->writeActions(); }

    TaskTableModel* taskModel() const { return m_tasks->model(); }
    QTableView* taskView() const { return m_tasks->view(); }
    QueueListModel* queueModel() const { return m_queueModel; }
    QTableView* queueView() const { return m_queueView; }
    FilterBar* filterBar() const { return m_tasks->filterBar(); }
    TaskInspector* inspector() const { return m_inspector; }
    StatsPanel* statsPanel() const { return m_statsPanel; }
    CapacityPanel* capacityPanel() const { return m_capacityPanel; }
    SourcesPanel* sourcesPanel() const { return m_sourcesPanel; }
    BrokerMonitor* brokerMonitor() const { return m_brokerMonitor; }
    MessageBar* messageBar() const { return m_tasks->messageBar(); }
    AlertsPanel* alertsPanel() const { return m_alertsPanel; }
    FailuresPanel* failuresPanel() const { return m_failuresPanel; }
    AuditPanel* auditPanel() const { return m_auditPanel; }
    AlertBanner* alertBanner() const { return m_alertBanner; }
    AlertWatcher* alertWatcher() const { return m_alertWatcher; }
    // Who tells the desktop that a rule fired; default: the system tray where there is one, else nobody (the
    // banner alone). Called for each firing this window's evaluation recorded.
    void setAlertNotifier(std::unique_ptr<AlertNotifier> notifier);
    // Add (no rule) or edit an alert rule: a window-modal dialog; on OK the rule is written in the background.
    AlertRuleDialog* showAlertRuleDialog(const std::optional<AlertRule>& rule = std::nullopt);
    BackgroundWriter* writer() const { return m_writer; }

    // Enqueues in the background and reports the outcome in the message bar.
    void enqueueTasks(const QList<NewTask>& tasks);
    // The tasks selected in the table, by id: kept across live refreshes that move rows, and including rows that
    // were never loaded once the background resolution has answered (see TaskSelectionKeeper).
    QList<qint64> selectedTaskIds() const;
    TaskSelectionKeeper* selectionKeeper() const { return m_tasks->selection(); }
    // The bulk retry/cancel/delete running in the background, if any.
    BulkJob* bulkJob() const { return m_bulkActions->job(); }
    QString selectedQueue() const;

    // File > Quit: closes every window of the program, asking first (confirm) when their workers run tasks.
    void quitAll();

    // Opens a database in a new window, in the background; failures go to the message bar.
    void openDatabase(const QString& path, DatabaseOpener::OpenMode mode);

    // File > Settings: a window-modal dialog; on OK the workers and theme chosen apply at once.
    SettingsDialog* showSettingsDialog();

    // View > Theme and Settings: saves the user's theme, applies it to the application, checks it in every window.
    void setTheme(Theme theme);

    // File > Export: a non-modal dialog set to the table's current filter; the outcome goes to the message bar.
    // The table's filter, or `tasks` (a failure cluster's) when given.
    ExportDialog* showExportDialog(const std::optional<TaskFilter>& tasks = std::nullopt, qint64 taskCount = 0);

Q_SIGNALS:
    // A bulk action starts, once confirmed (for one on the filter, after the count of what it changes has come).
    void bulkStarted(qd::ui::BulkJob* job);

protected:
    void showEvent(QShowEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    bool isAdmin() const; // see accessLevel()
    void connectActions();
    void createWidgets();
    void updateActions();
    void reloadViews(); // after a write: the table, the queue list and the inspector read again
    void showError(const QString& message);

    void setPaused(const QString& queue, bool paused);
    // The Settings dialog's changes to the database's settings, through the background writer.
    void writeDatabaseSettings(const QList<std::pair<QString, QJsonValue>>& changes);
    void setSourcePaused(const QString& source, bool paused);
    void createAlertWidgets(QDockWidget* besideDock);
    void createFailuresPanel(QDockWidget* besideDock);
    void showFiringAlerts(const AlertSnapshot& snapshot);
    void changeConcurrency();
    void forgetProcess(const QString& id, qint64 lastSeen);
    void showEnqueueDialog();
    bool confirm(const QString& question);

    std::shared_ptr<QueueEngine> m_engine;
    ReaderThread* m_reader; // inspector, charts and types; the table has its own
    BackgroundWriter* m_writer;
    AlertWatcher* m_alertWatcher;
    QueueListModel* m_queueModel;
    WorkersModel* m_workersModel;

    TasksPanel* m_tasks = nullptr;
    QTableView* m_queueView = nullptr;
    WorkersView* m_workersView = nullptr;
    TaskInspector* m_inspector = nullptr;
    StatsPanel* m_statsPanel = nullptr;
    CapacityPanel* m_capacityPanel = nullptr;
    SourcesPanel* m_sourcesPanel = nullptr;
    BrokerMonitor* m_brokerMonitor = nullptr;
    AlertsPanel* m_alertsPanel = nullptr;
    FailuresPanel* m_failuresPanel = nullptr;
    AuditPanel* m_auditPanel = nullptr;
    AlertBanner* m_alertBanner = nullptr;
    AlertActions* m_alertActions = nullptr;
    WindowStatusBar* m_statusBar = nullptr;
    DatabaseOpener* m_opener = nullptr;
    BulkActions* m_bulkActions = nullptr;

    WindowActions* m_actions = nullptr;
    std::function<bool(const QString&)> m_confirm;
    QTimer m_statusTimer;
    QTimer m_inspectorTimer;
    std::unique_ptr<WindowSettings> m_settings;
};

} // namespace qd::ui
