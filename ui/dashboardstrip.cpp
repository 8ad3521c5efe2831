#include "dashboardstrip.h"

#include "core/queueengine.h"
#include "readerthread.h"
#include "taskformat.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>

namespace qd::ui {

DashboardStrip::DashboardStrip(QueueEngine* engine, ReaderThread* reader, QWidget* parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_reader(reader)
{
    setObjectName(QStringLiteral("dashboardStrip"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 2, 6, 2);
    layout->setSpacing(24);
    m_today = addFigure(QStringLiteral("today"), tr("Attempts that ended (succeeded or failed) since midnight."));
    m_lastHour = addFigure(QStringLiteral("lastHour"), tr("Attempts that ended in the last 60 minutes."));
    m_backlog = addFigure(QStringLiteral("backlog"),
        tr("Tasks queued and ready to run now, and how long the oldest has waited since it became due."));
    m_throughput = addFigure(QStringLiteral("throughput"),
        tr("Attempts ended per second over the last minute, and over the same minute an hour ago."));
    layout->addStretch();
    m_today->setText(tr("Today: \u2026"));
    m_lastHour->setText(tr("Last hour: \u2026"));
    m_throughput->setText(tr("Throughput: \u2026"));
    // In a tool bar, whose layout keeps a widget at its first size unless the widget may grow.
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    connect(reader->reader(), &StoreReader::dashboardFetched, this, &DashboardStrip::applyFigures);
    // The backlog is memory: once a second, however often tasks change.
    m_backlogTimer.setInterval(1000);
    connect(&m_backlogTimer, &QTimer::timeout, this, &DashboardStrip::showBacklog);
    m_backlogTimer.start();
    m_timer.setInterval(refreshMs);
    connect(&m_timer, &QTimer::timeout, this, &DashboardStrip::refresh);
    m_timer.start();
    showBacklog();
    refresh();
}

QLabel* DashboardStrip::addFigure(const QString& objectName, const QString& toolTip)
{
    auto* label = new QLabel(this);
    label->setObjectName(objectName);
    label->setToolTip(toolTip);
    label->setTextFormat(Qt::RichText);
    layout()->addWidget(label);
    return label;
}

void DashboardStrip::refresh()
{
    if (m_inFlight)
        return;
    m_inFlight = true;
    const quint64 id = ++m_requestId;
    const QDateTime now = QDateTime::currentDateTime();
    const qint64 dayStart = now.date().startOfDay().toMSecsSinceEpoch();
    m_reader->post(
        [id, nowMs = now.toMSecsSinceEpoch(), dayStart](StoreReader* r) { r->fetchDashboard(id, nowMs, dayStart); });
    // A failed read emits no answer: the next tick may ask again.
    QTimer::singleShot(refreshMs * 2, this, [this, id] {
        if (m_requestId == id)
            m_inFlight = false;
    });
}

void DashboardStrip::applyFigures(quint64 requestId, const DashboardFigures& figures)
{
    if (requestId != m_requestId)
        return;
    m_inFlight = false;
    m_figures = figures;
    const auto pair = [](qint64 processed, qint64 failed) {
        return tr("<b>%1</b> processed \u00b7 <b>%2</b> failed").arg(formatCount(processed), formatCount(failed));
    };
    m_today->setText(tr("Today: %1").arg(pair(figures.processedToday, figures.failedToday)));
    m_lastHour->setText(tr("Last hour: %1").arg(pair(figures.processedLastHour, figures.failedLastHour)));
    QString change;
    if (figures.perSecondHourAgo > 0) {
        const double ratio = figures.perSecondNow / figures.perSecondHourAgo;
        change = ratio >= 1 ? tr(" (\u25b2 %1%)").arg(qRound((ratio - 1) * 100))
                            : tr(" (\u25bc %1%)").arg(qRound((1 - ratio) * 100));
    }
    m_throughput->setText(tr("Throughput: <b>%1/s</b>, an hour ago %2/s%3")
                              .arg(QString::number(figures.perSecondNow, 'f', 1),
                                  QString::number(figures.perSecondHourAgo, 'f', 1), change));
    showBacklog();
    Q_EMIT updated();
}

void DashboardStrip::showBacklog()
{
    qint64 queued = 0;
    for (const StateCounts& c : m_engine->counts())
        queued += c[size_t(TaskState::Queued)];
    QString oldest;
    if (queued > 0 && m_figures && m_figures->oldestWaitingSince > 0) {
        const qint64 waited = QDateTime::currentMSecsSinceEpoch() - m_figures->oldestWaitingSince;
        oldest = tr(", oldest waiting %1").arg(formatDuration(std::max<qint64>(waited, 0)));
    }
    m_backlog->setText(tr("Backlog: <b>%1</b>%2").arg(formatCount(queued), oldest));
}

} // namespace qd::ui
