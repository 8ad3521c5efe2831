#pragma once

#include "core/monitoring/capacityforecast.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QStandardItemModel;
class QTableView;

namespace qd::ui {

class CapacityTracker;

// The capacity panel (issue 18): per queue and for all, λ, μ per worker, c and ρ as CapacityTracker estimates them
// over the chosen window (1, 5 or 15 min), M/M/c's predictions beside the measured wait and length, a Little's law
// check, and the forecast sentence. What-if spin boxes for c and λ recompute the selected row's forecast at once
// (forecastCapacity, the function `stats --capacity` uses; pure arithmetic on the GUI thread).
//
// Thread contract: GUI thread only.
class CapacityPanel : public QWidget {
    Q_OBJECT
public:
    enum Column {
        QueueColumn,
        WaitingColumn,
        ArrivalsColumn,
        ServiceColumn,
        WorkersColumn,
        UtilisationColumn,
        WaitProbabilityColumn,
        PredictedWaitColumn,
        MeasuredWaitColumn,
        PredictedLengthColumn,
        MeasuredLengthColumn,
        LittleColumn,
        ForecastColumn,
        ColumnCount
    };

    CapacityPanel(CapacityTracker* tracker, QWidget* parent = nullptr);

    // The row the forecast and the what-if are for: a queue, or "" for all queues.
    void setQueue(const QString& queue);
    QString queue() const { return m_queue; }
    void setWindowSeconds(int seconds);
    int windowSeconds() const;

    // The forecast of the selected row with the what-if values (the measured one while they are untouched).
    const CapacityForecast& forecast() const { return m_forecast; }
    bool hasForecast() const { return m_hasForecast; }

    QTableView* table() const { return m_view; }
    QStandardItemModel* model() const { return m_model; }

Q_SIGNALS:
    // The selected row's forecast moved (new measurements, another row, a what-if change); `valid` is false when
    // nothing is measured for it yet. Drawn ahead of the live queue-length chart.
    void forecastChanged(const QString& queue, const qd::CapacityForecast& forecast, bool valid);

private:
    void rebuild(); // the table from the tracker's estimates
    void showSelected(); // the sentence and the what-if for m_queue
    void updateWhatIf();
    void resetWhatIf();
    int rowOf(const QString& queue) const;

    CapacityTracker* m_tracker;
    QString m_queue;
    QComboBox* m_window;
    QTableView* m_view;
    QStandardItemModel* m_model;
    QLabel* m_title;
    QLabel* m_sentence;
    QSpinBox* m_workers;
    QDoubleSpinBox* m_arrivals;
    QPushButton* m_reset;
    QLabel* m_whatIf;
    CapacityInputs m_measured;
    CapacityForecast m_forecast;
    bool m_hasForecast = false;
    bool m_whatIfTouched = false; // the admin changed c or λ: measurements no longer overwrite them
    bool m_settingWhatIf = false;
};

} // namespace qd::ui
