#pragma once

#include <QWidget>

class QPushButton;
class QTableView;

namespace qd::ui {

class ReaderThread;
class SourcesModel;

// The Sources panel: the spools and AMQP bridges of the database (SourcesModel) with Pause and Resume for the
// selected one. The panel only asks (pauseRequested); the window writes through its BackgroundWriter.
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

    // A read-only window shows the sources but cannot pause them.
    void setWritable(bool writable);
    // The selected source's name; empty when none is selected.
    QString selectedSource() const;

Q_SIGNALS:
    void pauseRequested(const QString& name, bool paused);

private:
    void updateButtons();

    SourcesModel* m_model;
    QTableView* m_view;
    QPushButton* m_pause;
    QPushButton* m_resume;
    bool m_writable = true;
};

} // namespace qd::ui
