#pragma once

#include "alertfiringnotices.h"
#include "core/monitoring/alertrule.h"
#include "messagebar.h"

#include <QObject>

#include <functional>
#include <memory>

class QWidget;

namespace qd {
class QueueEngine;
class TaskStore;
struct AlertTransition;
} // namespace qd

namespace qd::ui {

class AlertNotifier;
class AlertRuleDialog;
class AlertsPanel;
class AlertWatcher;
class BackgroundWriter;

// What the Alerts panel asks for: the rule editor, the confirmation of a removal, and each write in the background
// through the engine's writer, followed by a fresh read of the rules. Also tells the desktop (AlertNotifier) of each
// firing in the alert history since the window started, once, whichever process evaluated it (AlertFiringNotices).
// Outcomes are reported by `message` for the window to show.
//
// The engine is held weakly: the window's reference must stay the last one (see MainWindow's destructor).
//
// Thread contract: GUI thread only.
class AlertActions : public QObject {
    Q_OBJECT
public:
    using Confirm = std::function<bool(const QString& question)>;

    AlertActions(std::weak_ptr<QueueEngine> engine, bool writable, AlertWatcher* watcher, AlertsPanel* panel,
        Confirm confirm, QWidget* window);
    ~AlertActions() override;

    // Add (no rule) or edit a rule in a window-modal dialog; on OK the rule is written in the background. Null in
    // a read-only window. `queue`: the queue a new rule starts on.
    AlertRuleDialog* showDialog(
        const std::optional<AlertRule>& rule, const QStringList& queues, const QString& queue = {});
    void setNotifier(std::unique_ptr<AlertNotifier> notifier);
    // Blocks until the writes started so far have finished: for the window's destructor.
    void waitForWrites();

Q_SIGNALS:
    void message(qd::ui::MessageBar::Kind kind, const QString& text);

private:
    void write(const QString& what, std::function<Status(TaskStore&)> change);
    void remove(const AlertRule& rule);
    void setEnabled(const AlertRule& rule, bool enabled);
    void notify(const QList<AlertHistoryRecord>& history);

    std::weak_ptr<QueueEngine> m_engine;
    const bool m_writable;
    AlertWatcher* m_watcher;
    Confirm m_confirm;
    QWidget* m_window;
    BackgroundWriter* m_writer;
    std::unique_ptr<AlertNotifier> m_notifier;
    AlertFiringNotices m_notices;
};

} // namespace qd::ui
