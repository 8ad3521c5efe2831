#include "capacitypanel.h"

#include "capacitytracker.h"
#include "tableviews.h"
#include "taskformat.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>

namespace qd::ui {

namespace {

constexpr int QueueNameRole = Qt::UserRole + 1; // "" for the row of all queues

QString rate(double perSecond)
{
    if (!std::isfinite(perSecond))
        return QStringLiteral("-");
    return QString::number(perSecond, 'f', perSecond < 10 ? 2 : 1);
}

QString seconds(double s)
{
    return std::isfinite(s) && s >= 0 ? formatDuration(qint64(std::llround(s * 1000))) : QStringLiteral("-");
}

QString optionalSeconds(const std::optional<double>& s)
{
    return s ? seconds(*s) : QStringLiteral("never");
}

} // namespace

CapacityPanel::CapacityPanel(CapacityTracker* tracker, QWidget* parent)
    : QWidget(parent)
    , m_tracker(tracker)
    , m_window(new QComboBox(this))
    , m_view(makeTableView(this))
    , m_model(new QStandardItemModel(0, ColumnCount, this))
    , m_title(new QLabel(this))
    , m_sentence(new QLabel(this))
    , m_workers(new QSpinBox(this))
    , m_arrivals(new QDoubleSpinBox(this))
    , m_reset(new QPushButton(tr("Reset"), this))
    , m_whatIf(new QLabel(this))
{
    m_window->setObjectName(QStringLiteral("capacityWindow"));
    for (int s : CapacityTracker::windowSeconds)
        m_window->addItem(tr("%1 min").arg(s / 60), s);
    // 5 min, as `stats --capacity` and a load average's middle figure: steady enough, still recent.
    m_window->setCurrentIndex(1);
    m_window->setToolTip(tr("The rates are exponentially weighted over this window"));
    connect(m_window, &QComboBox::currentIndexChanged, this, &CapacityPanel::rebuild);

    // Short headers (the dock shares the window's height and width); the tooltips say what each one is.
    const QStringList headers {tr("Queue"), tr("Waiting"), tr("\u03bb/s"), tr("\u03bc/s"), tr("c"), tr("\u03c1"),
        tr("P(wait)"), tr("Wq M/M/c"), tr("Wq seen"), tr("Lq M/M/c"), tr("Lq seen"), tr("\u03bb\u00b7Wq"),
        tr("Forecast")};
    const QStringList tips {QString(), tr("Tasks waiting now"), tr("Arrivals per second"),
        tr("\u03bc: completions per second of one worker, 1 / mean run time of ended attempts"),
        tr("c: workers of the processes beating now that serve this queue (shared with other queues)"),
        tr("Utilisation \u03bb / (c\u03bc)"), tr("M/M/c (Erlang C): probability that a task waits"),
        tr("M/M/c: expected wait before start"), tr("Measured: mean wait from enqueue to start"),
        tr("M/M/c: expected tasks waiting"), tr("Measured: time-weighted mean of the tasks waiting"),
        tr("Little's law: measured \u03bb times measured wait; should match the measured length"),
        tr("The fluid model's forecast")};
    m_model->setHorizontalHeaderLabels(headers);
    for (int c = 0; c < ColumnCount; ++c)
        m_model->setHeaderData(c, Qt::Horizontal, tips.at(c), Qt::ToolTipRole);
    m_view->setObjectName(QStringLiteral("capacityTable"));
    m_view->setModel(m_model);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    for (int c = WaitingColumn; c < ForecastColumn; ++c)
        fitColumn(m_view, c, QStringLiteral("999.99"));
    fitColumn(m_view, QueueColumn, QStringLiteral("notifications"));
    m_view->horizontalHeader()->setSectionResizeMode(ForecastColumn, QHeaderView::Stretch);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const QModelIndexList rows = m_view->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            setQueue(rows.first().data(QueueNameRole).toString());
    });

    m_title->setObjectName(QStringLiteral("capacityTitle"));
    m_sentence->setObjectName(QStringLiteral("capacitySentence"));
    QFont bold = m_sentence->font();
    bold.setBold(true);
    m_sentence->setFont(bold);
    m_sentence->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_workers->setObjectName(QStringLiteral("whatIfWorkers"));
    m_workers->setRange(0, 10'000);
    m_arrivals->setObjectName(QStringLiteral("whatIfArrivals"));
    m_arrivals->setRange(0, 1e6);
    m_arrivals->setDecimals(2);
    m_arrivals->setSuffix(tr(" /s"));
    m_reset->setObjectName(QStringLiteral("whatIfReset"));
    m_reset->setToolTip(tr("Back to the measured workers and arrivals"));
    m_whatIf->setObjectName(QStringLiteral("whatIfForecast"));
    m_whatIf->setWordWrap(true);
    m_whatIf->setTextInteractionFlags(Qt::TextSelectableByMouse);
    const auto touched = [this] {
        if (m_settingWhatIf)
            return;
        m_whatIfTouched = true;
        updateWhatIf();
    };
    connect(m_workers, &QSpinBox::valueChanged, this, touched);
    connect(m_arrivals, &QDoubleSpinBox::valueChanged, this, touched);
    connect(m_reset, &QPushButton::clicked, this, &CapacityPanel::resetWhatIf);

    // Controls on one line, then the table, the sentence and the what-if's outcome: the table keeps the height.
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Window:"), this));
    top->addWidget(m_window);
    top->addSpacing(12);
    top->addWidget(new QLabel(tr("What if: workers"), this));
    top->addWidget(m_workers);
    top->addWidget(new QLabel(tr("arrivals"), this));
    top->addWidget(m_arrivals);
    top->addWidget(m_reset);
    top->addWidget(m_title, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->setSpacing(2);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_sentence);
    layout->addWidget(m_whatIf);

    connect(m_tracker, &CapacityTracker::updated, this, &CapacityPanel::rebuild);
    rebuild();
}

