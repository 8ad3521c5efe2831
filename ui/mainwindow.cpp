// The window's wiring: every panel, dialog and job is a class of its own; this file builds them and connects their
// signals, which is why it is a little over 600 lines (one place to read how the window hangs together).
#include "mainwindow.h"

#include "afterfirstrows.h"
#include "alertactions.h"
#include "alertbanner.h"
#include "alertnotifier.h"
#include "alertspanel.h"
#include "auditpanel.h"
#include "backgroundwriter.h"
#include "brokermonitor.h"
#include "bulkactions.h"
#include "capacitypanel.h"
#include "capacitytracker.h"
#include "charts/statspanel.h"
#include "core/databaseurl.h"
#include "core/queueengine.h"
#include "core/startuptrace.h"
#include "core/taskstore.h"
#include "dashboardstrip.h"
#include "databaseopener.h"
#include "emptydatabasehint.h"
#include "enginereaper.h"
#include "enqueuedialog.h"
#include "exportdialog.h"
#include "failureclustermodel.h"
#include "failurespanel.h"
#include "filterbar.h"
#include "helpdialogs.h"
#include "messagebar.h"
#include "queuelistmodel.h"
#include "readerthread.h"
#include "settingsdialog.h"
#include "sourcesmodel.h"
#include "sourcespanel.h"
#include "tableviews.h"
#include "taskformat.h"
#include "taskinspector.h"
#include "taskselectionkeeper.h"
#include "taskspanel.h"
#include "tasktablemodel.h"
#include "windowactions.h"
#include "windowsettings.h"
#include "windowstatusbar.h"
#include "workersmodel.h"
#include "workersview.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QMessageBox>
#include <QShowEvent>
#include <QTableView>
#include <QToolBar>

#include <algorithm>

