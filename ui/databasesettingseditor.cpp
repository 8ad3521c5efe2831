#include "databasesettingseditor.h"

#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace qd::ui {

namespace {

QSpinBox* daysBox(const QString& name, int value, const QString& zeroText, QWidget* parent)
{
    auto* box = new QSpinBox(parent);
    box->setObjectName(name);
    box->setRange(0, 36500);
    box->setSuffix(QObject::tr(" days"));
    box->setSpecialValueText(zeroText);
    box->setValue(value);
    return box;
}

QStringList items(const QJsonValue& list)
{
    QStringList result;
    for (const QJsonValue& item : list.toArray())
        result.append(item.toString());
    return result;
}

} // namespace

DatabaseSettingsEditor::DatabaseSettingsEditor(DatabaseSettings settings, bool readOnly, QWidget* parent)
    : QWidget(parent)
    , m_settings(std::move(settings))
    , m_programs(new QListWidget(this))
    , m_programPath(new QLineEdit(this))
    , m_add(new QPushButton(tr("&Add"), this))
    , m_browse(new QPushButton(tr("&Browse\u2026"), this))
    , m_remove(new QPushButton(tr("&Remove"), this))
    , m_refuseLoopback(new QCheckBox(tr("Refuse this host's own addresses (127.0.0.0/8, ::1)"), this))
    , m_refusePrivate(new QCheckBox(tr("Refuse private networks (10/8, 172.16/12, 192.168/16, fc00::/7)"), this))
    , m_allowHosts(new QLineEdit(this))
    , m_endedTasksDays(
          daysBox(QStringLiteral("endedTasksDays"), m_settings.endedTasksDays(), tr("kept until purged"), this))
    , m_metricsDays(daysBox(QStringLiteral("metricsDays"), m_settings.metricsDays(), tr("kept forever"), this))
    , m_error(new QLabel(this))
{
    m_programs->setObjectName(QStringLiteral("allowedPrograms"));
    m_programs->addItems(m_settings.allowedPrograms());
    m_programs->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_programs->setMaximumHeight(m_programs->fontMetrics().height() * 6);
    m_programs->setToolTip(findSetting(settingkeys::commandAllowedPrograms)->description);
    m_programPath->setObjectName(QStringLiteral("programPath"));
    m_programPath->setPlaceholderText(tr("/usr/local/bin/program"));
    m_add->setObjectName(QStringLiteral("addProgram"));
    m_browse->setObjectName(QStringLiteral("browseProgram"));
    m_remove->setObjectName(QStringLiteral("removeProgram"));
    m_refuseLoopback->setObjectName(QStringLiteral("refuseLoopback"));
    m_refuseLoopback->setChecked(m_settings.value(settingkeys::networkRefuseLoopback).toBool());
    m_refusePrivate->setObjectName(QStringLiteral("refusePrivate"));
    m_refusePrivate->setChecked(m_settings.value(settingkeys::networkRefusePrivate).toBool());
    m_allowHosts->setObjectName(QStringLiteral("allowHosts"));
    m_allowHosts->setText(items(m_settings.value(settingkeys::networkAllowHosts)).join(QStringLiteral(", ")));
    m_allowHosts->setPlaceholderText(tr("any host (names or addresses, separated by commas)"));
    m_allowHosts->setToolTip(findSetting(settingkeys::networkAllowHosts)->description);
    m_endedTasksDays->setToolTip(findSetting(settingkeys::retentionEndedTasksDays)->description);
    m_metricsDays->setToolTip(findSetting(settingkeys::retentionMetricsDays)->description);
    m_error->setObjectName(QStringLiteral("settingsError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c62828"));
    m_error->hide();

    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_programPath, 1);
    pathRow->addWidget(m_browse);
    pathRow->addWidget(m_add);
    pathRow->addWidget(m_remove);
    auto* programs = new QVBoxLayout;
    programs->addWidget(m_programs);
    programs->addLayout(pathRow);
    auto* network = new QVBoxLayout;
    network->addWidget(m_refuseLoopback);
    network->addWidget(m_refusePrivate);
    auto* hostsRow = new QHBoxLayout;
    hostsRow->addWidget(new QLabel(tr("Only to:"), this));
    hostsRow->addWidget(m_allowHosts, 1);
    network->addLayout(hostsRow);

    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Programs the command\ntype may run:"), programs);
    form->addRow(tr("Notify destinations:"), network);
    form->addRow(tr("Delete &ended tasks after:"), m_endedTasksDays);
    form->addRow(tr("Keep &chart history:"), m_metricsDays);
    form->addRow(m_error);

    for (QWidget* field : std::initializer_list<QWidget*> {m_programs, m_programPath, m_add, m_browse, m_remove,
             m_refuseLoopback, m_refusePrivate, m_allowHosts, m_endedTasksDays, m_metricsDays})
        field->setEnabled(!readOnly);
    connect(m_add, &QPushButton::clicked, this, [this] {
        if (!addProgram(m_programPath->text().trimmed()))
            m_programPath->clear();
    });
    connect(m_programPath, &QLineEdit::returnPressed, m_add, &QPushButton::click);
    connect(m_allowHosts, &QLineEdit::textChanged, m_error, &QLabel::hide); // the reason shown was of the old text
    connect(m_browse, &QPushButton::clicked, this, &DatabaseSettingsEditor::browseForProgram);
    connect(m_remove, &QPushButton::clicked, this, &DatabaseSettingsEditor::removeSelectedPrograms);
}

