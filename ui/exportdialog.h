#pragma once

#include "core/storeoptions.h"
#include "exportjob.h"

#include <QDialog>
#include <QElapsedTimer>
#include <QFileDialog>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace qd::ui {

// File > Export: tasks (the table's current filter, or all), the task-event history or the metric series, as CSV or
// JSON Lines, with a time range for events and metrics. The export runs in an ExportJob (its own thread and
// connection) with a progress bar and a Cancel button; the window stays usable meanwhile. Closing the dialog
// cancels a running export. A cancelled or failed export leaves no file under the chosen name.
//
// Thread contract: GUI thread only.
class ExportDialog : public QDialog {
    Q_OBJECT
public:
    enum class What { FilteredTasks, AllTasks, Events, Metrics };

    ExportDialog(StoreOptions store, TaskFilter currentFilter, qint64 currentCount, const QStringList& queues,
        QWidget* parent = nullptr);
    ~ExportDialog() override;

    void setWhat(What what);
    What what() const;
    void setFormat(ExportFormat format);
    ExportFormat format() const; // as chosen: Csv or JsonLines (the request says whether cells are made safe)
    QCheckBox* spreadsheetSafeBox() const { return m_spreadsheetSafe; }
    void setPath(const QString& path);
    QString path() const;
    void setTimeRange(qint64 fromMs, qint64 toMs);
    void setQueue(const QString& queue); // empty: every queue (events and metrics)
    void setResolutionSeconds(int seconds);
    void setFileDialogOptions(QFileDialog::Options options) { m_fileDialogOptions = options; }

    ExportRequest request() const;
    // Starts the export as the Export button does; returns false (and says why) when the input is not usable.
    bool startExport();
    void cancelExport();
    bool isExporting() const;
    ExportJob* job() const { return m_job; }
    QString statusText() const;
    QProgressBar* progressBar() const { return m_progress; }
    QPushButton* exportButton() const { return m_exportButton; }
    QPushButton* cancelButton() const { return m_cancelButton; }

    // Called with each new job before it starts (tests use it to set a progress hook).
    void setJobPreparer(std::function<void(ExportJob*)> prepare) { m_prepareJob = std::move(prepare); }

Q_SIGNALS:
    void exportSucceeded(const QString& path, qint64 rows, const QString& what);
    void exportFailed(const QString& message);

public Q_SLOTS:
    void reject() override;

private:
    void updateInputs();
    void browse();
    void onProgress(qint64 rows, qint64 total);
    void onFinished(bool ok, bool cancelled, qint64 rows, const QString& error);
    void setStatus(const QString& text, bool error);
    QString whatText() const;

    StoreOptions m_store;
    TaskFilter m_filter;
    QComboBox* m_what;
    QComboBox* m_format;
    QCheckBox* m_spreadsheetSafe;
    QComboBox* m_queue;
    QComboBox* m_resolution;
    QDateTimeEdit* m_from;
    QDateTimeEdit* m_to;
    QLineEdit* m_path;
    QPushButton* m_browse;
    QProgressBar* m_progress;
    QElapsedTimer m_exportClock; // since the export started: the estimate of the time left
    QLabel* m_status;
    QPushButton* m_exportButton;
    QPushButton* m_cancelButton;
    ExportJob* m_job = nullptr;
    QFileDialog::Options m_fileDialogOptions;
    std::function<void(ExportJob*)> m_prepareJob;
};

} // namespace qd::ui
