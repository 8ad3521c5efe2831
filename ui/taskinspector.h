#pragma once

#include "core/task.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTreeWidget;
class QTabWidget;

namespace qd::ui {

class ReaderThread;

// Everything about one task: its fields, payload and result as indented JSON, the last error in full, and its
// event timeline with the wait, run and backoff time of each attempt. Read on the reader thread; a reply for a
// task no longer shown is dropped.
//
// Thread contract: GUI thread only.
class TaskInspector : public QWidget {
    Q_OBJECT
public:
    TaskInspector(ReaderThread* reader, QWidget* parent = nullptr);

    void showTask(qint64 taskId); // 0 clears
    void reload(); // the shown task changed
    qint64 taskId() const { return m_taskId; }
    // The last task displayed (for tests and copy actions).
    const std::optional<TaskWithEvents>& shown() const { return m_shown; }

    static QString prettyJson(const QByteArray& json);

Q_SIGNALS:
    void taskShown(qint64 taskId);

private:
    void display(const TaskWithEvents& task);

    ReaderThread* m_reader;
    qint64 m_taskId = 0;
    quint64 m_request = 0;
    std::optional<TaskWithEvents> m_shown;
    QLabel* m_title;
    QTreeWidget* m_fields;
    QPlainTextEdit* m_payload;
    QPlainTextEdit* m_result;
    QPlainTextEdit* m_error;
    QTreeWidget* m_events;
    QTabWidget* m_tabs;
};

} // namespace qd::ui
