#include "messagebar.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QToolButton>

#include <algorithm>

namespace qd::ui {

MessageBar::MessageBar(QWidget* parent)
    : QFrame(parent)
    , m_label(new QLabel(this))
{
    // Painted by paintEvent from the palette in use, not a style sheet of fixed colours: it follows the theme.
    setFrameShape(QFrame::NoFrame);
    setContentsMargins(1, 1, 1, 1); // the painted border
    // One line, whatever the text: a wrapped message would make the strip, and the table under it, move.
    m_label->setWordWrap(false);
    m_label->setTextFormat(Qt::PlainText);
    m_label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close = new QToolButton(this);
    close->setText(QStringLiteral("\u2715"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Dismiss"));
    connect(close, &QToolButton::clicked, this, &QWidget::hide);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    layout->addWidget(m_label, 1);
    m_label->installEventFilter(this);
    layout->addWidget(close);
    m_hideTimer.setSingleShot(true);
    m_hideTimer.setInterval(6000);
    connect(&m_hideTimer, &QTimer::timeout, this, &QWidget::hide);
    // The same height shown or hidden, in either style: the layout keeps the place of the hidden strip.
    setFixedHeight(sizeHint().height());
    QSizePolicy policy = sizePolicy();
    policy.setRetainSizeWhenHidden(true);
    setSizePolicy(policy);
    hide();
}

bool MessageBar::eventFilter(QObject* watched, QEvent* event)
{
    // The label's width is the room for the text: known once the strip's layout has placed it.
    if (watched == m_label && event->type() == QEvent::Resize)
        elide();
    return QFrame::eventFilter(watched, event);
}

void MessageBar::elide()
{
    const QString oneLine = QString(m_text).replace(QLatin1Char('\n'), QLatin1Char(' '));
    m_label->setText(m_label->fontMetrics().elidedText(oneLine, Qt::ElideRight, std::max(0, m_label->width())));
    m_label->setToolTip(m_label->text() == oneLine ? QString() : m_text);
}

StripColors MessageBar::colors() const
{
    return messageStripColors(palette(), m_kind == Kind::Error);
}

void MessageBar::paintEvent(QPaintEvent* event)
{
    QPainter painter(this);
    paintStrip(painter, rect(), colors());
    QFrame::paintEvent(event);
}

void MessageBar::showMessage(Kind kind, const QString& text)
{
    m_kind = kind;
    m_text = text;
    elide();
    update();
    show();
    if (kind == Kind::Info)
        m_hideTimer.start();
    else
        m_hideTimer.stop();
}

} // namespace qd::ui
