#include "messagebar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>

namespace qd::ui {

MessageBar::MessageBar(QWidget* parent)
    : QFrame(parent)
    , m_label(new QLabel(this))
{
    setFrameShape(QFrame::StyledPanel);
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close = new QToolButton(this);
    close->setText(QStringLiteral("\u2715"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Dismiss"));
    connect(close, &QToolButton::clicked, this, &QWidget::hide);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    layout->addWidget(m_label, 1);
    layout->addWidget(close);
    m_hideTimer.setSingleShot(true);
    m_hideTimer.setInterval(6000);
    connect(&m_hideTimer, &QTimer::timeout, this, &QWidget::hide);
    hide();
}

void MessageBar::showMessage(Kind kind, const QString& text)
{
    m_kind = kind;
    m_label->setText(text);
    setStyleSheet(kind == Kind::Error
            ? QStringLiteral(
                "qd--ui--MessageBar { background: #fdecea; border: 1px solid #d62728; } QLabel { color: #8b0000; }")
            : QStringLiteral(
                "qd--ui--MessageBar { background: #eaf6ea; border: 1px solid #2ca02c; } QLabel { color: #1d5e1d; }"));
    show();
    if (kind == Kind::Info)
        m_hideTimer.start();
    else
        m_hideTimer.stop();
}

QString MessageBar::text() const
{
    return m_label->text();
}

} // namespace qd::ui
