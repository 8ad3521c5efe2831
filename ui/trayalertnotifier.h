#pragma once

#include "alertnotifier.h"

#include <memory>

class QSystemTrayIcon;
class QWidget;

namespace qd::ui {

// Desktop notifications through a tray icon, shown only while a notification is due (no icon sits in the tray of
// a window that never alerts).
//
// Thread contract: GUI thread only.
class TrayAlertNotifier final : public AlertNotifier {
public:
    // Null when the platform has no system tray (offscreen, some Wayland desktops): the banner alone tells.
    static std::unique_ptr<AlertNotifier> createIfAvailable(QWidget* window);
    ~TrayAlertNotifier() override;

    void notifyFired(const AlertTransition& fired) override;

private:
    explicit TrayAlertNotifier(QWidget* window);

    QSystemTrayIcon* m_icon;
};

} // namespace qd::ui
