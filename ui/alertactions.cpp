#include "alertactions.h"

#include "alertnotifier.h"
#include "alertruledialog.h"
#include "alertspanel.h"
#include "alertwatcher.h"
#include "backgroundwriter.h"
#include "core/queueengine.h"
#include "core/taskstore.h"
#include "trayalertnotifier.h"

#include <QDateTime>
#include <QJsonDocument>

namespace qd::ui {

AlertActions::AlertActions(std::weak_ptr<QueueEngine> engine, bool writable, AlertWatcher* watcher, AlertsPanel* panel,
    Confirm confirm, QWidget* window)
    : QObject(window)
    , m_engine(std::move(engine))
    , m_writable(writable)
    , m_watcher(watcher)
    , m_confirm(std::move(confirm))
    , m_window(window)
    , m_writer(new BackgroundWriter(this))
    , m_notifier(TrayAlertNotifier::createIfAvailable(window))
    , m_notices(watcher->startedAt())
{
    connect(panel, &AlertsPanel::removeRequested, this, &AlertActions::remove);
    connect(panel, &AlertsPanel::enableRequested, this, &AlertActions::setEnabled);
    connect(watcher, &AlertWatcher::snapshotChanged, this,
        [this](const AlertSnapshot& snapshot) { notify(snapshot.history); });
    connect(m_writer, &BackgroundWriter::writeFinished, this,
        [this](const QString& what, bool ok, qint64, const QString& error) {
            if (ok)
                Q_EMIT message(MessageBar::Kind::Info, tr("%1: done.").arg(what));
            else
                Q_EMIT message(MessageBar::Kind::Error, tr("%1 failed: %2").arg(what, error));
            m_watcher->refresh();
        });
}

AlertActions::~AlertActions() = default;

void AlertActions::setNotifier(std::unique_ptr<AlertNotifier> notifier)
{
    m_notifier = std::move(notifier);
}

void AlertActions::waitForWrites()
{
    m_writer->waitForAll();
}

void AlertActions::notify(const QList<AlertHistoryRecord>& history)
{
    // Taken even without a notifier: one set later must not replay what was already news.
    for (const AlertHistoryRecord& fired : m_notices.take(history)) {
        if (!m_notifier)
            continue;
        AlertTransition t;
        t.ruleId = fired.ruleId;
        t.ruleName = fired.ruleName;
        t.at = fired.at;
        t.figure = fired.figure;
        t.message = fired.message;
        m_notifier->notifyFired(t);
    }
}

AlertRuleDialog* AlertActions::showDialog(
    const std::optional<AlertRule>& rule, const QStringList& queues, const QString& queue)
{
    const std::shared_ptr<QueueEngine> engine = m_engine.lock();
    if (!m_writable || !engine)
        return nullptr;
    auto* dialog = new AlertRuleDialog(engine->handlers(), queues, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (rule)
        dialog->setRule(*rule);
    else if (!queue.isEmpty())
        dialog->setQueue(queue);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QByteArray definition = dialog->definition();
        const qint64 id = dialog->ruleId();
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (id > 0) {
            write(tr("Change alert rule %1").arg(id),
                [id, definition, now](TaskStore& store) { return store.updateAlertRule(id, definition, now); });
            return;
        }
        write(tr("Add alert rule \"%1\"").arg(dialog->rule().displayName()),
            [definition, now](TaskStore& store) -> Status {
                const Result<qint64> added = store.addAlertRule(definition, now);
                return added ? success() : Status(added.error());
            });
    });
    dialog->open();
    return dialog;
}

void AlertActions::write(const QString& what, std::function<Status(TaskStore&)> change)
{
    std::shared_ptr<QueueEngine> engine = m_engine.lock();
    if (!m_writable || !engine)
        return;
    m_writer->run(what, [engine, change = std::move(change)]() -> Result<qint64> {
        const Status s = engine->runInWriter(change);
        if (!s)
            return s.error();
        return qint64(0);
    });
}

void AlertActions::remove(const AlertRule& rule)
{
    if (!m_confirm(tr("Remove the alert rule \"%1\"?\n\nIts history stays; if it fires now, it resolves.")
                       .arg(rule.displayName())))
        return;
    const qint64 id = rule.id;
    write(tr("Remove alert rule %1").arg(id), [id](TaskStore& store) { return store.removeAlertRule(id); });
}

void AlertActions::setEnabled(const AlertRule& rule, bool enabled)
{
    AlertRule changed = rule;
    changed.enabled = enabled;
    changed.id = 0; // the row's id is the id
    const QByteArray definition = QJsonDocument(changed.toJson()).toJson(QJsonDocument::Compact);
    const qint64 id = rule.id;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    write(enabled ? tr("Enable alert rule %1").arg(id) : tr("Disable alert rule %1").arg(id),
        [id, definition, now](TaskStore& store) { return store.updateAlertRule(id, definition, now); });
}

} // namespace qd::ui
