#pragma once

#include "core/task.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;
class QSpinBox;

namespace qd {
class HandlerRegistry;
}

namespace qd::ui {

// Enqueue one task or a batch of identical ones. The payload is checked as the admin types (JSON syntax, then the
// handler's own validation) and the reason is shown; OK stays disabled while anything is invalid.
// It opens on the type enqueued last (remembered in QSettings, "enqueue/lastType"). A type that cannot be enqueued
// here (its handler refuses its own template: `command` unless enabled) is greyed in the list, with the reason as
// its tooltip, and is never the one it opens on.
//
// Thread contract: GUI thread only. It never writes: the caller enqueues tasks() in the background.
class EnqueueDialog : public QDialog {
    Q_OBJECT
public:
    EnqueueDialog(const HandlerRegistry& handlers, const QStringList& queues, QWidget* parent = nullptr);

    void setQueue(const QString& queue);
    void setType(const QString& type); // also loads the handler's payload template
    void setPayloadText(const QString& text);
    void setCount(int count);

    bool isInputValid() const { return m_valid; }
    QString validationMessage() const;
    QList<NewTask> tasks() const;
    NewTask task() const;

    // Why a type cannot be enqueued here, or "" when it can.
    QString unavailableReason(const QString& type) const;

    static constexpr int maxCount = 100'000;
    static constexpr auto lastTypeKey = "enqueue/lastType";

private:
    void validate();

    const HandlerRegistry& m_handlers;
    QComboBox* m_queue;
    QComboBox* m_type;
    QLabel* m_description;
    QPlainTextEdit* m_payload;
    QLabel* m_status;
    QSpinBox* m_priority;
    QSpinBox* m_delay;
    QSpinBox* m_maxAttempts;
    QSpinBox* m_count;
    QDialogButtonBox* m_buttons;
    bool m_valid = false;
};

} // namespace qd::ui
