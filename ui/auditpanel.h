#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QTableView;

namespace qd::ui {

class AuditLogModel;
class ReaderThread;

// The Audit panel: every admin action on the database, newest first (AuditLogModel, read in the background every
// few seconds while the panel shows), with a choice of action and the number of rows shown.
//
// Thread contract: GUI thread only.
class AuditPanel : public QWidget {
    Q_OBJECT
public:
    explicit AuditPanel(ReaderThread* reader, QWidget* parent = nullptr);

    AuditLogModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    QComboBox* actionChooser() const { return m_action; }
    QLabel* status() const { return m_status; }

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void updateStatus();

    AuditLogModel* m_model;
    QTableView* m_view;
    QComboBox* m_action;
    QLabel* m_status;
};

} // namespace qd::ui
