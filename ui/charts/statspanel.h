#pragma once

#include "chartpoint.h"
#include "core/task.h"

#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;

namespace qd {
class QueueEngine;
}

namespace qd::ui {

class ReaderThread;
class TimeSeriesChart;

// The charts: tasks per state, enqueue/completion/failure rates and wait p50/p95 over time. "Live" shows the
// engine's samples kept in a ring buffer; longer ranges read the metrics history on a reader thread. Series are
// replaced at most once per 250 ms tick, whatever the sample rate.
//
// Thread contract: GUI thread only.
class StatsPanel : public QWidget {
    Q_OBJECT
public:
    enum class Range { Live, Hour, Day, Week };

    StatsPanel(QueueEngine* engine, ReaderThread* reader, QWidget* parent = nullptr);

    // Shows one queue only; empty for all queues.
    void setQueue(const QString& queue);
    void setRange(Range range);
    Range range() const { return m_range; }
    void addSample(const StatsSample& sample);

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

    QueueEngine* m_engine;
    ReaderThread* m_reader;
    QString m_queue;
    Range m_range = Range::Live;
    QList<StatsSample> m_rawLive; // kept so switching queues re-folds what was seen
    ChartRing m_live {liveCapacity};
    QList<ChartPoint> m_history;
    quint64 m_historyRequest = 0;
    bool m_dirty = true;
    QTimer m_tick;
    QComboBox* m_rangeBox;
    QLabel* m_status;
    TimeSeriesChart* m_stateChart;
    TimeSeriesChart* m_rateChart;
    TimeSeriesChart* m_waitChart;
};

} // namespace qd::ui