namespace qd::ui {

namespace {
AlertWatcher::Options evaluatingUnlessReadOnly(AlertWatcher::Options alerts, const QueueEngine& engine)
{
    alerts.evaluate = alerts.evaluate && !engine.isReadOnly();
    if (!alerts.commands)
        alerts.commands = commandAllowList(engine.options().handlers);
    return alerts;
}
} // namespace

MainWindow::MainWindow(std::shared_ptr<QueueEngine> engine, QWidget* parent)
    : MainWindow(std::move(engine), AlertWatcher::Options {}, parent)
{ }

MainWindow::MainWindow(std::shared_ptr<QueueEngine> engine, AlertWatcher::Options alerts, QWidget* parent)
    : QMainWindow(parent)
    , m_engine(std::move(engine))
    // The panels' reads wait for the task table's first rows (see AfterFirstRows below).
    , m_reader(new ReaderThread(m_engine->options().store, this, ReaderThread::Start::Later))
    , m_writer(new BackgroundWriter(this))
    , m_alertWatcher(
          new AlertWatcher(m_engine->options().store, evaluatingUnlessReadOnly(std::move(alerts), *m_engine), this))
    , m_queueModel(new QueueListModel(m_engine.get(), this))
    , m_workersModel(new WorkersModel(m_engine.get(), m_reader, this))
{
    setObjectName(QStringLiteral("MainWindow"));
    const QString path = m_engine->options().store.path;
    const QString shown = isServerUrl(path) ? databaseDisplayName(path) : QFileInfo(path).fileName();
    setWindowTitle(
        isReadOnly() ? tr("%1 [read-only] \u2014 QueueDesk").arg(shown) : tr("%1 \u2014 QueueDesk").arg(shown));
    setWindowIcon(QIcon(QStringLiteral(":/queuedesk/queuedesk.svg")));
    m_opener = new DatabaseOpener(m_engine->options(), this);
    m_actions = new WindowActions(this);
    connectActions();
    startuptrace::mark("window: readers and actions");
    createWidgets();
    startuptrace::mark("window: widgets");
    m_opener->setRecentMenu(m_actions->createMenus());
    m_settings = std::make_unique<WindowSettings>(this, taskView()->horizontalHeader());
    m_settings->restore();
    m_opener->rememberCurrent();

    connect(m_tasks, &TasksPanel::currentTaskChanged, this, [this](qint64 id) {
        // The same task on another row (the selection followed it after a refresh) needs no new read.
        if (id != m_inspector->taskId())
            m_inspector->showTask(id);
    });
    connect(m_tasks, &TasksPanel::selectedCountChanged, m_statusBar, &WindowStatusBar::setSelectionCount);
    connect(m_tasks, &TasksPanel::applicableActionsChanged, this, &MainWindow::updateActions);

    m_bulkActions = new BulkActions(
        m_engine, taskModel(), selectionKeeper(), m_reader,
        [this](const QString& question) { return confirm(question); }, this);
    connect(m_bulkActions, &BulkActions::started, m_statusBar, &WindowStatusBar::trackBulkJob);
    connect(m_bulkActions, &BulkActions::started, this, [this](BulkJob* job) { Q_EMIT bulkStarted(job); });
    connect(m_bulkActions, &BulkActions::finished, this, &MainWindow::reloadViews);
    connect(m_bulkActions, &BulkActions::message, messageBar(), &MessageBar::showMessage);
    connect(m_bulkActions, &BulkActions::activityChanged, m_statusBar, &WindowStatusBar::setActivity);

    connect(m_opener, &DatabaseOpener::opened, this, [](std::shared_ptr<QueueEngine> opened) {
        auto* window = new MainWindow(std::move(opened));
        window->setAttribute(Qt::WA_DeleteOnClose);
        window->show();
    });
    connect(m_opener, &DatabaseOpener::failed, this, &MainWindow::showError);

    connect(m_writer, &BackgroundWriter::busyChanged, m_statusBar, &WindowStatusBar::setWriteBusy);
    connect(m_writer, &BackgroundWriter::writeFinished, this,
        [this](const QString& what, bool ok, qint64 affected, const QString& error) {
            if (ok && affected < 0) { // a write that changes no task
                messageBar()->showMessage(MessageBar::Kind::Info, tr("%1: done.").arg(what));
            } else if (ok) {
                messageBar()->showMessage(
                    MessageBar::Kind::Info, tr("%1: done, %2 task(s) affected.").arg(what, formatCount(affected)));
            } else {
                showError(tr("%1 failed: %2").arg(what, error));
            }
            reloadViews();
        });
    connect(m_statsPanel, &StatsPanel::chartSaved, this, [this](const QString& savedTo) {
        messageBar()->showMessage(
            MessageBar::Kind::Info, tr("Chart saved to %1.").arg(QDir::toNativeSeparators(savedTo)));
    });
    connect(m_statsPanel, &StatsPanel::chartSaveFailed, this, &MainWindow::showError);
    connect(
        m_engine.get(), &QueueEngine::errorOccurred, this, [this](const Error& error) { showError(error.message); });
    connect(taskModel(), &TaskTableModel::readFailed, this, &MainWindow::showError);
    connect(m_reader->reader(), &StoreReader::readFailed, this, &MainWindow::showError);
    connect(m_reader->reader(), &StoreReader::typesFetched, this, [this](const QStringList& types) {
        QStringList all = m_engine->handlers().types() + types;
        all.sort();
        all.removeDuplicates();
        filterBar()->setTypes(all);
    });
    m_reader->post([](StoreReader* r) { r->fetchTypes(); });

    // The inspected task changed: re-read it, at most 4 times a second.
    m_inspectorTimer.setSingleShot(true);
    m_inspectorTimer.setInterval(250);
    connect(&m_inspectorTimer, &QTimer::timeout, m_inspector, &TaskInspector::reload);
    connect(m_engine.get(), &QueueEngine::tasksChanged, this, [this](const QList<TaskChange>& changes) {
        const qint64 id = m_inspector->taskId();
        if (id > 0 && !m_inspectorTimer.isActive()
            && std::any_of(changes.cbegin(), changes.cend(), [id](const TaskChange& c) { return c.id == id; }))
            m_inspectorTimer.start();
    });
    connect(m_queueModel, &QAbstractItemModel::rowsInserted, this,
        [this] { filterBar()->setQueues(m_queueModel->queueNames()); });
    filterBar()->setQueues(m_queueModel->queueNames());

    // The status bar's totals are the queue list's, taken at the same reload: the panels never disagree.
    const auto showTotals = [this] {
        m_statusBar->setTotals(m_queueModel->totals(), m_queueModel->throughput(), m_queueModel->failuresPerSecond());
    };
    connect(m_queueModel, &QueueListModel::countsChanged, m_statusBar, showTotals);
    showTotals();
    m_statusTimer.setInterval(1000);
    connect(&m_statusTimer, &QTimer::timeout, m_tasks, &TasksPanel::tickAges);
    m_statusTimer.start();
    updateActions();
}

MainWindow::~MainWindow()
{
    // Background writes report to the writer object: let them finish before it goes (they are short compared with
    // an engine's shutdown, which may wait for running tasks).
    m_writer->waitForAll();
    m_alertActions->waitForWrites();
    // A bulk action holds the engine too: stop it after its current chunk, so the engine's last reference is ours.
    m_bulkActions->stopAndWait();
    // The engine's graceful shutdown may wait seconds for running tasks: never on the GUI thread. Our children
    // still hold its raw pointer, but nothing of theirs runs from here on (no event is processed before they go),
    // and Qt disconnects the engine's queued signals from them under its own locks.
    EngineReaper::retire(std::move(m_engine));
}

bool MainWindow::isReadOnly() const
{
    return m_engine->isReadOnly();
}

AccessLevel MainWindow::accessLevel() const
{
    return m_engine->accessLevel();
}

bool MainWindow::isAdmin() const
{
    return accessLevel() >= AccessLevel::Admin;
}

void MainWindow::connectActions()
{
    const auto on = [this](const char* name, auto slot) {
        connect(m_actions->action(QLatin1String(name)), &QAction::triggered, this, slot);
    };
    on("open", [this] { m_opener->chooseFile(DatabaseOpener::OpenMode::Run); });
    on("openToWatch", [this] { m_opener->chooseFile(DatabaseOpener::OpenMode::Watch); });
    on("openReadOnly", [this] { m_opener->chooseFile(DatabaseOpener::OpenMode::ReadOnly); });
    on("connectServer", [this] { m_opener->chooseServer(); });
    on("export", [this] { showExportDialog(); });
    on("settings", [this] { showSettingsDialog(); });
    on("quit", [this] { quitAll(); });
    for (const char* name : {"themeSystem", "themeLight", "themeDark"})
        on(name, [this, name] { setTheme(Theme(action(QLatin1String(name))->data().toInt())); });
    on("shortcuts", [this] { showShortcutsDialog(findChildren<QAction*>(), this); });
    on("about", [this] { showAboutBox(this); });

    on("enqueue", [this] { showEnqueueDialog(); });
    on("retrySelected", [this] { m_bulkActions->runOnSelection(BulkJob::Op::Retry); });
    on("runNowSelected", [this] { m_bulkActions->runOnSelection(BulkJob::Op::RunNow); });
    on("cancelSelected", [this] { m_bulkActions->runOnSelection(BulkJob::Op::Cancel); });
    on("deleteSelected", [this] { m_bulkActions->runOnSelection(BulkJob::Op::Delete); });
    on("retryMatching", [this] { m_bulkActions->runOnFilter(BulkJob::Op::Retry); });
    on("cancelMatching", [this] { m_bulkActions->runOnFilter(BulkJob::Op::Cancel); });
    on("deleteMatching", [this] { m_bulkActions->runOnFilter(BulkJob::Op::Delete); });
    on("refresh", [this] { reloadViews(); });
    on("find", [this] { filterBar()->focusSearch(); });

    on("pauseQueue", [this] { setPaused(selectedQueue(), true); });
    on("resumeQueue", [this] { setPaused(selectedQueue(), false); });
    on("pauseAll", [this] { setPaused(QString(), true); });
    on("resumeAll", [this] { setPaused(QString(), false); });
    on("concurrency", [this] { changeConcurrency(); });
}

void MainWindow::createWidgets()
{
    m_tasks = new TasksPanel(m_engine.get(), m_reader, this);
    setCentralWidget(m_tasks);
    m_actions->addTaskTableActions(taskView());

    // Queues and workers on the left.
    m_queueView = makeTableView(this);
    m_queueView->setObjectName(QStringLiteral("queueView"));
    m_queueView->setModel(m_queueModel);
    m_queueView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_queueView->setAlternatingRowColors(false);
    // The numbers keep their width, the names take what is left: every column shows at the default size.
    fitColumn(m_queueView, QueueListModel::StatusColumn, tr("unreachable")); // the widest of a RabbitMQ row's
    fitColumn(m_queueView, QueueListModel::ConcurrencyColumn, QStringLiteral("999"));
    for (int c = QueueListModel::FirstStateColumn; c < QueueListModel::ThroughputColumn; ++c)
        fitColumn(m_queueView, c, formatCount(9'999'999));
    fitColumn(m_queueView, QueueListModel::ThroughputColumn, QStringLiteral("9999/s"));
    fitColumn(m_queueView, QueueListModel::WaitP95Column, widestDuration());
    m_queueView->horizontalHeader()->setMinimumSectionSize(40);
    m_queueView->horizontalHeader()->setSectionResizeMode(QueueListModel::NameColumn, QHeaderView::Stretch);
    m_actions->addQueueListActions(m_queueView);
    connect(m_queueView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QString queue = selectedQueue();
        filterBar()->setQueue(queue);
        // A RabbitMQ row has no QueueDesk queue: the charts show its line alone.
        const QModelIndexList rows = m_queueView->selectionModel()->selectedRows();
        const QString brokerQueue
            = rows.isEmpty() ? QString() : rows.first().data(QueueListModel::BrokerQueueRole).toString();
        m_statsPanel->setQueue(brokerQueue.isEmpty() ? queue : brokerQueue);
        m_capacityPanel->setQueue(queue);
        updateActions();
    });
    m_workersView = new WorkersView(m_workersModel, this);
    m_workersView->setWritable(!isReadOnly());
    connect(m_workersView, &WorkersView::forgetRequested, this, &MainWindow::forgetProcess);