int CapacityPanel::windowSeconds() const
{
    return m_window->currentData().toInt();
}

void CapacityPanel::setWindowSeconds(int seconds)
{
    const int i = m_window->findData(seconds);
    if (i >= 0)
        m_window->setCurrentIndex(i);
}

int CapacityPanel::rowOf(const QString& queue) const
{
    for (int r = 0; r < m_model->rowCount(); ++r) {
        if (m_model->index(r, QueueColumn).data(QueueNameRole).toString() == queue)
            return r;
    }
    return -1;
}

void CapacityPanel::rebuild()
{
    const int window = windowSeconds();
    QStringList names {QString()};
    names += m_tracker->queues();
    m_model->setRowCount(int(names.size()));
    for (int r = 0; r < names.size(); ++r) {
        const QString& name = names.at(r);
        QStringList cells(ColumnCount);
        cells[QueueColumn] = name.isEmpty() ? tr("(all)") : name;
        if (const CapacityEstimator* e = m_tracker->estimator(name, window)) {
            const CapacityForecast f = forecastCapacity(m_tracker->inputs(*e, name));
            const CapacityInputs& in = f.inputs;
            const bool served = in.servicePerWorkerPerSecond > 0;
            const std::optional<double> wait = e->measuredWaitSeconds();
            cells[WaitingColumn] = formatCount(qint64(in.queued));
            cells[ArrivalsColumn] = rate(in.arrivalsPerSecond);
            cells[ServiceColumn] = served ? rate(in.servicePerWorkerPerSecond) : QStringLiteral("-");
            cells[WorkersColumn] = QString::number(in.workers);
            cells[UtilisationColumn] = served ? rate(f.mmc.utilisation) : QStringLiteral("-");
            cells[WaitProbabilityColumn]
                = f.mmc.stable ? QString::number(f.mmc.waitProbability, 'f', 2) : QStringLiteral("-");
            cells[PredictedWaitColumn] = f.mmc.stable ? seconds(f.mmc.meanWaitSeconds) : QStringLiteral("-");
            cells[MeasuredWaitColumn] = wait ? seconds(*wait) : QStringLiteral("-");
            cells[PredictedLengthColumn] = f.mmc.stable ? rate(f.mmc.meanQueued) : QStringLiteral("-");
            cells[MeasuredLengthColumn] = rate(e->measuredQueued());
            cells[LittleColumn] = wait ? rate(in.arrivalsPerSecond * *wait) : QStringLiteral("-");
            cells[ForecastColumn] = f.sentence;
        } else {
            cells[ForecastColumn] = tr("measuring\u2026");
        }
        for (int c = 0; c < ColumnCount; ++c) {
            QStandardItem* item = m_model->item(r, c);
            if (!item) {
                item = new QStandardItem;
                item->setEditable(false);
                m_model->setItem(r, c, item);
            }
            item->setText(cells.at(c));
            item->setTextAlignment(c == QueueColumn || c == ForecastColumn ? Qt::AlignLeft | Qt::AlignVCenter
                                                                           : Qt::AlignRight | Qt::AlignVCenter);
            if (c == QueueColumn)
                item->setData(name, QueueNameRole);
            if (c == ForecastColumn)
                item->setToolTip(cells.at(c)); // the whole sentence where the column cuts it short
        }
    }
    showSelected();
}

