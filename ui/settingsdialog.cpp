#include "settingsdialog.h"

#include "core/databaseurl.h"
#include "core/handlerregistry.h"
#include "core/queueengine.h"
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
{
    setWindowTitle(tr("Settings"));
    const bool readOnly = engine.isReadOnly();

    auto* database = new QGroupBox(tr("This database: %1").arg(databaseDisplayName(engine.options().store.path)), this);
    auto* dbForm = new QFormLayout(database);
    if (readOnly)
        dbForm->addRow(
            wrappedLabel(tr("This window is read-only: the database's settings are shown, not changed."), database));
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
    auto* retention = wrappedLabel(tr("Ended tasks and their history are kept until purged (Tasks > Delete all "
                                      "matching filter, or queuedesk-cli purge). Chart history: per second for an "
                                      "hour, per minute for 30 days."),
        database);
    retention->setObjectName(QStringLiteral("retention"));
    dbForm->addRow(tr("Retention:"), retention);

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

void SettingsDialog::setTheme(Theme theme)
{
    m_theme->setCurrentIndex(m_theme->findData(int(theme)));
}

QString SettingsDialog::commandPolicyText(const QueueEngine& engine)
{
    const TaskHandler* handler = engine.handlers().find(QStringLiteral("command"));
    if (!handler)
        return tr("Not available in this program.");
    if (const std::optional<QString> refused = handler->validate(handler->payloadTemplate())) {
        // Kept out of the database on purpose: whoever may write the database could otherwise run programs on
        // every host that works its queues.
        return tr("Off. Running programs from a queue is decided by the program that runs the workers, not stored "
                  "in the database: a program built on the QueueDesk library enables it with an allow-list "
                  "(CommandHandlerSettings).");
    }
    return tr("On in this program, for the programs of its allow-list.");
}

} // namespace qd::ui