    auto* queueDock = new QDockWidget(tr("Queues"), this);
    queueDock->setObjectName(QStringLiteral("queueDock"));
    queueDock->setWidget(m_queueView);
    addDockWidget(Qt::TopDockWidgetArea, queueDock);
    // Spools and AMQP bridges feed the queues: a tab beside the queue list, which stays in front.
    m_sourcesPanel = new SourcesPanel(m_reader, this);
    m_sourcesPanel->setWritable(isAdmin()); // sources are an admin's (see core/accessroles.h)
    connect(m_sourcesPanel, &SourcesPanel::pauseRequested, this, &MainWindow::setSourcePaused);
    auto* sourcesDock = new QDockWidget(tr("Sources"), this);
    sourcesDock->setObjectName(QStringLiteral("sourcesDock"));
    sourcesDock->setWidget(m_sourcesPanel);
    tabifyDockWidget(queueDock, sourcesDock);
    queueDock->raise();

    m_inspector = new TaskInspector(m_reader, this);
    // Below this the field names and a line of JSON no longer fit side by side.
    m_inspector->setMinimumWidth(360);
    auto* inspectorDock = new QDockWidget(tr("Inspector"), this);
    inspectorDock->setObjectName(QStringLiteral("inspectorDock"));
    inspectorDock->setWidget(m_inspector);
    addDockWidget(Qt::RightDockWidgetArea, inspectorDock);
    // Workers under the inspector: beside the queue list they took the width its columns need.
    auto* workersDock = new QDockWidget(tr("Workers"), this);
    workersDock->setObjectName(QStringLiteral("workersDock"));
    workersDock->setWidget(m_workersView);
    addDockWidget(Qt::RightDockWidgetArea, workersDock);
    splitDockWidget(inspectorDock, workersDock, Qt::Vertical);

