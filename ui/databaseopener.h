#pragma once

#include "core/queueengine.h"

#include <QObject>

#include <memory>

class QMenu;
class QWidget;

namespace qd::ui {

// Opens other databases for a window, each to be shown in a window of its own: File > Open (read-only or not),
// File > Connect to a server (PostgreSQL or MariaDB, with TLS) and the recent list. Opening checks and maybe migrates
// the schema, or connects to a server: that runs on a pool thread, never on the GUI thread. The new engine has the
// window's handlers and the workers last chosen for that database (none to watch, none read-only).
//
// Thread contract: GUI thread only; `opened` and `failed` arrive there.
class DatabaseOpener : public QObject {
    Q_OBJECT
public:
    // `current`: the options of the window's own engine. Dialogs are children of `window`.
    DatabaseOpener(const EngineOptions& current, QWidget* window);

    enum class OpenMode {
        Run, // with the workers last chosen for the database (the window's own number the first time)
        Watch, // writable (retry, cancel, pause...) but with no workers; remembered for the database
        ReadOnly, // no writes at all
    };

    // Asks for a database file, then opens it.
    void chooseFile(OpenMode mode);
    // Asks for a server URL and its TLS (ServerConnectDialog, non-modal, objectName "connectServerDialog"), then
    // opens it.
    void chooseServer();
    void open(const QString& path, OpenMode mode);

    // Puts the window's own database at the top of the recent list (a server without its password).
    void rememberCurrent() const;
    // Fills `menu` with the recent list, now and after every database opened.
    void setRecentMenu(QMenu* menu);

Q_SIGNALS:
    void opened(std::shared_ptr<qd::QueueEngine> engine);
    void failed(const QString& message);

private:
    void updateRecentMenu();

    EngineOptions m_current;
    QWidget* m_window;
    QMenu* m_recentMenu = nullptr;
};

} // namespace qd::ui
