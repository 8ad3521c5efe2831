#include "alertwatcher.h"

#include "core/taskstore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QSysInfo>
#include <QTimer>

#include <atomic>
#include <memory>

namespace qd::ui {

QList<AlertRuleStatus> AlertSnapshot::firing() const
{
    QList<AlertRuleStatus> result;
    for (const AlertRuleStatus& s : rules) {
        if (s.rule && s.rule->enabled && s.state.phase == AlertRuleState::Phase::Firing)
            result.append(s);
    }
    return result;
}

// The watcher's half on its own thread: the store, the monitor and the timer. Reports go back by queued calls.
class AlertWatcher::Loop : public QObject {
public:
    Loop(AlertWatcher* watcher, StoreOptions store, Options options, QString owner)
        : m_watcher(watcher)
        , m_storeOptions(std::move(store))
        , m_options(std::move(options))
        , m_owner(std::move(owner))
        , m_timer(this)
    {
        // The window's engine creates the database; the watcher never does.
        m_storeOptions.createIfMissing = false;
        if (!m_options.clock)
            m_options.clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
        m_timer.setInterval(m_options.intervalMs);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] { tick(); });
    }

    void start()
    {
        m_timer.start();
        tick();
    }

    void tick()
    {
        std::optional<AlertSnapshot> snapshot;
        QList<AlertTransition> transitions;
        QString error;
        if (TaskStore* store = open(error)) {
            const qint64 now = m_options.clock();
            if (m_options.evaluate) {
                if (!m_monitor) {
                    const qint64 lease = std::max<qint64>(m_options.leaseMs, qint64(m_options.intervalMs) * 3);
                    m_monitor.emplace(*store, m_owner, lease, m_options.commands);
                }
                auto changes = m_monitor->evaluateOnce(now);
                if (changes)
                    transitions = *changes;
                else
                    error = tr("Cannot evaluate the alert rules: %1").arg(changes.errorString());
            }
            QString readError;
            snapshot = read(*store, now, readError);
            if (!readError.isEmpty())
                error = readError;
        }
        QMetaObject::invokeMethod(
            m_watcher, [w = m_watcher, snapshot, transitions, error] { w->apply(snapshot, transitions, error); },
            Qt::QueuedConnection);
    }

    // On the watcher's thread as it finishes: the lease goes back, the connection closes where it was opened.
    void shutdown()
    {
        m_timer.stop();
        if (m_monitor)
            m_monitor->stop(); // best effort: an expired lease is taken over anyway
        m_monitor.reset();
        m_store.reset();
    }

private:
    static QString tr(const char* text) { return QCoreApplication::translate("qd::ui::AlertWatcher", text); }

    TaskStore* open(QString& error)
    {
        if (m_store)
            return m_store.get();
        auto opened = TaskStore::open(m_storeOptions);
        if (!opened) {
            error = tr("Cannot read the alert rules: %1").arg(opened.errorString());
            return nullptr;
        }
        m_store = std::move(opened).value();
        return m_store.get();
    }

    // Nothing when reading failed (`error` says why).
    std::optional<AlertSnapshot> read(TaskStore& store, qint64 now, QString& error)
    {
        AlertSnapshot snapshot;
        snapshot.readAt = now;
        snapshot.evaluatingHere = m_monitor && m_monitor->holdsLease();
        const auto records = store.alertRules();
        const auto monitor = store.alertMonitorRecord();
        const auto history = store.alertHistory(0, m_options.historyLimit);
        if (!records || !monitor || !history) {
            error = tr("Cannot read the alert rules: %1")
                        .arg(!records      ? records.errorString()
                                : !monitor ? monitor.errorString()
                                           : history.errorString());
            return std::nullopt;
        }
        // The saved states, read as the evaluator reads them.
        AlertEvaluator states;
        states.restoreStates(monitor->states);
        if (monitor->leaseExpiresAt >= now)
            snapshot.evaluator = monitor->owner;
        for (const AlertRuleRecord& record : *records) {
            AlertRuleStatus status;
            status.id = record.id;
            auto rule = AlertRule::fromJson(QJsonDocument::fromJson(record.definition).object());
            if (rule) {
                rule->id = record.id;
                status.rule = *rule;
            } else {
                status.unreadable = rule.errorString();
            }
            status.state = states.states().value(record.id);
            snapshot.rules.append(status);
        }
        snapshot.history = *history;
        return snapshot;
    }

    AlertWatcher* m_watcher;
    StoreOptions m_storeOptions;
    Options m_options;
    const QString m_owner;
    QTimer m_timer;
    std::unique_ptr<TaskStore> m_store;
    std::optional<AlertMonitor> m_monitor;
};

namespace {
// Several windows of one process are several evaluators, each with a lease owner of its own.
std::atomic<int> watcherCount {0};
} // namespace

AlertWatcher::AlertWatcher(const StoreOptions& store, Options options, QObject* parent)
    : QObject(parent)
    , m_owner(QStringLiteral("gui:%1:%2:%3")
                  .arg(QSysInfo::machineHostName())
                  .arg(QCoreApplication::applicationPid())
                  .arg(++watcherCount))
    , m_intervalMs(options.intervalMs)
    , m_startedAt(options.clock ? options.clock() : QDateTime::currentMSecsSinceEpoch())
{
    m_loop = new Loop(this, store, std::move(options), m_owner);
    m_thread.setObjectName(QStringLiteral("qd-alerts"));
    m_loop->moveToThread(&m_thread);
    connect(
        &m_thread, &QThread::finished, m_loop, [loop = m_loop] { loop->shutdown(); }, Qt::DirectConnection);
    m_thread.start();
}

AlertWatcher::~AlertWatcher()
{
    m_thread.quit();
    m_thread.wait();
    // As ReaderThread: deleted here, after the join, with the calls still posted to it.
    delete m_loop;
}

void AlertWatcher::start()
{
    QMetaObject::invokeMethod(
        m_loop, [loop = m_loop] { loop->start(); }, Qt::QueuedConnection);
}

void AlertWatcher::refresh()
{
    QMetaObject::invokeMethod(
        m_loop, [loop = m_loop] { loop->tick(); }, Qt::QueuedConnection);
}

void AlertWatcher::apply(
    const std::optional<AlertSnapshot>& snapshot, const QList<AlertTransition>& transitions, const QString& error)
{
    if (!error.isEmpty()) {
        if (error != m_lastError)
            Q_EMIT failed(error);
        m_lastError = error;
    } else {
        m_lastError.clear();
    }
    if (!transitions.isEmpty())
        Q_EMIT transitionsRecorded(transitions);
    // A failed read keeps what was shown: rules must not vanish for one locked read.
    if (snapshot) {
        m_snapshot = *snapshot;
        Q_EMIT snapshotChanged(m_snapshot);
    }
}

} // namespace qd::ui