void CapacityPanel::setQueue(const QString& queue)
{
    const bool changed = queue != m_queue;
    m_queue = queue;
    if (changed)
        m_whatIfTouched = false; // another queue's what-if starts from its own measurements
    const int row = rowOf(queue);
    if (row >= 0) {
        const QModelIndexList rows = m_view->selectionModel()->selectedRows();
        if (rows.isEmpty() || rows.first().row() != row)
            m_view->selectRow(row);
    }
    if (changed)
        showSelected();
}

void CapacityPanel::showSelected()
{
    const CapacityEstimator* e = m_tracker->estimator(m_queue, windowSeconds());
    const QString name = m_queue.isEmpty() ? tr("all queues") : m_queue;
    m_title->setText(tr("%1, exponentially weighted over %2 min").arg(name).arg(windowSeconds() / 60));
    m_hasForecast = e != nullptr;
    m_workers->setEnabled(m_hasForecast);
    m_arrivals->setEnabled(m_hasForecast);
    m_reset->setEnabled(m_hasForecast);
    if (!e) {
        m_sentence->setText(tr("%1: measuring\u2026").arg(name));
        m_whatIf->clear();
        m_forecast = CapacityForecast {};
        Q_EMIT forecastChanged(m_queue, m_forecast, false);
        return;
    }
    m_measured = m_tracker->inputs(*e, m_queue);
    m_sentence->setText(tr("%1: %2").arg(name, forecastCapacity(m_measured).sentence));
    if (!m_whatIfTouched) {
        m_settingWhatIf = true;
        m_workers->setValue(m_measured.workers);
        m_arrivals->setValue(m_measured.arrivalsPerSecond);
        m_settingWhatIf = false;
    }
    updateWhatIf();
}

void CapacityPanel::resetWhatIf()
{
    m_whatIfTouched = false;
    showSelected();
}

void CapacityPanel::updateWhatIf()
{
    if (!m_hasForecast)
        return;
    CapacityInputs in = m_measured;
    if (m_whatIfTouched) {
        in.workers = m_workers->value();
        in.arrivalsPerSecond = m_arrivals->value();
    }
    m_forecast = forecastCapacity(in);
    const CapacityForecast& f = m_forecast;
    QString text = m_whatIfTouched ? tr("With %1 %2 at %3/s: ")
                                         .arg(in.workers)
                                         .arg(in.workers == 1 ? tr("worker") : tr("workers"))
                                         .arg(rate(in.arrivalsPerSecond))
                                   : tr("As measured: ");
    if (in.servicePerWorkerPerSecond > 0) {
        text += tr("\u03c1 %1").arg(rate(f.mmc.utilisation));
        if (f.mmc.stable)
            text += tr(", Wq %1 (M/M/c)").arg(seconds(f.mmc.meanWaitSeconds));
        text += tr("; drains: %1 (fluid), %2 (the design's L(t)). ")
                    .arg(optionalSeconds(f.drainSeconds), optionalSeconds(f.designDrainSeconds));
    }
    text += f.sentence;
    m_whatIf->setText(text);
    Q_EMIT forecastChanged(m_queue, m_forecast, true);
}

} // namespace qd::ui