    m_statsPanel = new StatsPanel(m_engine.get(), m_reader, this);
    auto* chartsDock = new QDockWidget(tr("Charts"), this);
    chartsDock->setObjectName(QStringLiteral("chartsDock"));
    chartsDock->setWidget(m_statsPanel);
    addDockWidget(Qt::BottomDockWidgetArea, chartsDock);
    // Capacity: a tab beside the charts, whose queue-length chart draws its forecast ahead of now.
    auto* capacity = new CapacityTracker(m_engine.get(), this);
    m_capacityPanel = new CapacityPanel(capacity, this);
    auto* capacityDock = new QDockWidget(tr("Capacity"), this);
    capacityDock->setObjectName(QStringLiteral("capacityDock"));
    capacityDock->setWidget(m_capacityPanel);
    tabifyDockWidget(chartsDock, capacityDock);
    createAlertWidgets(capacityDock);
    createFailuresPanel(capacityDock);
    // Audit: every admin action on the database, a tab beside Failures.
    m_auditPanel = new AuditPanel(m_reader, this);
    auto* auditDock = new QDockWidget(tr("Audit"), this);
    auditDock->setObjectName(QStringLiteral("auditDock"));
    auditDock->setWidget(m_auditPanel);
    tabifyDockWidget(capacityDock, auditDock);
    chartsDock->raise();
    connect(m_capacityPanel, &CapacityPanel::forecastChanged, m_statsPanel, &StatsPanel::setForecast);
    // Bridged RabbitMQ queues in the queue list and the charts, their brokers' state in the Sources panel.
    m_brokerMonitor = new BrokerMonitor(m_sourcesPanel->model(), {}, this);
    connect(m_brokerMonitor, &BrokerMonitor::rowsUpdated, m_queueModel, &QueueListModel::setBrokerQueues);
    connect(m_brokerMonitor, &BrokerMonitor::rowsUpdated, m_statsPanel, &StatsPanel::addBrokerRows);
    // The first paint needs none of the panels' reads, the capacity forecast or the alerts: they start after it.
    new AfterFirstRows(taskView(), [this, capacity] {
        m_reader->start();
        capacity->start();
        m_alertWatcher->start();
    });
    // The inspector and workers run the full height on the right; queues on top and charts below span the rest.
    setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);

    m_statusBar = new WindowStatusBar(m_engine.get(), this);
    setStatusBar(m_statusBar);

    m_actions->createToolBar();
    // The dashboard's figures on a line of their own under the actions.
    addToolBarBreak();
    QToolBar* dashboard = addToolBar(tr("Dashboard"));
    dashboard->setObjectName(QStringLiteral("dashboardToolbar"));
    dashboard->addWidget(new DashboardStrip(m_engine.get(), m_reader, this));
    new EmptyDatabaseHint(taskModel(), taskView(), m_engine->options().store.path, !isReadOnly(),
        action(QStringLiteral("enqueue"))->shortcut());
    // Tab goes round the panels: filter bar, task table, queue list, inspector, workers.
    setTabOrder(taskView(), m_queueView);
    setTabOrder(m_queueView, m_inspector);
    setTabOrder(m_inspector, m_workersView);
}

