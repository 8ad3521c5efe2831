#include "mainwindow.h"

#include "core/queueengine.h"

#include <QLabel>

namespace qd::ui {

MainWindow::MainWindow(QueueEngine* engine, QWidget* parent)
    : QMainWindow(parent)
    , m_engine(engine)
{
    setWindowTitle(tr("QueueDesk"));
    setCentralWidget(new QLabel(tr("Database: %1").arg(engine->options().store.path), this));
    resize(1200, 800);
}

} // namespace qd::ui
