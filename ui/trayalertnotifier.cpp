#include "trayalertnotifier.h"

#include <QSystemTrayIcon>
#include <QWidget>

namespace qd::ui {

std::unique_ptr<AlertNotifier> TrayAlertNotifier::createIfAvailable(QWidget* window)
{
    if (!QSystemTrayIcon::isSystemTrayAvailable() || !QSystemTrayIcon::supportsMessages())
        return nullptr;
    return std::unique_ptr<AlertNotifier>(new TrayAlertNotifier(window));
}

TrayAlertNotifier::TrayAlertNotifier(QWidget* window)
    : m_icon(new QSystemTrayIcon(window->windowIcon(), window))
{
    m_icon->setToolTip(window->windowTitle());
    // A click on the notification brings the window forward, where the banner and the Alerts tab say more.
    QObject::connect(m_icon, &QSystemTrayIcon::messageClicked, window, [window] {
        window->showNormal();
        window->raise();
        window->activateWindow();
    });
}

TrayAlertNotifier::~TrayAlertNotifier() = default; // the icon is the window's child

void TrayAlertNotifier::notifyFired(const AlertTransition& fired)
{
    m_icon->show();
    m_icon->showMessage(QObject::tr("Alert: %1").arg(fired.ruleName), fired.message, QSystemTrayIcon::Warning, 15000);
}

} // namespace qd::ui
