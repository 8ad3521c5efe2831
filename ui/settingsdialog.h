#pragma once

#include "themesetting.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QSpinBox;

namespace qd {
class QueueEngine;
}

namespace qd::ui {

// Settings: those of the database (this window's workers, remembered per database; what the `command` type may run;
// how long history is kept) and the user's own (the theme). A read-only window shows the database's settings
// without letting them change. The dialog never writes: the caller applies workerCount() and theme() on accept.
//
// Thread contract: GUI thread only; reads engine memory only.
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    SettingsDialog(const QueueEngine& engine, QWidget* parent = nullptr);

    int workerCount() const;
    Theme theme() const;
    void setTheme(Theme theme);

    // What the command type may run in this program, in a sentence ("Off: …" or the allow-list).
    static QString commandPolicyText(const QueueEngine& engine);

private:
    QSpinBox* m_workers;
    QComboBox* m_theme;
};

} // namespace qd::ui
