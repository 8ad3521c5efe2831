#include "settingsdialog.h"

#include "core/databaseurl.h"
#include "core/handlerregistry.h"
#include "core/handlers/commandhandler.h"
#include "core/queueengine.h"
#include "databasesettingseditor.h"
#include "workercountsetting.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

namespace qd::ui {

namespace {

QLabel* wrappedLabel(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

SettingsDialog::SettingsDialog(const QueueEngine& engine, QWidget* parent)
    : QDialog(parent)
    , m_workers(new QSpinBox(this))
    , m_theme(new QComboBox(this))
    , m_editor(new DatabaseSettingsEditor(
          engine.databaseSettings(), engine.accessLevel() < AccessLevel::Admin, this)) // settings are an admin's
{
    setWindowTitle(tr("Settings"));
    const bool readOnly = engine.isReadOnly();

    auto* database = new QGroupBox(tr("This database: %1").arg(databaseDisplayName(engine.options().store.path)), this);
    auto* dbForm = new QFormLayout(database);
    if (readOnly)
        dbForm->addRow(
            wrappedLabel(tr("This window is read-only: the database's settings are shown, not changed."), database));
    else if (engine.accessLevel() < AccessLevel::Admin)
        dbForm->addRow(
            wrappedLabel(tr("Your role is %1: the database's settings are an admin's, shown here, not changed.")
                             .arg(accessLevelName(engine.accessLevel())),
                database));
    m_workers->setObjectName(QStringLiteral("workersSetting"));
    m_workers->setRange(0, maxWindowWorkers);
    m_workers->setSpecialValueText(tr("none (watch only)"));
    m_workers->setValue(engine.workerCount());
    m_workers->setEnabled(!readOnly);
    m_workers->setToolTip(tr("Worker threads this window runs on this database, remembered for the next time it "
                             "opens. Other processes' workers are not counted."));
    dbForm->addRow(tr("&Workers in this window:"), m_workers);
    auto* command = wrappedLabel(commandPolicyText(engine), database);
    command->setObjectName(QStringLiteral("commandPolicy"));
    dbForm->addRow(tr("Command type:"), command);
    dbForm->addRow(m_editor);
    auto* retention = wrappedLabel(tr("From the command type down, these are the database's own settings: every "
                                      "process that uses it follows them within a second (queuedesk-cli settings "
                                      "shows and changes them too). Chart history is kept per second for an hour, "
                                      "then per minute for the days above."),
        database);
    retention->setObjectName(QStringLiteral("retention"));
    dbForm->addRow(retention);

    auto* user = new QGroupBox(tr("For you, on every database"), this);
    auto* userForm = new QFormLayout(user);
    m_theme->setObjectName(QStringLiteral("themeSetting"));
    m_theme->addItem(tr("Follow the system"), int(Theme::System));
    m_theme->addItem(tr("Light"), int(Theme::Light));
    m_theme->addItem(tr("Dark"), int(Theme::Dark));
    setTheme(savedTheme());
    userForm->addRow(tr("&Theme:"), m_theme);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(database);
    layout->addWidget(user);
    layout->addStretch();
    layout->addWidget(buttons);
    resize(520, sizeHint().height());
}

int SettingsDialog::workerCount() const
{
    return m_workers->value();
}

Theme SettingsDialog::theme() const
{
    return Theme(m_theme->currentData().toInt());
}

void SettingsDialog::accept()
{
    auto changes = m_editor->changes();
    if (!changes)
        return; // the editor shows why
    m_changes = *changes;
    QDialog::accept();
}

void SettingsDialog::setTheme(Theme theme)
{
    m_theme->setCurrentIndex(m_theme->findData(int(theme)));
}

QString SettingsDialog::commandPolicyText(const QueueEngine& engine)
{
    const TaskHandler* handler = engine.handlers().find(QStringLiteral("command"));
    if (!handler)
        return tr("Not available in this program.");
    const auto* command = dynamic_cast<const CommandHandler*>(handler);
    if (command && command->followsPolicy()) {
        const int programs = int(engine.databaseSettings().allowedPrograms().size());
        if (programs == 0 && engine.isReadOnly())
            return tr("Off: this database allows no programs.");
        if (programs == 0)
            return tr("Off: this database allows no programs. Add one below, or with queuedesk-cli settings set "
                      "command.allowedPrograms PATH. Whoever may write this database can then run it on every host "
                      "whose workers serve its queues.");
        return tr("On: tasks may run the %n program(s) below, on every host whose workers serve this database.", "",
            programs);
    }
    if (handler->validate(handler->payloadTemplate()))
        return tr("Off in this program.");
    return tr("On in this program, for the programs of its own allow-list (the list below does not apply).");
}

} // namespace qd::ui