void MainWindow::createAlertWidgets(QDockWidget* besideDock)
{
    // Alerts: a tab beside Capacity; the banner shares the message strip's row, so it never moves the table.
    m_alertsPanel = new AlertsPanel(m_alertWatcher, this);
    m_alertsPanel->setWritable(isAdmin()); // alert rules are an admin's
    auto* alertsDock = new QDockWidget(tr("Alerts"), this);
    alertsDock->setObjectName(QStringLiteral("alertsDock"));
    alertsDock->setWidget(m_alertsPanel);
    tabifyDockWidget(besideDock, alertsDock);
    m_alertBanner = new AlertBanner(messageBar()->minimumHeight(), m_tasks);
    m_tasks->addToMessageRow(m_alertBanner);
    connect(m_alertBanner, &AlertBanner::showAlertsRequested, this, [alertsDock] {
        alertsDock->show();
        alertsDock->raise();
    });
    connect(m_alertWatcher, &AlertWatcher::snapshotChanged, this, &MainWindow::showFiringAlerts);
    connect(m_alertWatcher, &AlertWatcher::failed, this, &MainWindow::showError);
    m_alertActions = new AlertActions(
        m_engine, isAdmin(), m_alertWatcher, m_alertsPanel, [this](const QString& q) { return confirm(q); }, this);
    connect(m_alertActions, &AlertActions::message, messageBar(), &MessageBar::showMessage);
    connect(m_alertsPanel, &AlertsPanel::addRequested, this, [this] { showAlertRuleDialog(); });
    connect(
        m_alertsPanel, &AlertsPanel::editRequested, this, [this](const AlertRule& rule) { showAlertRuleDialog(rule); });
}

