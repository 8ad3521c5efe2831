#pragma once

#include "core/result.h"
#include "themesetting.h"

#include <QDialog>
#include <QJsonValue>

class QComboBox;
class QLabel;
class QSpinBox;

namespace qd {
class QueueEngine;
}

namespace qd::ui {

class DatabaseSettingsEditor;

// Settings: those of the database (this window's workers, remembered per database; the database's own settings,
// shared by every process: what the `command` type may run, where `notify` may send, how long history is kept) and
// the user's own (the theme). A read-only window shows the database's settings without letting them change. The
// dialog never writes: on accept (refused while a field is invalid) the caller applies workerCount(), theme() and
// settingChanges().
//
// Thread contract: GUI thread only; reads engine memory only.
class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    SettingsDialog(const QueueEngine& engine, QWidget* parent = nullptr);

    int workerCount() const;
    Theme theme() const;
    void setTheme(Theme theme);

    // The database settings changed, as checked when the dialog was accepted (see DatabaseSettingsEditor).
    QList<std::pair<QString, QJsonValue>> settingChanges() const { return m_changes; }
    DatabaseSettingsEditor* databaseSettingsEditor() const { return m_editor; }

    // What the command type may run in this program, in a sentence ("Off: …" or the allow-list).
    static QString commandPolicyText(const QueueEngine& engine);

    void accept() override;

private:
    QSpinBox* m_workers;
    QComboBox* m_theme;
    DatabaseSettingsEditor* m_editor;
    QList<std::pair<QString, QJsonValue>> m_changes;
};

} // namespace qd::ui
