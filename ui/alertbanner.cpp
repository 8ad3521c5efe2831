#include "alertbanner.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QToolButton>

#include <algorithm>

namespace qd::ui {

AlertBanner::AlertBanner(int height, QWidget* parent)
    : QFrame(parent)
    , m_label(new QLabel(this))
    , m_show(new QToolButton(this))
{
    setObjectName(QStringLiteral("alertBanner"));
    // Painted from the palette in use (paintEvent), so it follows the theme; the text is bold in the strip's colour.
    setFrameShape(QFrame::NoFrame);
    setContentsMargins(1, 1, 1, 1); // the painted border
    QFont bold = m_label->font();
    bold.setBold(true);
    m_label->setFont(bold);
    QPalette labelPalette = m_label->palette();
    labelPalette.setColor(QPalette::WindowText, colors().text);
    m_label->setPalette(labelPalette);
    m_label->setWordWrap(false);
    m_label->setTextFormat(Qt::PlainText);
    m_label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_label->installEventFilter(this);
    m_show->setObjectName(QStringLiteral("showAlerts"));
    m_show->setText(tr("Show alerts"));
    m_show->setToolTip(tr("Open the Alerts tab: the rules, their states and the history."));
    connect(m_show, &QToolButton::clicked, this, &AlertBanner::showAlertsRequested);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 2, 4, 2);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_show);
    setFixedHeight(height);
    hide();
}

void AlertBanner::setFiring(const QStringList& ruleNames)
{
    m_names = ruleNames;
    const QString names = ruleNames.join(QLatin1String(", "));
    if (ruleNames.isEmpty())
        m_text.clear();
    else if (ruleNames.size() == 1)
        m_text = tr("\u26a0 Alert firing: %1").arg(names);
    else
        m_text = tr("\u26a0 %1 alerts firing: %2").arg(ruleNames.size()).arg(names);
    elide();
    setVisible(!ruleNames.isEmpty());
}

StripColors AlertBanner::colors() const
{
    return alertStripColors(palette());
}

void AlertBanner::paintEvent(QPaintEvent* event)
{
    QPainter painter(this);
    paintStrip(painter, rect(), colors());
    QFrame::paintEvent(event);
}

bool AlertBanner::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_label && event->type() == QEvent::Resize)
        elide();
    return QFrame::eventFilter(watched, event);
}

void AlertBanner::elide()
{
    m_label->setText(m_label->fontMetrics().elidedText(m_text, Qt::ElideRight, std::max(0, m_label->width())));
    m_label->setToolTip(m_label->text() == m_text ? QString() : m_text);
}

} // namespace qd::ui