void MainWindow::createFailuresPanel(QDockWidget* besideDock)
{
    // Failures: a tab beside Capacity and Alerts; its actions go through the same preview and BulkJob as the table's.
    m_failuresPanel = new FailuresPanel(m_reader, this);
    m_failuresPanel->setWritable(!isReadOnly());
    m_failuresPanel->setPurgeAllowed(isAdmin());
    auto* failuresDock = new QDockWidget(tr("Failures"), this);
    failuresDock->setObjectName(QStringLiteral("failuresDock"));
    failuresDock->setWidget(m_failuresPanel);
    tabifyDockWidget(besideDock, failuresDock);
    // The bulk actions are made after the widgets: looked up when the signal comes.
    connect(m_failuresPanel, &FailuresPanel::clusterActionRequested, this,
        [this](BulkJob::Op op, const QList<qint64>& ids, const QString& scope) {
            m_bulkActions->runOnTasks(op, ids, scope);
        });
    connect(m_failuresPanel, &FailuresPanel::clusterExportRequested, this, [this](const QList<qint64>& ids) {
        ExportDialog* dialog = showExportDialog(TaskFilter::ofIds(ids), ids.size());
        dialog->setWhat(ExportDialog::What::FilteredTasks);
    });
    connect(m_failuresPanel, &FailuresPanel::sampleTaskRequested, m_inspector, &TaskInspector::showTask);
    connect(m_failuresPanel, &FailuresPanel::actionFailed, this, &MainWindow::showError);
}

void MainWindow::setAlertNotifier(std::unique_ptr<AlertNotifier> notifier)
{
    m_alertActions->setNotifier(std::move(notifier));
}

void MainWindow::showFiringAlerts(const AlertSnapshot& snapshot)
{
    QStringList names;
    for (const AlertRuleStatus& s : snapshot.firing())
        names.append(s.rule->displayName());
    // The banner holds the row's height while it shows: a hidden message strip then gives it its width too.
    QSizePolicy policy = messageBar()->sizePolicy();
    policy.setRetainSizeWhenHidden(names.isEmpty());
    messageBar()->setSizePolicy(policy);
    m_alertBanner->setFiring(names);
}

AlertRuleDialog* MainWindow::showAlertRuleDialog(const std::optional<AlertRule>& rule)
{
    return m_alertActions->showDialog(rule, m_queueModel->queueNames(), selectedQueue());
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    m_settings->applyDefaultDockSizesOnFirstShow();
}