std::optional<QString> DatabaseSettingsEditor::addProgram(const QString& path)
{
    const QFileInfo info(path);
    std::optional<QString> error;
    if (path.isEmpty())
        error = tr("Type or browse for a program's absolute path.");
    else if (!QDir::isAbsolutePath(path))
        error = tr("%1 is not an absolute path.").arg(path);
    else if (!info.exists())
        error = tr("%1 does not exist.").arg(path);
    else if (!info.isFile() || !info.isExecutable())
        error = tr("%1 is not an executable file.").arg(path);
    else if (!m_programs->findItems(QDir::cleanPath(path), Qt::MatchExactly).isEmpty())
        error = tr("%1 is listed already.").arg(path);
    if (error) {
        showError(*error);
        return error;
    }
    m_programs->addItem(QDir::cleanPath(path));
    m_error->hide();
    return std::nullopt;
}

Result<QList<std::pair<QString, QJsonValue>>> DatabaseSettingsEditor::changes()
{
    QList<std::pair<QString, QJsonValue>> changed;
    for (const SettingSpec& spec : knownSettings()) {
        const QJsonValue edited = fieldValue(spec.key);
        if (edited.isUndefined())
            continue;
        auto checked = checkedSettingValue(spec.key, edited);
        if (!checked) {
            showError(checked.errorString());
            return checked.error();
        }
        if (*checked != m_settings.value(spec.key))
            changed.append({spec.key, *checked});
    }
    m_error->hide();
    return changed;
}

QJsonValue DatabaseSettingsEditor::fieldValue(const QString& key) const
{
    if (key == settingkeys::commandAllowedPrograms) {
        QJsonArray programs;
        for (int i = 0; i < m_programs->count(); ++i)
            programs.append(m_programs->item(i)->text());
        return programs;
    }
    if (key == settingkeys::networkRefuseLoopback)
        return m_refuseLoopback->isChecked();
    if (key == settingkeys::networkRefusePrivate)
        return m_refusePrivate->isChecked();
    if (key == settingkeys::networkAllowHosts) {
        QJsonArray hosts;
        for (const QString& host : m_allowHosts->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (!host.trimmed().isEmpty())
                hosts.append(host.trimmed());
        }
        return hosts;
    }
    if (key == settingkeys::retentionEndedTasksDays)
        return m_endedTasksDays->value();
    if (key == settingkeys::retentionMetricsDays)
        return m_metricsDays->value();
    return QJsonValue(QJsonValue::Undefined); // a setting this editor has no field for
}

void DatabaseSettingsEditor::browseForProgram()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Program the command type may run"),
        m_programPath->text().isEmpty() ? QStringLiteral("/usr/bin") : m_programPath->text());
    if (!path.isEmpty())
        m_programPath->setText(path);
}

void DatabaseSettingsEditor::removeSelectedPrograms()
{
    qDeleteAll(m_programs->selectedItems());
}

void DatabaseSettingsEditor::showError(const QString& message)
{
    m_error->setText(message);
    m_error->show();
}

} // namespace qd::ui
