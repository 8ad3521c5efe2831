#pragma once

#include "chartpoint.h"
#include "core/monitoring/capacityforecast.h"
#include "core/task.h"
#include "ui/brokermonitor.h"

#include <QHash>

#include <QTimer>
#include <QWidget>

#include <algorithm>

class QComboBox;
class QLabel;

namespace qd {
class QueueEngine;
}

namespace qd::ui {

class ChartScopeBar;
class ReaderThread;
class TimeSeriesChart;

// The charts: tasks per state, enqueue/completion/failure rates, and wait p50/p95 beside run p50/p95/p99 over time,
// with the capacity forecast of the queued line drawn dashed ahead of now. Their scope (all queues by default, one
// queue or one task type) is chosen in the scope bar and named in every title; "line per queue" draws queued tasks,
// completions and wait p95 as a line per queue instead. Dragging across a chart zooms all three to that span. A
// bulk-enqueue spike is clipped off the rates chart with a marker. "Live" shows the engine's samples kept in a ring
// buffer; longer ranges read the metrics history on a reader thread (task types and run times are live only).
// Series are replaced at most once per 250 ms tick, whatever the sample rate.
//
// Thread contract: GUI thread only.
class StatsPanel : public QWidget {
    Q_OBJECT
public:
    enum class Range { Live, Hour, Day, Week };

    StatsPanel(QueueEngine* engine, ReaderThread* reader, QWidget* parent = nullptr);

    // Shows one queue only; empty for all queues (the Queues panel's selection).
    void setQueue(const QString& queue);
    void setScope(const ChartScope& scope);
    ChartScope scope() const { return m_scope; }
    // A line per queue (with all queues only): queued tasks, completions per second and wait p95.
    void setLinePerQueue(bool on);
    bool linePerQueue() const { return m_perQueue; }
    // Zooms every chart's time axis to [fromMs, toMs]; resetZoom() shows the whole range again.
    void setTimeZoom(qint64 fromMs, qint64 toMs);
    void resetZoom();
    bool isZoomed() const { return m_zoomTo > 0; }
    ChartScopeBar* scopeBar() const { return m_scopeBar; }
    // The status text beside the range ("Loading history…", why a chart is empty).
    QString statusText() const;
    // At most this many per-queue lines: the busiest queues.
    static constexpr int maxQueueLines = 10;
    void setRange(Range range);
    Range range() const { return m_range; }
    void addSample(const StatsSample& sample);
    // The capacity forecast of `queue` ("" for all), drawn dashed ahead of the live queued line when that queue is
    // shown: the fluid model and the design's L(t), from the last queued count on. `valid` false removes it.
    void setForecast(const QString& queue, const qd::CapacityForecast& forecast, bool valid);
    // How far ahead the forecast reaches: a third of the time shown, at least 30 s.
    static qint64 projectionSpanMs(qint64 shownMs) { return std::max<qint64>(30'000, shownMs / 3); }
    // A reading of the bridged RabbitMQ queues (BrokerMonitor): from the first one on, the state chart has a line of
    // their ready messages ("live" only): all of them added up, or one alone when its row is the queue shown.
    void addBrokerRows(const QList<qd::ui::BrokerQueueRow>& rows);
    // The state chart's RabbitMQ line; -1 before the first reading.
    int brokerSeries() const { return m_brokerSeries; }

    TimeSeriesChart* stateChart() const { return m_stateChart; }
    TimeSeriesChart* rateChart() const { return m_rateChart; }
    TimeSeriesChart* waitChart() const { return m_waitChart; }

    static constexpr int liveCapacity = 900; // 15 minutes at one sample a second
    // Per-second rows are folded into per-minute rows after a while: minutes cover every range past "live".
    static constexpr int historyResolutionSeconds = 60;

Q_SIGNALS:
    void chartsUpdated();
    // A chart was saved as PNG or SVG (from the "Save chart" menu or a chart's context menu), or could not be.
    void chartSaved(const QString& path);
    void chartSaveFailed(const QString& message);

private:
    void tick();
    void requestHistory();
    void rebuildLive();
    void noteNames(const StatsSample& sample);
    void updateTitles();
    // Sets up the charts' lines for the scope and mode (a line per figure, or per queue in `queues`).
    void setUpLines(const QStringList& queues);
    void drawFigures(const QList<ChartPoint>& points, const QList<ChartPoint>& allQueues);
    void drawPerQueue(const QList<QueueSample>& samples);
    QList<QPointF> brokerLine() const;
    void drawProjections(const QList<ChartPoint>& points, qint64 from, qint64& to);

    QueueEngine* m_engine;
    ReaderThread* m_reader;
    ChartScope m_scope;
    bool m_perQueue = false;
    QStringList m_lineQueues; // the queues with a line of their own, while m_perQueue
    int m_queuesWithoutLine = 0; // past maxQueueLines
    bool m_linesSetUp = false;
    qint64 m_zoomFrom = 0;
    qint64 m_zoomTo = 0; // 0: not zoomed
    Range m_range = Range::Live;
    QList<StatsSample> m_rawLive; // kept so switching scopes re-folds what was seen
    ChartRing m_live {liveCapacity}; // the scope's points
    ChartRing m_liveAllQueues {liveCapacity}; // the state chart's points in a task type's scope
    QList<QueueSample> m_historySamples;
    QList<ChartPoint> m_history;
    QStringList m_seenQueues;
    QStringList m_seenTypes;
    quint64 m_historyRequest = 0;
    bool m_dirty = true;
    QString m_forecastQueue;
    CapacityForecast m_forecast;
    bool m_forecastValid = false;
    struct BrokerReading {
        qint64 at = 0;
        QHash<QString, qint64> depths; // by row name ("rabbitmq: NAME"); unreadable queues left out
    };
    QList<BrokerReading> m_brokerLive;
    int m_brokerSeries = -1;
    QTimer m_tick;
    QComboBox* m_rangeBox;
    ChartScopeBar* m_scopeBar;
    QLabel* m_status;
    TimeSeriesChart* m_stateChart;
    TimeSeriesChart* m_rateChart;
    TimeSeriesChart* m_waitChart;
};

} // namespace qd::ui