void MainWindow::quitAll()
{
    QList<MainWindow*> windows;
    for (QWidget* widget : QApplication::topLevelWidgets()) {
        if (auto* window = qobject_cast<MainWindow*>(widget); window && window->isVisible())
            windows.append(window);
    }
    int running = 0;
    qint64 graceMs = 0;
    for (MainWindow* window : std::as_const(windows)) {
        for (const WorkerStatus& worker : window->engine()->workers())
            running += worker.busy ? 1 : 0;
        graceMs = std::max(graceMs, window->engine()->options().shutdownGraceMs);
    }
    if (running > 0
        && !confirm(tr("%n task(s) are running in this program's workers. Quit anyway?\n\nThey get %1 s to finish, "
                       "then are stopped and go back to their queues.",
            "", running)
                        .arg(graceMs / 1000)))
        return;
    for (MainWindow* window : std::as_const(windows))
        window->close();
}

void MainWindow::setTheme(Theme theme)
{
    saveTheme(theme);
    applyTheme(theme);
    // Every window's View > Theme shows the choice.
    for (QWidget* widget : QApplication::topLevelWidgets()) {
        if (auto* window = qobject_cast<MainWindow*>(widget))
            window->m_actions->checkTheme(theme);
    }
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_settings->save();
    QMainWindow::closeEvent(event);
}

void MainWindow::updateActions()
{
    const bool hasSelection = (selectionKeeper()->selectedCount() > 0 || !selectionKeeper()->idsReady());
    const bool hasQueue = !selectedQueue().isEmpty();
    const bool hasMatches = taskModel()->totalCount() > 0;
    m_actions->updateEnabled(accessLevel(), hasSelection, hasQueue, hasMatches);
}

QString MainWindow::selectedQueue() const
{
    if (!m_queueView)
        return {};
    const QModelIndexList rows = m_queueView->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(QueueListModel::QueueNameRole).toString();
}

QList<qint64> MainWindow::selectedTaskIds() const
{
    return selectionKeeper()->selectedIds();
}

void MainWindow::showError(const QString& message)
{
    messageBar()->showMessage(MessageBar::Kind::Error, message);
}

void MainWindow::reloadViews()
{
    taskModel()->refresh();
    m_queueModel->reload();
    m_inspector->reload();
    m_sourcesPanel->model()->reload();
    m_failuresPanel->model()->reload();
    m_workersModel->reload();
}

bool MainWindow::confirm(const QString& question)
{
    if (m_confirm)
        return m_confirm(question);
    return QMessageBox::question(this, tr("QueueDesk"), question, QMessageBox::Yes | QMessageBox::No, QMessageBox::No)
        == QMessageBox::Yes;
}

void MainWindow::setPaused(const QString& queue, bool paused)
{
    if (isReadOnly())
        return;
    std::shared_ptr<QueueEngine> engine = m_engine;
    const QString what = queue.isEmpty() ? (paused ? tr("Pause all queues") : tr("Resume all queues"))
                                         : (paused ? tr("Pause %1").arg(queue) : tr("Resume %1").arg(queue));
    m_writer->run(what, [engine, queue, paused]() -> Result<qint64> {
        const Status s = engine->setPaused(queue, paused);
        if (!s)
            return s.error();
        return qint64(0);
    });
}

void MainWindow::setSourcePaused(const QString& source, bool paused)
{
    if (!isAdmin() || source.isEmpty())
        return;
    std::shared_ptr<QueueEngine> engine = m_engine;
    m_writer->run(paused ? tr("Pause source %1").arg(source) : tr("Resume source %1").arg(source),
        [engine, source, paused]() -> Result<qint64> {
            const Status s = engine->runInWriter(
                [&](TaskStore& store) -> Status { return store.setSourcePaused(source, paused); });
            if (!s)
                return s.error();
            return qint64(0);
        });
}

void MainWindow::forgetProcess(const QString& id, qint64 lastSeen)
{
    if (isReadOnly() || id.isEmpty())
        return;
    std::shared_ptr<QueueEngine> engine = m_engine;
    m_writer->run(tr("Forget process %1").arg(id), [engine, id, lastSeen]() -> Result<qint64> {
        bool removed = false;
        const Status s = engine->runInWriter([&](TaskStore& store) -> Status {
            const Result<bool> r = store.forgetProcess(id, lastSeen);
            if (!r)
                return r.error();
            removed = *r;
            return success();
        });
        if (!s)
            return s.error();
        if (!removed)
            return Error {ErrorCode::WrongState, tr("%1 beat again since it was shown lost: it is kept.").arg(id)};
        return qint64(0);
    });
}

