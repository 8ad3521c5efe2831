#pragma once

#include "themecolors.h"

#include <QFrame>
#include <QTimer>

class QLabel;

namespace qd::ui {

// A strip above the table for outcomes of background work: errors stay until dismissed, successes fade after a
// few seconds. Unlike a message box it never interrupts the admin. Its place is kept while it is hidden and it is
// always one line high (a long message is elided, whole in the tooltip): it appearing, changing or going never moves
// the table under the admin's pointer (issue 17: a 37 px jump caused a misclick).
//
// Thread contract: GUI thread only.
class MessageBar : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Info, Error };

    explicit MessageBar(QWidget* parent = nullptr);
    void showMessage(Kind kind, const QString& text);
    QString text() const { return m_text; }
    Kind kind() const { return m_kind; }
    // The strip's fill, border and text for its kind, from the palette in use (light or dark theme).
    StripColors colors() const;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;

private:
    void elide();

    QLabel* m_label;
    QString m_text;
    Kind m_kind = Kind::Info;
    QTimer m_hideTimer;
};

} // namespace qd::ui
