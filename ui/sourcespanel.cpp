#include "sourcespanel.h"

#include "sourcesmodel.h"
#include "tableviews.h"
#include "taskformat.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace qd::ui {

SourcesPanel::SourcesPanel(ReaderThread* reader, QWidget* parent)
    : QWidget(parent)
    , m_model(new SourcesModel(reader, this))
    , m_view(makeTableView(this))
    , m_pause(new QPushButton(tr("Pause"), this))
    , m_resume(new QPushButton(tr("Resume"), this))
{
    setObjectName(QStringLiteral("sourcesPanel"));
    m_view->setObjectName(QStringLiteral("sourcesView"));
    m_view->setModel(m_model);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    fitColumn(m_view, SourcesModel::KindColumn, tr("spool"));
    fitColumn(m_view, SourcesModel::StateColumn, tr("active, not on this host"));
    fitColumn(m_view, SourcesModel::BacklogColumn, formatCount(999'999));
    fitColumn(m_view, SourcesModel::RateMinuteColumn, QStringLiteral("9999/s"));
    fitColumn(m_view, SourcesModel::RateFiveMinutesColumn, QStringLiteral("9999/s"));
    fitColumn(m_view, SourcesModel::FailedColumn, formatCount(999'999));
    fitColumn(m_view, SourcesModel::DeadColumn, formatCount(99'999));
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
    layout->addWidget(m_view);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &SourcesPanel::updateButtons);
    // A reply may change the selected source's state (paused from the command line, or by our own write).
    connect(m_model, &SourcesModel::sourcesUpdated, this, &SourcesPanel::updateButtons);
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

void SourcesPanel::updateButtons()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    const bool selected = m_writable && !rows.isEmpty();
    const bool paused = selected && rows.first().data(SourcesModel::PausedRole).toBool();
    m_pause->setEnabled(selected && !paused);
    m_resume->setEnabled(selected && paused);
}

} // namespace qd::ui