void MainWindow::changeConcurrency()
{
    const QString queue = selectedQueue();
    if (queue.isEmpty() || isReadOnly())
        return;
    int current = 0;
    for (const QueueConfig& c : m_engine->queueConfigs()) {
        if (c.name == queue)
            current = c.concurrency;
    }
    bool ok = false;
    const int value = QInputDialog::getInt(this, tr("Concurrency of %1").arg(queue),
        tr("Tasks of this queue running at once in this process (0: no limit but the worker pool):"), current, 0, 1000,
        1, &ok);
    if (!ok || value == current)
        return;
    std::shared_ptr<QueueEngine> engine = m_engine;
    m_writer->run(tr("Set concurrency of %1 to %2").arg(queue).arg(value), [engine, queue, value]() -> Result<qint64> {
        const Status s = engine->setConcurrency(queue, value);
        if (!s)
            return s.error();
        return qint64(0);
    });
}

void MainWindow::enqueueTasks(const QList<NewTask>& tasks)
{
    if (isReadOnly() || tasks.isEmpty())
        return;
    std::shared_ptr<QueueEngine> engine = m_engine;
    m_writer->run(tr("Enqueue %1 task(s)").arg(formatCount(tasks.size())), [engine, tasks]() -> Result<qint64> {
        auto result = engine->enqueueBatch(tasks, EnqueueAudit::Record); // an admin's: audited
        if (!result)
            return result.error();
        return qint64(result->size());
    });
}

void MainWindow::showEnqueueDialog()
{
    EnqueueDialog dialog(m_engine->handlers(), m_queueModel->queueNames(), this);
    if (const QString queue = selectedQueue(); !queue.isEmpty())
        dialog.setQueue(queue);
    if (dialog.exec() == QDialog::Accepted && dialog.isInputValid())
        enqueueTasks(dialog.tasks());
}

SettingsDialog* MainWindow::showSettingsDialog()
{
    auto* dialog = new SettingsDialog(*m_engine, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_statusBar->setWorkerCount(dialog->workerCount());
        if (dialog->theme() != savedTheme())
            setTheme(dialog->theme());
        writeDatabaseSettings(dialog->settingChanges());
    });
    dialog->open();
    return dialog;
}

void MainWindow::writeDatabaseSettings(const QList<std::pair<QString, QJsonValue>>& changes)
{
    if (isReadOnly() || changes.isEmpty())
        return;
    std::shared_ptr<QueueEngine> engine = m_engine;
    m_writer->run(tr("Change the database's settings"), [engine, changes]() -> Result<qint64> {
        for (const auto& [key, value] : changes) {
            if (Status s = engine->setSetting(key, value); !s)
                return s.error();
        }
        return qint64(-1); // no task changed
    });
}

ExportDialog* MainWindow::showExportDialog(const std::optional<TaskFilter>& tasks, qint64 taskCount)
{
    auto* dialog = new ExportDialog(m_engine->options().store, tasks.value_or(taskModel()->filter()),
        tasks ? taskCount : taskModel()->totalCount(), m_queueModel->queueNames(), this);
    // Non-modal: a long export runs while the admin goes on working; the dialog goes away when it is done with.
    connect(dialog, &QDialog::finished, dialog, &QObject::deleteLater);
    connect(
        dialog, &ExportDialog::exportSucceeded, this, [this](const QString& path, qint64 rows, const QString& what) {
            messageBar()->showMessage(MessageBar::Kind::Info,
                tr("Exported %1 %2 to %3.").arg(formatCount(rows), what, QDir::toNativeSeparators(path)));
        });
    dialog->show();
    return dialog;
}

void MainWindow::openDatabase(const QString& path, DatabaseOpener::OpenMode mode)
{
    m_opener->open(path, mode);
}

} // namespace qd::ui
