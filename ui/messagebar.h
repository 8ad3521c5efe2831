#pragma once

#include <QFrame>
#include <QTimer>

class QLabel;

namespace qd::ui {

// A strip above the table for outcomes of background work: errors stay until dismissed, successes fade after a
// few seconds. Unlike a message box it never interrupts the admin.
//
// Thread contract: GUI thread only.
class MessageBar : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Info, Error };

    explicit MessageBar(QWidget* parent = nullptr);
    void showMessage(Kind kind, const QString& text);
    QString text() const;
    Kind kind() const { return m_kind; }

private:
    QLabel* m_label;
    Kind m_kind = Kind::Info;
    QTimer m_hideTimer;
};

} // namespace qd::ui
