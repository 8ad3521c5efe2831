#pragma once

#include "bulkjob.h"
#include "core/failures/failurecluster.h"

#include <QWidget>

#include <optional>

class QLabel;
class QPushButton;
class QTableView;

namespace qd::ui {

class FailureClusterModel;
class ReaderThread;

// The Failures panel: failed attempts grouped by error signature, newest first (FailureClusterModel, read in the
// background while the panel shows), with Retry, Cancel, Purge and Export for the selected cluster. An action first
// reads the cluster's tasks as they are now, then asks the window (clusterActionRequested), whose BulkActions
// counts exactly what it changes and confirms. Double-click: the sample task in the inspector.
//
// Thread contract: GUI thread only.
class FailuresPanel : public QWidget {
    Q_OBJECT
public:
    explicit FailuresPanel(ReaderThread* reader, QWidget* parent = nullptr);

    FailureClusterModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    QPushButton* button(BulkJob::Op op) const;
    QPushButton* exportButton() const { return m_export; }

    // A read-only window shows the clusters and exports them, but cannot change their tasks.
    void setWritable(bool writable);
    // Purge cluster: an admin's (an operator's window retries and cancels only).
    void setPurgeAllowed(bool allowed);
    // The selected cluster's signature id; empty when none is selected.
    QString selectedCluster() const;

Q_SIGNALS:
    // Retry, Cancel or Purge (BulkJob::Op::Delete) the tasks `ids` of a cluster described by `scope`.
    void clusterActionRequested(qd::ui::BulkJob::Op op, const QList<qint64>& ids, const QString& scope);
    // Export the tasks `ids` of a cluster.
    void clusterExportRequested(const QList<qint64>& ids);
    void sampleTaskRequested(qint64 taskId);
    // An action found nothing to act on, or its read failed.
    void actionFailed(const QString& message);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void requestAction(int tag);
    void onClusterTasks(int tag, const std::optional<qd::FailureCluster>& cluster, const QString& error);
    void updateStatus();

    FailureClusterModel* m_model;
    QTableView* m_view;
    QLabel* m_status;
    QPushButton* m_retry;
    QPushButton* m_cancel;
    QPushButton* m_purge;
    QPushButton* m_export;
    bool m_writable = true;
    bool m_purgeAllowed = true;
};

} // namespace qd::ui
