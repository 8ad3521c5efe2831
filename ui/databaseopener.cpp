#include "databaseopener.h"

#include "serverconnectdialog.h"
#include "workercountsetting.h"

#include "core/databaseurl.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QMenu>
#include <QSettings>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>

namespace qd::ui {

namespace {
constexpr int maxRecentFiles = 8;
}

DatabaseOpener::DatabaseOpener(const EngineOptions& current, QWidget* window)
    : QObject(window)
    , m_current(current)
    , m_window(window)
{ }

void DatabaseOpener::chooseFile(OpenMode mode)
{
    const QString& location = m_current.store.path;
    const QString title = mode == OpenMode::ReadOnly ? tr("Open database read-only")
        : mode == OpenMode::Watch                    ? tr("Open database to watch (no workers)")
                                                     : tr("Open database");
    const QString path = QFileDialog::getOpenFileName(m_window, title,
        QFileInfo(isServerUrl(location) ? defaultDatabasePath() : location).absolutePath(),
        tr("QueueDesk databases (*.db *.sqlite);;All files (*)"));
    if (!path.isEmpty())
        open(path, mode);
}

void DatabaseOpener::chooseServer()
{
    auto* dialog = new ServerConnectDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setUrl(QSettings().value(QStringLiteral("lastServer"), QStringLiteral("postgresql://")).toString());
    connect(dialog, &ServerConnectDialog::urlAccepted, this, [this](const QString& text) {
        auto url = DatabaseUrl::parse(text);
        if (!url || !url->isServer()) { // the dialog accepts only a server URL that parses
            Q_EMIT failed(tr("Cannot connect: %1").arg(url ? text : url.errorString()));
            return;
        }
        // Without the password and the client key's path; with the TLS mode and CA, so the next time is verified too.
        QSettings().setValue(QStringLiteral("lastServer"), url->displayName());
        open(text, OpenMode::Run);
    });
    dialog->open();
}

void DatabaseOpener::open(const QString& path, OpenMode mode)
{
    EngineOptions options;
    options.store.path = path;
    options.store.readOnly = mode == OpenMode::ReadOnly;
    options.store.createIfMissing = false;
    options.workerCount = mode == OpenMode::Run ? savedWorkerCount(path, m_current.workerCount) : 0;
    options.handlers = m_current.handlers;
    options.processKind = m_current.processKind;
    options.store.actor = m_current.store.actor;
    QThread* guiThread = thread();
    using Opened = std::shared_ptr<Result<std::unique_ptr<QueueEngine>>>;
    auto* watcher = new QFutureWatcher<Opened>(this);
    connect(watcher, &QFutureWatcher<Opened>::finished, this, [this, watcher, path, mode] {
        watcher->deleteLater();
        Opened opened = watcher->result();
        if (!*opened) {
            Q_EMIT failed(tr("Cannot open %1: %2").arg(databaseDisplayName(path), opened->errorString()));
            return;
        }
        if (mode == OpenMode::Watch)
            saveWorkerCount(path, 0); // watching is this database's choice until the admin raises the workers
        Q_EMIT this->opened(std::shared_ptr<QueueEngine>(std::move(*opened).value()));
        updateRecentMenu();
    });
    // Opening checks and maybe migrates the schema: not on the GUI thread.
    watcher->setFuture(QtConcurrent::run([options, guiThread]() -> Opened {
        auto opened = std::make_shared<Result<std::unique_ptr<QueueEngine>>>(QueueEngine::open(options));
        if (*opened)
            (*opened)->get()->moveToThread(guiThread); // its queued signals and timers belong with the window
        return opened;
    }));
}

void DatabaseOpener::rememberCurrent() const
{
    QSettings settings;
    QStringList recent = settings.value(QStringLiteral("recentFiles")).toStringList();
    // A server is remembered without its password (libpq's ~/.pgpass is the place for that).
    const QString& location = m_current.store.path;
    const QString path = isServerUrl(location) ? databaseDisplayName(location) : QFileInfo(location).absoluteFilePath();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > maxRecentFiles)
        recent.removeLast();
    settings.setValue(QStringLiteral("recentFiles"), recent);
}

void DatabaseOpener::setRecentMenu(QMenu* menu)
{
    m_recentMenu = menu;
    updateRecentMenu();
}

void DatabaseOpener::updateRecentMenu()
{
    if (!m_recentMenu)
        return;
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QStringLiteral("recentFiles")).toStringList();
    for (const QString& path : recent) {
        QAction* a = m_recentMenu->addAction(path);
        connect(a, &QAction::triggered, this, [this, path] { open(path, OpenMode::Run); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

} // namespace qd::ui
