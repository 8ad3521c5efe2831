#pragma once

#include <QList>

class QAction;
class QDialog;
class QMessageBox;
class QWidget;

namespace qd::ui {

// Help > Keyboard shortcuts: every action that has a shortcut, with its key sequence, plus the keys that are not
// actions (Tab between panels, Ctrl+F's search). Non-modal; deletes itself when closed.
QDialog* showShortcutsDialog(const QList<QAction*>& actions, QWidget* parent);

// Help > About: the version, what QueueDesk is, Qt's version. Window-modal; deletes itself when closed.
QMessageBox* showAboutBox(QWidget* parent);

} // namespace qd::ui
