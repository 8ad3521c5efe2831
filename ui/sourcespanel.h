#pragma once

#include <QWidget>

class QPushButton;
class QSplitter;
class QTableView;

namespace qd::ui {

class ReaderThread;
class SourcesModel;
class TimeSeriesChart;

// The Sources panel: the spools and AMQP bridges of the database (SourcesModel) with Pause and Resume for the
// selected one, and a chart of the selected source's tasks created per second (the last 30 minutes, 30 s buckets). The
// panel only asks (pauseRequested); the window writes through its BackgroundWriter.
//
// Thread contract: GUI thread only.
class SourcesPanel : public QWidget {
    Q_OBJECT
public:
    explicit SourcesPanel(ReaderThread* reader, QWidget* parent = nullptr);

    SourcesModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    QPushButton* pauseButton() const { return m_pause; }
    QPushButton* resumeButton() const { return m_resume; }
    // Made when a source is first selected; null before.
    TimeSeriesChart* rateChart() const { return m_chart; }

    static constexpr qint64 chartSpanMs = 30 * 60 * 1000;
    static constexpr qint64 chartBucketMs = 30 * 1000;

    // A read-only window shows the sources but cannot pause them.
    void setWritable(bool writable);
    // The selected source's name; empty when none is selected.
    QString selectedSource() const;

Q_SIGNALS:
    void pauseRequested(const QString& name, bool paused);
    // The chart shows a new reply (tests wait for it).
    void rateChartUpdated();

private:
    void updateButtons();
    void ensureChart();
    void reloadChart();

    ReaderThread* m_reader;
    SourcesModel* m_model;
    QTableView* m_view;
    QPushButton* m_pause;
    QPushButton* m_resume;
    QSplitter* m_split = nullptr;
    TimeSeriesChart* m_chart = nullptr;
    quint64 m_chartRequest = 0;
    bool m_writable = true;
};

} // namespace qd::ui
