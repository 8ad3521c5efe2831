#pragma once

#include "core/databasesettings.h"

#include <QWidget>

#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace qd::ui {

// The database's own settings as fields (core/databasesettings.h): the command type's allow-list of programs, the
// notify type's destinations, retention. Edits stay here until changes() is read: the caller writes them.
//
// Thread contract: GUI thread only; touches no database.
class DatabaseSettingsEditor : public QWidget {
    Q_OBJECT
public:
    DatabaseSettingsEditor(DatabaseSettings settings, bool readOnly, QWidget* parent = nullptr);

    // Adds `path` to the allow-list, or says why not (not an absolute path, not an executable file, listed already);
    // the reason is shown under the list too.
    std::optional<QString> addProgram(const QString& path);
    // The settings whose fields differ from the values given at construction, each checked by core's rules; or the
    // first field's error (also shown).
    Result<QList<std::pair<QString, QJsonValue>>> changes();

private:
    void browseForProgram();
    void removeSelectedPrograms();
    void showError(const QString& message);
    QJsonValue fieldValue(const QString& key) const;

    const DatabaseSettings m_settings;
    QListWidget* m_programs;
    QLineEdit* m_programPath;
    QPushButton* m_add;
    QPushButton* m_browse;
    QPushButton* m_remove;
    QCheckBox* m_refuseLoopback;
    QCheckBox* m_refusePrivate;
    QLineEdit* m_allowHosts;
    QSpinBox* m_endedTasksDays;
    QSpinBox* m_metricsDays;
    QLabel* m_error;
};

} // namespace qd::ui
