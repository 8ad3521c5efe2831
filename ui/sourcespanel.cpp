#include "sourcespanel.h"

#include "charts/timeserieschart.h"
#include "readerthread.h"
#include "sourcesmodel.h"
#include "tableviews.h"
#include "taskformat.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace qd::ui {

SourcesPanel::SourcesPanel(ReaderThread* reader, QWidget* parent)
    : QWidget(parent)
    , m_reader(reader)
    , m_model(new SourcesModel(reader, this))
    , m_view(makeTableView(this))
    , m_pause(new QPushButton(tr("Pause"), this))
    , m_resume(new QPushButton(tr("Resume"), this))
{
    setObjectName(QStringLiteral("sourcesPanel"));
    m_view->setObjectName(QStringLiteral("sourcesView"));
    m_view->setModel(m_model);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    fitColumn(m_view, SourcesModel::KindColumn, tr("AMQP out"));
    fitColumn(m_view, SourcesModel::StateColumn, tr("active, broker unreachable"));
    fitColumn(m_view, SourcesModel::SinceColumn, QStringLiteral("00:00:00"));
    fitColumn(m_view, SourcesModel::BacklogColumn, formatCount(999'999));
    fitColumn(m_view, SourcesModel::RateMinuteColumn, QStringLiteral("9999/s"));
    fitColumn(m_view, SourcesModel::RateFiveMinutesColumn, QStringLiteral("9999/s"));
    fitColumn(m_view, SourcesModel::FailedColumn, formatCount(999'999));
    fitColumn(m_view, SourcesModel::DeadColumn, formatCount(99'999));
    fitColumn(m_view, SourcesModel::CursorColumn, formatCount(999'999) + QStringLiteral(" \u00b7 00:00:00"));
    m_view->horizontalHeader()->setStretchLastSection(true);

    m_pause->setObjectName(QStringLiteral("pauseSource"));
    m_pause->setToolTip(tr("Stop taking files or messages from the selected source (what it took stays queued)."));
    m_resume->setObjectName(QStringLiteral("resumeSource"));
    m_resume->setToolTip(tr("Take files or messages from the selected source again."));
    connect(m_pause, &QPushButton::clicked, this, [this] {
        if (const QString name = selectedSource(); !name.isEmpty())
            Q_EMIT pauseRequested(name, true);
    });
    connect(m_resume, &QPushButton::clicked, this, [this] {
        if (const QString name = selectedSource(); !name.isEmpty())
            Q_EMIT pauseRequested(name, false);
    });

    auto* buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(m_pause);
    buttons->addWidget(m_resume);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    // The chart goes beside the table when a source is first selected, so a window whose admin never looks at a
    // source lays out and draws no fourth chart.
    m_split = new QSplitter(Qt::Horizontal, this);
    m_split->addWidget(m_view);
    layout->addWidget(m_split);
    connect(reader->reader(), &StoreReader::sourceRatesFetched, this,
        [this](quint64 requestId, const QList<QPointF>& points) {
            if (requestId != m_chartRequest || !m_chart)
                return;
            m_chart->setSeriesPoints(0, points);
            if (!points.isEmpty())
                m_chart->setTimeRange(qint64(points.first().x()), qint64(points.last().x()) + chartBucketMs);
            m_chart->fitValues();
            Q_EMIT rateChartUpdated();
        });

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateButtons();
        if (!selectedSource().isEmpty())
            ensureChart();
        reloadChart();
    });
    // A reply may change the selected source's state (paused from the command line, or by our own write).
    connect(m_model, &SourcesModel::sourcesUpdated, this, [this] {
        updateButtons();
        reloadChart();
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, &SourcesPanel::updateButtons);
    updateButtons();
}

void SourcesPanel::setWritable(bool writable)
{
    m_writable = writable;
    updateButtons();
}

QString SourcesPanel::selectedSource() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(SourcesModel::SourceNameRole).toString();
}

void SourcesPanel::ensureChart()
{
    if (m_chart)
        return;
    // As the queue charts are drawn; every bucket is counted, so the line has no gaps.
    m_chart = new TimeSeriesChart(tr("Tasks created per second"), this);
    m_chart->setObjectName(QStringLiteral("sourceRateChart"));
    m_chart->addSeries(tr("created"), QColor(0x1f, 0x77, 0xb4));
    m_chart->setMinimumWidth(260);
    m_split->addWidget(m_chart);
    m_split->setStretchFactor(0, 3);
    m_split->setStretchFactor(1, 1);
}

void SourcesPanel::reloadChart()
{
    if (!m_chart)
        return;
    const quint64 id = ++m_chartRequest;
    const int row = m_model->rowOf(selectedSource());
    if (row < 0) {
        m_chart->setSeriesPoints(0, {});
        return;
    }
    // Whole buckets only: the current one is still filling and would show a dip.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 to = now - now % chartBucketMs;
    const SourceRecord source = m_model->sources().at(row).record;
    m_reader->post(
        [id, source, to](StoreReader* r) { r->fetchSourceRates(id, source, to - chartSpanMs, to, chartBucketMs); });
}

void SourcesPanel::updateButtons()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    const bool selected = m_writable && !rows.isEmpty();
    const bool paused = selected && rows.first().data(SourcesModel::PausedRole).toBool();
    m_pause->setEnabled(selected && !paused);
    m_resume->setEnabled(selected && paused);
}

} // namespace qd::ui
