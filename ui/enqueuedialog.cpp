#include "enqueuedialog.h"

#include "core/handlerregistry.h"
#include "core/queueengine.h"
#include "themecolors.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardItemModel>

namespace qd::ui {

EnqueueDialog::EnqueueDialog(const HandlerRegistry& handlers, const QStringList& queues, QWidget* parent)
    : QDialog(parent)
    , m_handlers(handlers)
    , m_queue(new QComboBox(this))
    , m_type(new QComboBox(this))
    , m_description(new QLabel(this))
    , m_payload(new QPlainTextEdit(this))
    , m_status(new QLabel(this))
    , m_priority(new QSpinBox(this))
    , m_delay(new QSpinBox(this))
    , m_maxAttempts(new QSpinBox(this))
    , m_count(new QSpinBox(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Enqueue tasks"));
    m_queue->setObjectName(QStringLiteral("queueBox"));
    m_type->setObjectName(QStringLiteral("typeBox"));
    m_queue->setEditable(true);
    m_queue->addItems(queues.isEmpty() ? QStringList {QStringLiteral("default")} : queues);
    m_type->addItems(handlers.types());
    // Types that cannot be enqueued stay in the list, so the admin learns they exist and why they are off.
    auto* typeModel = qobject_cast<QStandardItemModel*>(m_type->model());
    int firstAvailable = -1;
    for (int i = 0; i < m_type->count(); ++i) {
        const QString reason = unavailableReason(m_type->itemText(i));
        if (reason.isEmpty()) {
            if (firstAvailable < 0)
                firstAvailable = i;
            continue;
        }
        QStandardItem* item = typeModel->item(i);
        item->setFlags(item->flags() & ~(Qt::ItemIsEnabled | Qt::ItemIsSelectable));
        item->setToolTip(reason);
    }
    // The type used last time, if it can still be used; else the first that can (never a disabled one).
    const int last = m_type->findText(QSettings().value(QLatin1String(lastTypeKey)).toString());
    if (last >= 0 && unavailableReason(m_type->itemText(last)).isEmpty())
        m_type->setCurrentIndex(last);
    else if (firstAvailable >= 0)
        m_type->setCurrentIndex(firstAvailable);
    m_description->setWordWrap(true);
    m_description->setStyleSheet(QStringLiteral("color: palette(mid);"));
    m_payload->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_payload->setTabChangesFocus(true);
    m_payload->setMinimumHeight(160);
    m_status->setWordWrap(true);
    m_priority->setRange(0, 100);
    m_delay->setRange(0, 30 * 86400);
    m_delay->setSuffix(tr(" s"));
    m_maxAttempts->setRange(0, 1000);
    m_maxAttempts->setSpecialValueText(tr("queue default"));
    m_count->setRange(1, maxCount);
    m_count->setGroupSeparatorShown(true);

    auto* form = new QFormLayout(this);
    form->addRow(tr("&Queue:"), m_queue);
    form->addRow(tr("&Type:"), m_type);
    form->addRow(QString(), m_description);
    form->addRow(tr("&Payload:"), m_payload);
    form->addRow(QString(), m_status);
    form->addRow(tr("P&riority:"), m_priority);
    form->addRow(tr("&Delay:"), m_delay);
    form->addRow(tr("&Max attempts:"), m_maxAttempts);
    form->addRow(tr("&Count:"), m_count);
    form->addRow(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (!m_valid) // belt and braces: Enter in a field must not bypass a disabled OK
            return;
        QSettings().setValue(QLatin1String(lastTypeKey), m_type->currentText());
        accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_type, &QComboBox::currentTextChanged, this, &EnqueueDialog::setType);
    connect(m_queue, &QComboBox::currentTextChanged, this, &EnqueueDialog::validate);
    connect(m_payload, &QPlainTextEdit::textChanged, this, &EnqueueDialog::validate);
    connect(m_count, &QSpinBox::valueChanged, this, [this](int n) {
        m_buttons->button(QDialogButtonBox::Ok)->setText(n == 1 ? tr("Enqueue") : tr("Enqueue %1").arg(n));
    });
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Enqueue"));
    setType(m_type->currentText());
    resize(520, 520);
}

void EnqueueDialog::setQueue(const QString& queue)
{
    m_queue->setCurrentText(queue);
}

void EnqueueDialog::setType(const QString& type)
{
    if (m_type->currentText() != type) {
        m_type->setCurrentText(type); // re-enters through currentTextChanged
        return;
    }
    const TaskHandler* handler = m_handlers.find(type);
    // A disabled type's reason says it all (and where to turn it on).
    m_description->setText(handler && unavailableReason(type).isEmpty() ? handler->description() : QString());
    if (handler)
        m_payload->setPlainText(
            QString::fromUtf8(QJsonDocument(handler->payloadTemplate()).toJson(QJsonDocument::Indented)));
    validate();
}

void EnqueueDialog::setPayloadText(const QString& text)
{
    m_payload->setPlainText(text);
}

void EnqueueDialog::setCount(int count)
{
    m_count->setValue(count);
}

QString EnqueueDialog::unavailableReason(const QString& type) const
{
    const TaskHandler* handler = m_handlers.find(type);
    if (!handler)
        return tr("No handler is registered for this type.");
    // A handler that refuses its own template is off here: the core has no other way of saying so.
    const std::optional<QString> refused = handler->validate(handler->payloadTemplate());
    if (!refused)
        return {};
    if (type == QLatin1String("command") && refused->contains(QLatin1String("disabled"))) {
        // Enabled with an empty allow-list by a program of its own, it says so itself (below).
        return tr("Off: this database allows no programs. Add one to its allow-list in File > Settings (Ctrl+,), "
                  "or with queuedesk-cli settings set command.allowedPrograms /path/to/program.");
    }
    return tr("Not available: %1").arg(*refused);
}

QString EnqueueDialog::validationMessage() const
{
    return m_valid ? QString() : m_status->text();
}

NewTask EnqueueDialog::task() const
{
    NewTask t;
    t.queue = m_queue->currentText().trimmed();
    t.type = m_type->currentText();
    const QJsonDocument doc = QJsonDocument::fromJson(m_payload->toPlainText().toUtf8());
    t.payload = doc.isObject() ? doc.toJson(QJsonDocument::Compact) : m_payload->toPlainText().toUtf8();
    t.priority = m_priority->value();
    t.delayMs = qint64(m_delay->value()) * 1000;
    t.maxAttempts = m_maxAttempts->value();
    return t;
}

QList<NewTask> EnqueueDialog::tasks() const
{
    return QList<NewTask>(m_count->value(), task());
}

void EnqueueDialog::validate()
{
    QString problem;
    QJsonParseError parseError {};
    const QByteArray text = m_payload->toPlainText().toUtf8();
    const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
    if (m_type->currentText().isEmpty()) {
        problem = tr("No task type is registered.");
    } else if (const QString reason = unavailableReason(m_type->currentText()); !reason.isEmpty()) {
        problem = reason;
    } else if (parseError.error != QJsonParseError::NoError) {
        // Line and column help more than a byte offset in a multi-line editor.
        const QByteArray before = text.left(parseError.offset);
        const int line = int(before.count('\n')) + 1;
        const int column = int(parseError.offset - (before.lastIndexOf('\n') + 1)) + 1;
        problem = tr("Invalid JSON at line %1, column %2: %3").arg(line).arg(column).arg(parseError.errorString());
    } else if (!doc.isObject()) {
        problem = tr("The payload must be a JSON object ({ ... }).");
    } else if (const auto error = validateNewTask(task(), m_handlers)) {
        problem = error->message;
    }
    m_valid = problem.isEmpty();
    m_status->setText(m_valid ? tr("\u2714 Payload is valid") : problem);
    m_status->setStyleSheet(textColorStyle(m_valid ? successTextColor() : errorTextColor()));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_valid);
}

} // namespace qd::ui
