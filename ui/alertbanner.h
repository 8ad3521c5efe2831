#pragma once

#include "themecolors.h"

#include <QFrame>

class QLabel;
class QToolButton;

namespace qd::ui {

// A strip in the message bar's row naming the rules that fire now, with "Show alerts". It shares the row's fixed
// height, so it appearing or going never moves the table (the message bar's rule); a long list is elided, whole in
// the tooltip.
//
// Thread contract: GUI thread only.
class AlertBanner : public QFrame {
    Q_OBJECT
public:
    // `height`: the row's (the message bar's) fixed height.
    AlertBanner(int height, QWidget* parent = nullptr);

    // The names of the rules firing now; none hides the banner.
    void setFiring(const QStringList& ruleNames);
    QStringList firing() const { return m_names; }
    QString text() const { return m_text; }
    QToolButton* showButton() const { return m_show; }
    // The banner's fill, border and text, from the palette in use (light or dark theme).
    StripColors colors() const;

Q_SIGNALS:
    void showAlertsRequested();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;

private:
    void elide();

    QLabel* m_label;
    QToolButton* m_show;
    QStringList m_names;
    QString m_text;
};

} // namespace qd::ui
