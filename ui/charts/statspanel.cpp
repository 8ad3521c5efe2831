#include "statspanel.h"

#include "chartscopebar.h"
#include "core/queueengine.h"
#include "timeserieschart.h"
#include "ui/readerthread.h"
#include "ui/taskformat.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QSet>
#include <QToolButton>
#include <QVBoxLayout>

namespace qd::ui {

namespace {

// Colours of the per-queue lines (Tableau 10): distinct on white and for most kinds of colour blindness.
QColor queueColor(int i)
{
    static const QColor palette[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
        QColor(0xd6, 0x27, 0x28), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2),
        QColor(0x7f, 0x7f, 0x7f), QColor(0xbc, 0xbd, 0x22), QColor(0x17, 0xbe, 0xcf)};
    return palette[i % int(std::size(palette))];
}

QList<QPointF> line(const QList<ChartPoint>& points, double ChartPoint::*field)
{
    QList<QPointF> out;
    out.reserve(points.size());
    for (const ChartPoint& p : points)
        out.append(QPointF(double(p.at), p.*field));
    return out;
}

QList<QPointF> countLine(const QList<ChartPoint>& points, TaskState state)
{
    QList<QPointF> out;
    out.reserve(points.size());
    for (const ChartPoint& p : points)
        out.append(QPointF(double(p.at), p.counts[std::size_t(state)]));
    return out;
}

} // namespace

