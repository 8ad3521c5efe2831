#pragma once

#include <QMainWindow>

namespace qd {
class QueueEngine;
}

namespace qd::ui {

// The admin window. Thread contract: GUI thread only.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QueueEngine* engine, QWidget* parent = nullptr);

private:
    QueueEngine* m_engine;
};

} // namespace qd::ui
