#include "capacitytracker.h"

#include "core/queueengine.h"
#include "readerthread.h"

#include <QDateTime>

#include <algorithm>

namespace qd::ui {

CapacityTracker::CapacityTracker(QueueEngine* engine, QObject* parent)
    : QObject(parent)
    , m_engine(engine)
    , m_reader(new ReaderThread(engine->options().store, this))
{
    connect(&m_timer, &QTimer::timeout, this, &CapacityTracker::refresh);
    connect(m_reader->reader(), &StoreReader::serviceStatsFetched, this,
        [this](quint64 id, qint64 from, qint64 to, const QHash<QString, ServiceStats>& stats) {
            const auto it = m_requests.constFind(id);
            if (it == m_requests.cend())
                return;
            const int windowIndex = it.value();
            m_requests.erase(it);
            observe(stats, queuedNow(), from, to, windowIndex);
        });
    connect(m_reader->reader(), &StoreReader::processesFetched, this,
        [this](quint64 id, const QList<ProcessRecord>& processes, const QString& error) {
            if (id == m_processesRequest && error.isEmpty())
                m_processes = processes; // on an error the last rows stand; the Workers view says why
        });
}

CapacityInputs CapacityTracker::inputs(const CapacityEstimator& estimator, const QString& queue) const
{
    CapacityInputs in = estimator.inputs();
    if (const std::optional<int> live = liveWorkersServing(m_processes, queue, QDateTime::currentMSecsSinceEpoch()))
        in.workers = *live;
    return in;
}

void CapacityTracker::start(int intervalMs)
{
    m_timer.setInterval(intervalMs);
    m_timer.start();
    refresh();
}

void CapacityTracker::refresh()
{
    // A read still outstanding (a slow database): skip this tick rather than pile reads up; the next slice covers it.
    if (!m_requests.isEmpty())
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Posted first, so the rows are in before the slices they serve are observed.
    m_reader->post([id = ++m_processesRequest](StoreReader* r) { r->fetchProcesses(id); });
    const auto fetch = [this](const EventSlices::Span& span, int windowIndex) {
        const quint64 id = ++m_lastRequest;
        m_requests.insert(id, windowIndex);
        m_reader->post([id, span](StoreReader* r) { r->fetchServiceStats(id, span.fromMs, span.toMs); });
    };
    if (!m_slices.started()) {
        for (int i = 0; i < int(windowSeconds.size()); ++i)
            fetch(m_slices.first(now, qint64(windowSeconds[i]) * 1000), i);
    } else if (const std::optional<EventSlices::Span> span = m_slices.next(now)) {
        fetch(*span, -1);
    }
}

QHash<QString, qint64> CapacityTracker::queuedNow() const
{
    QHash<QString, qint64> queued;
    const QHash<QString, StateCounts> counts = m_engine->counts();
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        queued.insert(it.key(), it.value()[std::size_t(TaskState::Queued)]);
    for (const QueueConfig& config : m_engine->queueConfigs())
        queued.insert(config.name, queued.value(config.name));
    return queued;
}

CapacityTracker::Estimators& CapacityTracker::estimatorsFor(const QString& queue)
{
    auto it = m_estimators.find(queue);
    if (it == m_estimators.end()) {
        Estimators e;
        for (int seconds : windowSeconds)
            e.byWindow.emplace_back(seconds);
        it = m_estimators.insert(queue, std::move(e));
    }
    return it.value();
}

void CapacityTracker::observe(const QHash<QString, ServiceStats>& stats, const QHash<QString, qint64>& queued,
    qint64 fromMs, qint64 toMs, int windowIndex)
{
    const double seconds = double(toMs - fromMs) / 1000;
    // Every queue known, served in this slice or not (a quiet slice is a measurement of nothing happening).
    QStringList names = queued.keys();
    for (auto it = stats.cbegin(); it != stats.cend(); ++it) {
        if (!it.key().isEmpty() && !names.contains(it.key()))
            names.append(it.key());
    }
    qint64 queuedTotal = 0;
    for (const QString& name : std::as_const(names))
        queuedTotal += queued.value(name);
    names.append(QString()); // all queues
    for (const QString& name : std::as_const(names)) {
        const ServiceStats served = stats.value(name);
        const qint64 waiting = name.isEmpty() ? queuedTotal : queued.value(name);
        Estimators& e = estimatorsFor(name);
        for (int i = 0; i < int(e.byWindow.size()); ++i) {
            if (windowIndex < 0 || windowIndex == i)
                e.byWindow[std::size_t(i)].observe(served, seconds, waiting, toMs);
        }
    }
    Q_EMIT updated();
}

QStringList CapacityTracker::queues() const
{
    QStringList names;
    for (auto it = m_estimators.cbegin(); it != m_estimators.cend(); ++it) {
        if (!it.key().isEmpty())
            names.append(it.key());
    }
    names.sort();
    return names;
}

const CapacityEstimator* CapacityTracker::estimator(const QString& queue, int seconds) const
{
    const auto it = m_estimators.constFind(queue);
    if (it == m_estimators.cend())
        return nullptr;
    for (const CapacityEstimator& e : it.value().byWindow) {
        if (int(e.windowSeconds()) == seconds && e.primed())
            return &e;
    }
    return nullptr;
}

} // namespace qd::ui