StatsPanel::StatsPanel(QueueEngine* engine, ReaderThread* reader, QWidget* parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_reader(reader)
    , m_rangeBox(new QComboBox(this))
    , m_scopeBar(new ChartScopeBar(this))
    , m_status(new QLabel(this))
    , m_stateChart(new TimeSeriesChart(QString(), this))
    , m_rateChart(new TimeSeriesChart(QString(), this))
    , m_waitChart(new TimeSeriesChart(QString(), this))
{
    m_rangeBox->addItem(tr("Live"), int(Range::Live));
    m_rangeBox->addItem(tr("Last hour"), int(Range::Hour));
    m_rangeBox->addItem(tr("Last 24 hours"), int(Range::Day));
    m_rangeBox->addItem(tr("Last 7 days"), int(Range::Week));
    connect(m_rangeBox, &QComboBox::currentIndexChanged, this,
        [this](int i) { setRange(Range(m_rangeBox->itemData(i).toInt())); });
    m_status->setObjectName(QStringLiteral("chartStatus"));

    m_stateChart->setIntegerValues(true); // task counts: "0.5" would be nonsense
    // Short names: the legend shares a third of the panel's width with the three states.
    m_stateChart->addProjection(tr("fluid"), stateColor(TaskState::Queued));
    m_stateChart->addProjection(tr("L(t)"), stateColor(TaskState::Queued).darker(160));
    m_rateChart->setClipSpikes(true);
    for (const QueueConfig& c : m_engine->queueConfigs())
        m_seenQueues.append(c.name);
    m_scopeBar->setQueues(m_seenQueues);
    setUpLines({});
    updateTitles();

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Range:"), this));
    top->addWidget(m_rangeBox);
    top->addWidget(m_scopeBar);
    top->addWidget(m_status);
    top->addStretch();
    // For reports and post-mortems: each chart as PNG or SVG (also on each chart's context menu).
    auto* save = new QToolButton(this);
    save->setObjectName(QStringLiteral("saveChartButton"));
    save->setText(tr("Save chart\u2026"));
    save->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(save);
    for (TimeSeriesChart* chart : {m_stateChart, m_rateChart, m_waitChart}) {
        QAction* action = menu->addAction(chart->title(), chart, &TimeSeriesChart::saveWithDialog);
        connect(menu, &QMenu::aboutToShow, action, [action, chart] { action->setText(chart->title()); });
        connect(chart, &TimeSeriesChart::saved, this, &StatsPanel::chartSaved);
        connect(chart, &TimeSeriesChart::saveFailed, this, &StatsPanel::chartSaveFailed);
        connect(chart, &TimeSeriesChart::timeZoomRequested, this, &StatsPanel::setTimeZoom);
        connect(chart, &TimeSeriesChart::zoomResetRequested, this, &StatsPanel::resetZoom);
    }
    save->setMenu(menu);
    top->addWidget(save);
    // Side by side: the panel sits under the table, where width is plentiful and height is not.
    auto* charts = new QHBoxLayout;
    charts->addWidget(m_stateChart, 1);
    charts->addWidget(m_rateChart, 1);
    charts->addWidget(m_waitChart, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addLayout(charts, 1);

    connect(m_scopeBar, &ChartScopeBar::scopeChanged, this, [this] { setScope(m_scopeBar->scope()); });
    connect(m_scopeBar, &ChartScopeBar::linePerQueueChanged, this, &StatsPanel::setLinePerQueue);
    connect(m_scopeBar, &ChartScopeBar::resetZoomRequested, this, &StatsPanel::resetZoom);
    connect(engine, &QueueEngine::statsSampled, this, &StatsPanel::addSample);
    connect(reader->reader(), &StoreReader::typesFetched, this, [this](const QStringList& types) {
        for (const QString& type : types) {
            if (!m_seenTypes.contains(type))
                m_seenTypes.append(type);
        }
        m_scopeBar->setTypes(m_seenTypes);
    });
    reader->post([](StoreReader* r) { r->fetchTypes(); });
    connect(reader->reader(), &StoreReader::samplesFetched, this,
        [this](quint64 requestId, const QList<QueueSample>& samples) {
            if (requestId != m_historyRequest || m_range == Range::Live)
                return; // the range or the scope changed since
            m_historySamples = samples;
            m_history = foldSamples(samples, m_scope.kind == ChartScope::Kind::Queue ? m_scope.name : QString());
            m_status->setText(m_history.isEmpty() ? tr("No history recorded for this range")
                                                  : tr("%n point(s)", nullptr, int(m_history.size())));
            m_dirty = true;
        });
    m_tick.setInterval(250);
    connect(&m_tick, &QTimer::timeout, this, &StatsPanel::tick);
    m_tick.start();
}

QString StatsPanel::statusText() const
{
    return m_status->text();
}

void StatsPanel::noteNames(const StatsSample& sample)
{
    bool queuesChanged = false;
    for (const QueueSample& q : sample.queues) {
        if (!m_seenQueues.contains(q.queue)) {
            m_seenQueues.append(q.queue);
            queuesChanged = true;
        }
    }
    if (queuesChanged)
        m_scopeBar->setQueues(m_seenQueues);
    bool typesChanged = false;
    for (const TypeSample& t : sample.types) {
        if (!m_seenTypes.contains(t.type)) {
            m_seenTypes.append(t.type);
            typesChanged = true;
        }
    }
    if (typesChanged)
        m_scopeBar->setTypes(m_seenTypes);
}

void StatsPanel::addSample(const StatsSample& sample)
{
    noteNames(sample);
    m_rawLive.append(sample);
    if (m_rawLive.size() > liveCapacity)
        m_rawLive.remove(0, m_rawLive.size() - liveCapacity);
    auto append = [&sample](ChartRing& ring, const QList<ChartPoint>& points) {
        if (points.isEmpty()) {
            ChartPoint empty;
            empty.at = sample.at;
            ring.append(empty);
        }
        for (const ChartPoint& p : points)
            ring.append(p);
    };
    append(m_live, foldSample(sample, m_scope));
    if (m_scope.kind == ChartScope::Kind::TaskType)
        append(m_liveAllQueues, foldSamples(sample.queues, QString()));
    if (m_range == Range::Live)
        m_dirty = true;
}

void StatsPanel::addBrokerRows(const QList<BrokerQueueRow>& rows)
{
    if (m_brokerLive.isEmpty())
        m_linesSetUp = false; // the state chart gains its RabbitMQ line at the next draw
    BrokerReading reading;
    reading.at = QDateTime::currentMSecsSinceEpoch();
    for (const BrokerQueueRow& row : rows) {
        if (row.stats.depth >= 0)
            reading.depths.insert(row.displayName(), row.stats.depth);
    }
    m_brokerLive.append(reading);
    if (m_brokerLive.size() > liveCapacity)
        m_brokerLive.remove(0, m_brokerLive.size() - liveCapacity);
    if (m_range == Range::Live)
        m_dirty = true;
}

void StatsPanel::rebuildLive()
{
    m_live.clear();
    m_liveAllQueues.clear();
    for (const StatsSample& sample : std::as_const(m_rawLive)) {
        for (const ChartPoint& p : foldSample(sample, m_scope))
            m_live.append(p);
        if (m_scope.kind == ChartScope::Kind::TaskType) {
            for (const ChartPoint& p : foldSamples(sample.queues, QString()))
                m_liveAllQueues.append(p);
        }
    }
}

void StatsPanel::setQueue(const QString& queue)
{
    setScope(queue.isEmpty() ? ChartScope::allQueues() : ChartScope::queue(queue));
}

void StatsPanel::setScope(const ChartScope& scope)
{
    if (scope == m_scope)
        return;
    m_scope = scope;
    m_scopeBar->setScope(scope);
    if (scope.kind != ChartScope::Kind::AllQueues && m_perQueue) {
        m_perQueue = false;
        m_scopeBar->setLinePerQueue(false);
    }
    m_linesSetUp = false;
    rebuildLive();
    updateTitles();
    m_dirty = true;
    if (m_range != Range::Live)
        requestHistory();
}

void StatsPanel::setLinePerQueue(bool on)
{
    if (on && m_scope.kind != ChartScope::Kind::AllQueues)
        on = false; // one queue or one type has no lines per queue
    m_scopeBar->setLinePerQueue(on);
    if (on == m_perQueue)
        return;
    m_perQueue = on;
    m_linesSetUp = false;
    updateTitles();
    m_dirty = true;
}

void StatsPanel::setTimeZoom(qint64 fromMs, qint64 toMs)
{
    if (toMs <= fromMs)
        return;
    m_zoomFrom = fromMs;
    m_zoomTo = toMs;
    m_scopeBar->setZoomed(true);
    m_dirty = true;
}

void StatsPanel::resetZoom()
{
    m_zoomFrom = m_zoomTo = 0;
    m_scopeBar->setZoomed(false);
    m_dirty = true;
}

void StatsPanel::setRange(Range range)
{
    m_range = range;
    const int i = m_rangeBox->findData(int(range));
    if (i != m_rangeBox->currentIndex())
        m_rangeBox->setCurrentIndex(i);
    m_history.clear();
    m_historySamples.clear();
    m_status->clear();
    resetZoom(); // a span of the old range means nothing in the new one
    if (range != Range::Live)
        requestHistory();
}

void StatsPanel::requestHistory()
{
    if (m_scope.kind == ChartScope::Kind::TaskType) {
        // Per-type figures are not in the metrics history: say so rather than draw an empty chart.
        ++m_historyRequest; // a reply still on its way is stale
        m_history.clear();
        m_historySamples.clear();
        m_status->setText(tr("Task types are charted live only"));
        m_dirty = true;
        return;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 span = m_range == Range::Hour ? 3600'000LL : m_range == Range::Day ? 86400'000LL : 7 * 86400'000LL;
    const int resolution = historyResolutionSeconds;
    QStringList queues;
    if (m_scope.kind == ChartScope::Kind::Queue) {
        queues.append(m_scope.name);
    } else {
        for (const QueueConfig& c : m_engine->queueConfigs())
            queues.append(c.name);
    }
    m_status->setText(tr("Loading history\u2026"));
    m_reader->post([id = ++m_historyRequest, queues, resolution, from = now - span, now](
                       StoreReader* r) { r->fetchSamples(id, queues, resolution, from, now); });
}

void StatsPanel::updateTitles()
{
    const QString scope = m_scope.describe();
    if (m_perQueue) {
        // More queues than lines: the titles say which ones are drawn.
        const QString which = m_queuesWithoutLine > 0 ? tr("per queue, the %1 busiest of %2")
                                                            .arg(m_lineQueues.size())
                                                            .arg(m_lineQueues.size() + m_queuesWithoutLine)
                                                      : tr("per queue");
        m_stateChart->setTitle(tr("Queued tasks, %1").arg(which));
        m_rateChart->setTitle(tr("Completed per second, %1").arg(which));
        m_waitChart->setTitle(tr("Wait p95 (ms), %1").arg(which));
    } else if (m_scope.kind == ChartScope::Kind::TaskType) {
        // Counts by state are kept per queue: the state chart says whose they are.
        m_stateChart->setTitle(tr("Tasks by state: %1").arg(ChartScope::allQueues().describe()));
        m_rateChart->setTitle(tr("Completed and failed per second: %1").arg(scope));
        m_waitChart->setTitle(tr("Run time (ms): %1").arg(scope));
    } else {
        m_stateChart->setTitle(tr("Tasks by state: %1").arg(scope));
        m_rateChart->setTitle(tr("Rates per second: %1").arg(scope));
        m_waitChart->setTitle(tr("Wait and run time (ms): %1").arg(scope));
    }
}

void StatsPanel::setUpLines(const QStringList& queues)
{
    for (TimeSeriesChart* chart : {m_stateChart, m_rateChart, m_waitChart})
        chart->clearSeries();
    m_lineQueues = queues;
    m_linesSetUp = true;
    if (m_perQueue) {
        for (TimeSeriesChart* chart : {m_stateChart, m_rateChart, m_waitChart}) {
            for (int i = 0; i < queues.size(); ++i)
                chart->addSeries(queues.at(i), queueColor(i));
        }
        return;
    }
    for (TaskState s : allTaskStates) {
        // Finished tasks pile up forever; their totals would flatten the lines an admin watches.
        if (!isFinal(s))
            m_stateChart->addSeries(taskStateName(s), stateColor(s));
    }
    // A task type has no enqueue rate or wait: those are counted per queue.
    const bool type = m_scope.kind == ChartScope::Kind::TaskType;
    m_brokerSeries
        = m_brokerLive.isEmpty() || type ? -1 : m_stateChart->addSeries(tr("RabbitMQ ready"), QColor(0xff, 0x66, 0x00));
    if (!type)
        m_rateChart->addSeries(tr("enqueued"), stateColor(TaskState::Queued));
    m_rateChart->addSeries(tr("completed"), stateColor(TaskState::Succeeded));
    m_rateChart->addSeries(tr("failed"), stateColor(TaskState::Failed));
    if (!type) {
        m_waitChart->addSeries(tr("wait p50"), QColor(0x94, 0x67, 0xbd));
        m_waitChart->addSeries(tr("wait p95"), QColor(0xe3, 0x77, 0xc2));
    }
    m_waitChart->addSeries(tr("run p50"), QColor(0x17, 0xbe, 0xcf));
    m_waitChart->addSeries(tr("run p95"), QColor(0x1f, 0x77, 0xb4));
    m_waitChart->addSeries(tr("run p99"), QColor(0x0b, 0x3d, 0x5c));
}

void StatsPanel::drawFigures(const QList<ChartPoint>& points, const QList<ChartPoint>& allQueues)
{
    if (!m_linesSetUp || m_perQueue)
        setUpLines({});
    int series = 0;
    for (TaskState s : allTaskStates) {
        if (!isFinal(s))
            m_stateChart->setSeriesPoints(series++, countLine(allQueues, s));
    }
    if (m_brokerSeries >= 0)
        m_stateChart->setSeriesPoints(m_brokerSeries, brokerLine());
    const bool type = m_scope.kind == ChartScope::Kind::TaskType;
    QList<double ChartPoint::*> rates {&ChartPoint::completedPerSecond, &ChartPoint::failedPerSecond};
    QList<double ChartPoint::*> times {&ChartPoint::runP50Ms, &ChartPoint::runP95Ms, &ChartPoint::runP99Ms};
    if (!type) {
        rates.prepend(&ChartPoint::enqueuedPerSecond);
        times = QList<double ChartPoint::*> {&ChartPoint::waitP50Ms, &ChartPoint::waitP95Ms} + times;
    }
    for (int i = 0; i < rates.size(); ++i)
        m_rateChart->setSeriesPoints(i, line(points, rates.at(i)));
    for (int i = 0; i < times.size(); ++i)
        m_waitChart->setSeriesPoints(i, line(points, times.at(i)));
}

// The bridged RabbitMQ queues' ready messages ("live" only): all added up, or one alone when its row is the scope.
QList<QPointF> StatsPanel::brokerLine() const
{
    QList<QPointF> ready;
    if (m_range != Range::Live)
        return ready;
    const bool one = m_scope.kind == ChartScope::Kind::Queue;
    for (const BrokerReading& r : std::as_const(m_brokerLive)) {
        if (!one && !r.depths.isEmpty()) {
            qint64 sum = 0;
            for (qint64 depth : r.depths)
                sum += depth;
            ready.append(QPointF(double(r.at), double(sum)));
        } else if (one && r.depths.contains(m_scope.name)) {
            ready.append(QPointF(double(r.at), double(r.depths.value(m_scope.name))));
        }
    }
    return ready;
}

void StatsPanel::drawPerQueue(const QList<QueueSample>& samples)
{
    const QMap<QString, QList<ChartPoint>> byQueue = splitByQueue(samples);
    QStringList queues = byQueue.keys();
    if (queues.size() > maxQueueLines) {
        // The busiest: the most tasks waiting or running at any time shown.
        QHash<QString, double> load;
        for (auto it = byQueue.cbegin(); it != byQueue.cend(); ++it) {
            for (const ChartPoint& p : it.value()) {
                load[it.key()] = std::max(load.value(it.key()),
                    p.counts[std::size_t(TaskState::Queued)] + p.counts[std::size_t(TaskState::Running)]);
            }
        }
        std::stable_sort(queues.begin(), queues.end(),
            [&load](const QString& a, const QString& b) { return load.value(a) > load.value(b); });
        queues.resize(maxQueueLines);
        queues.sort();
    }
    if (!m_linesSetUp || !m_perQueue || queues != m_lineQueues) {
        setUpLines(queues);
        m_queuesWithoutLine = int(byQueue.size() - queues.size());
        updateTitles();
    }
    for (int i = 0; i < queues.size(); ++i) {
        const QList<ChartPoint>& points = byQueue[queues.at(i)];
        m_stateChart->setSeriesPoints(i, countLine(points, TaskState::Queued));
        m_rateChart->setSeriesPoints(i, line(points, &ChartPoint::completedPerSecond));
        m_waitChart->setSeriesPoints(i, line(points, &ChartPoint::waitP95Ms));
    }
}

void StatsPanel::tick()
{
    if (!m_dirty)
        return;
    m_dirty = false;
    QList<ChartPoint> points;
    if (m_range == Range::Live) {
        points.reserve(m_live.size());
        for (int i = 0; i < m_live.size(); ++i)
            points.append(m_live.at(i));
    } else {
        points = m_history;
    }
    // Where nothing was measured (the app was not running, or the engine stalled) the charts show a gap: a
    // missing per-minute row is more than one resolution step after the one before it. Live samples come every
    // sample interval; a few late ones are jitter, not a gap.
    const qint64 gap = m_range == Range::Live ? 3 * std::max<qint64>(1000, m_engine->options().sampleIntervalMs)
                                              : qint64(historyResolutionSeconds) * 1000 * 3 / 2;
    for (TimeSeriesChart* chart : {m_stateChart, m_rateChart, m_waitChart})
        chart->setGapThreshold(gap);
    if (m_perQueue) {
        QList<QueueSample> samples;
        if (m_range == Range::Live) {
            for (const StatsSample& s : std::as_const(m_rawLive))
                samples += s.queues;
        } else {
            samples = m_historySamples;
        }
        drawPerQueue(samples);
    } else if (m_scope.kind == ChartScope::Kind::TaskType) {
        QList<ChartPoint> allQueues;
        if (m_range == Range::Live) {
            for (int i = 0; i < m_liveAllQueues.size(); ++i)
                allQueues.append(m_liveAllQueues.at(i));
        }
        drawFigures(points, allQueues);
    } else {
        drawFigures(points, points);
    }

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 from = now - 60'000;
    if (m_range == Range::Live && !points.isEmpty())
        from = std::min(from, points.first().at);
    else if (m_range == Range::Hour)
        from = now - 3600'000LL;
    else if (m_range == Range::Day)
        from = now - 86400'000LL;
    else if (m_range == Range::Week)
        from = now - 7 * 86400'000LL;
    qint64 to = m_range == Range::Live && !points.isEmpty() ? std::max(now, points.last().at) : now;
    if (isZoomed()) {
        from = m_zoomFrom;
        to = m_zoomTo;
    }
    for (TimeSeriesChart* chart : {m_rateChart, m_waitChart}) {
        chart->setTimeRange(from, to);
        chart->fitValues();
    }
    qint64 stateTo = to;
    if (!isZoomed())
        drawProjections(points, from, stateTo);
    m_stateChart->setTimeRange(from, stateTo);
    m_stateChart->fitValues();
    Q_EMIT chartsUpdated();
}

void StatsPanel::setForecast(const QString& queue, const CapacityForecast& forecast, bool valid)
{
    m_forecastQueue = queue;
    m_forecast = forecast;
    m_forecastValid = valid;
    m_dirty = true;
}

void StatsPanel::drawProjections(const QList<ChartPoint>& points, qint64 from, qint64& to)
{
    const CapacityInputs& in = m_forecast.inputs;
    const bool forecastShown
        = m_scope.kind != ChartScope::Kind::TaskType && !m_perQueue && m_forecastQueue == m_scope.name;
    if (m_range != Range::Live || !m_forecastValid || !forecastShown || points.isEmpty()
        || in.servicePerWorkerPerSecond <= 0) {
        m_stateChart->setProjectionPoints(0, {});
        m_stateChart->setProjectionPoints(1, {});
        return;
    }
    // From the last queued count shown, with the forecast's λ, μ and c (the what-if's, when changed).
    const ChartPoint& last = points.last();
    const double length0 = last.counts[std::size_t(TaskState::Queued)];
    const qint64 span = projectionSpanMs(to - from);
    constexpr int steps = 40;
    QList<QPointF> fluid, design;
    for (int i = 0; i <= steps; ++i) {
        const double t = double(span) / 1000 * i / steps;
        const double x = double(last.at) + t * 1000;
        fluid.append(QPointF(
            x, queuemodel::fluidLength(length0, in.arrivalsPerSecond, in.servicePerWorkerPerSecond, in.workers, t)));
        design.append(QPointF(
            x, queuemodel::designLength(length0, in.arrivalsPerSecond, in.servicePerWorkerPerSecond * in.workers, t)));
    }
    m_stateChart->setProjectionPoints(0, fluid);
    m_stateChart->setProjectionPoints(1, design);
    to = std::max(to, last.at + span);
}

} // namespace qd::ui
