#include "statspanel.h"

#include "core/queueengine.h"
#include "timeserieschart.h"
#include "ui/readerthread.h"
#include "ui/taskformat.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QToolButton>
#include <QVBoxLayout>

namespace qd::ui {

StatsPanel::StatsPanel(QueueEngine* engine, ReaderThread* reader, QWidget* parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_reader(reader)
    , m_rangeBox(new QComboBox(this))
    , m_status(new QLabel(this))
    , m_stateChart(new TimeSeriesChart(tr("Tasks by state"), this))
    , m_rateChart(new TimeSeriesChart(tr("Rates (per second)"), this))
    , m_waitChart(new TimeSeriesChart(tr("Wait time (ms)"), this))
{
    m_rangeBox->addItem(tr("Live"), int(Range::Live));
    m_rangeBox->addItem(tr("Last hour"), int(Range::Hour));
    m_rangeBox->addItem(tr("Last 24 hours"), int(Range::Day));
    m_rangeBox->addItem(tr("Last 7 days"), int(Range::Week));
    connect(m_rangeBox, &QComboBox::currentIndexChanged, this,
        [this](int i) { setRange(Range(m_rangeBox->itemData(i).toInt())); });

    for (TaskState s : allTaskStates) {
        // Finished tasks pile up forever; their totals would flatten the lines an admin watches.
        if (!isFinal(s))
            m_stateChart->addSeries(taskStateName(s), stateColor(s));
    }
    m_stateChart->setIntegerValues(true); // task counts: "0.5" would be nonsense
    // Short names: the legend shares a third of the panel's width with the three states.
    m_stateChart->addProjection(tr("fluid"), stateColor(TaskState::Queued));
    m_stateChart->addProjection(tr("L(t)"), stateColor(TaskState::Queued).darker(160));
    m_rateChart->addSeries(tr("enqueued"), stateColor(TaskState::Queued));
    m_rateChart->addSeries(tr("completed"), stateColor(TaskState::Succeeded));
    m_rateChart->addSeries(tr("failed"), stateColor(TaskState::Failed));
    m_waitChart->addSeries(tr("p50"), QColor(0x94, 0x67, 0xbd));
    m_waitChart->addSeries(tr("p95"), QColor(0xe3, 0x77, 0xc2));

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Range:"), this));
    top->addWidget(m_rangeBox);
    top->addWidget(m_status);
    top->addStretch();
    // For reports and post-mortems: each chart as PNG or SVG (also on each chart's context menu).
    auto* save = new QToolButton(this);
    save->setObjectName(QStringLiteral("saveChartButton"));
    save->setText(tr("Save chart\u2026"));
    save->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(save);
    for (TimeSeriesChart* chart : {m_stateChart, m_rateChart, m_waitChart}) {
        menu->addAction(chart->title(), chart, &TimeSeriesChart::saveWithDialog);
        connect(chart, &TimeSeriesChart::saved, this, &StatsPanel::chartSaved);
        connect(chart, &TimeSeriesChart::saveFailed, this, &StatsPanel::chartSaveFailed);
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

    connect(engine, &QueueEngine::statsSampled, this, &StatsPanel::addSample);
    connect(reader->reader(), &StoreReader::samplesFetched, this,
        [this](quint64 requestId, const QList<QueueSample>& samples) {
            if (requestId != m_historyRequest || m_range == Range::Live)
                return; // the range or the queue changed since
            m_history = foldSamples(samples, m_queue);
            m_status->setText(m_history.isEmpty() ? tr("No history recorded for this range")
                                                  : tr("%n point(s)", nullptr, int(m_history.size())));
            m_dirty = true;
        });
    m_tick.setInterval(250);
    connect(&m_tick, &QTimer::timeout, this, &StatsPanel::tick);
    m_tick.start();
}

void StatsPanel::addSample(const StatsSample& sample)
{
    m_rawLive.append(sample);
    if (m_rawLive.size() > liveCapacity)
        m_rawLive.remove(0, m_rawLive.size() - liveCapacity);
    const QList<ChartPoint> points = foldSamples(sample.queues, m_queue);
    if (points.isEmpty()) {
        ChartPoint empty;
        empty.at = sample.at;
        m_live.append(empty);
    }
    for (const ChartPoint& p : points)
        m_live.append(p);
    if (m_range == Range::Live)
        m_dirty = true;
}

void StatsPanel::addBrokerRows(const QList<BrokerQueueRow>& rows)
{
    if (m_brokerSeries < 0)
        m_brokerSeries = m_stateChart->addSeries(tr("RabbitMQ ready"), QColor(0xff, 0x66, 0x00));
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
    for (const StatsSample& sample : std::as_const(m_rawLive)) {
        for (const ChartPoint& p : foldSamples(sample.queues, m_queue))
            m_live.append(p);
    }
}

void StatsPanel::setQueue(const QString& queue)
{
    if (queue == m_queue)
        return;
    m_queue = queue;
    rebuildLive();
    m_dirty = true;
    if (m_range != Range::Live)
        requestHistory();
}

void StatsPanel::setRange(Range range)
{
    m_range = range;
    const int i = m_rangeBox->findData(int(range));
    if (i != m_rangeBox->currentIndex())
        m_rangeBox->setCurrentIndex(i);
    m_history.clear();
    m_status->clear();
    m_dirty = true;
    if (range != Range::Live)
        requestHistory();
}

void StatsPanel::requestHistory()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 span = m_range == Range::Hour ? 3600'000LL : m_range == Range::Day ? 86400'000LL : 7 * 86400'000LL;
    const int resolution = historyResolutionSeconds;
    const QStringList queues = m_queue.isEmpty() ? [this] {
        QStringList names;
        for (const QueueConfig& c : m_engine->queueConfigs())
            names.append(c.name);
        return names;
    }()
                                                 : QStringList {m_queue};
    m_status->setText(tr("Loading history\u2026"));
    m_reader->post([id = ++m_historyRequest, queues, resolution, from = now - span, now](
                       StoreReader* r) { r->fetchSamples(id, queues, resolution, from, now); });
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
    QList<QList<QPointF>> states(qsizetype(
        std::count_if(allTaskStates.cbegin(), allTaskStates.cend(), [](TaskState s) { return !isFinal(s); })));
    QList<QPointF> enq, done, failed, p50, p95;
    for (const ChartPoint& p : std::as_const(points)) {
        const double x = double(p.at);
        int series = 0;
        for (size_t s = 0; s < allTaskStates.size(); ++s) {
            if (!isFinal(allTaskStates[s]))
                states[series++].append(QPointF(x, p.counts[s]));
        }
        enq.append(QPointF(x, p.enqueuedPerSecond));
        done.append(QPointF(x, p.completedPerSecond));
        failed.append(QPointF(x, p.failedPerSecond));
        p50.append(QPointF(x, p.waitP50Ms));
        p95.append(QPointF(x, p.waitP95Ms));
    }
    for (int s = 0; s < states.size(); ++s)
        m_stateChart->setSeriesPoints(s, states.at(s));
    if (m_brokerSeries >= 0) {
        QList<QPointF> ready;
        for (const BrokerReading& r : std::as_const(m_brokerLive)) {
            if (m_range != Range::Live)
                break;
            if (m_queue.isEmpty() && !r.depths.isEmpty()) {
                qint64 sum = 0;
                for (qint64 depth : r.depths)
                    sum += depth;
                ready.append(QPointF(double(r.at), double(sum)));
            } else if (r.depths.contains(m_queue)) {
                ready.append(QPointF(double(r.at), double(r.depths.value(m_queue))));
            }
        }
        m_stateChart->setSeriesPoints(m_brokerSeries, ready);
    }
    m_rateChart->setSeriesPoints(0, enq);
    m_rateChart->setSeriesPoints(1, done);
    m_rateChart->setSeriesPoints(2, failed);
    m_waitChart->setSeriesPoints(0, p50);
    m_waitChart->setSeriesPoints(1, p95);

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
    const qint64 to = m_range == Range::Live && !points.isEmpty() ? std::max(now, points.last().at) : now;
    for (TimeSeriesChart* chart : {m_rateChart, m_waitChart}) {
        chart->setTimeRange(from, to);
        chart->fitValues();
    }
    qint64 stateTo = to;
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
    if (m_range != Range::Live || !m_forecastValid || m_forecastQueue != m_queue || points.isEmpty()
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
