#include "windowstatusbar.h"

#include "bulkjob.h"
#include "core/databaseurl.h"
#include "core/queueengine.h"
#include "taskformat.h"
#include "workercountsetting.h"

#include <QFrame>
#include <QLabel>
#include <QProgressBar>
#include <QSpinBox>
#include <QToolButton>

#include <algorithm>

namespace qd::ui {

namespace {

QFrame* verticalRule(QWidget* parent)
{
    auto* rule = new QFrame(parent);
    rule->setFrameShape(QFrame::VLine);
    rule->setFrameShadow(QFrame::Sunken);
    return rule;
}

} // namespace

WindowStatusBar::WindowStatusBar(QueueEngine* engine, QWidget* parent)
    : QStatusBar(parent)
    , m_engine(engine)
    , m_pathLabel(new QLabel(this))
    , m_roleLabel(new QLabel(this))
    , m_selectionLabel(new QLabel(this))
    , m_bulkLabel(new QLabel(this))
    , m_bulkBar(new QProgressBar(this))
    , m_bulkStop(new QToolButton(this))
    , m_busyLabel(new QLabel(this))
    , m_busyBar(new QProgressBar(this))
    , m_totalsLabel(new QLabel(this))
    , m_throughputLabel(new QLabel(this))
    , m_workers(new QSpinBox(this))
{
    m_pathLabel->setText(databaseDisplayName(m_engine->options().store.path)
        + (m_engine->isReadOnly() ? tr("  [read-only]") : QString()));
    m_pathLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_roleLabel->setObjectName(QStringLiteral("statusRole"));
    const AccessLevel level = m_engine->accessLevel();
    m_roleLabel->setText(tr("Role: %1").arg(accessLevelName(level)));
    m_roleLabel->setToolTip(level == AccessLevel::Admin ? tr("Everything this window offers.")
            : level == AccessLevel::Operator
            ? tr("Enqueue, retry, run now, cancel, pause and resume, and run workers; not purge, settings, keys, "
                 "alert rules or sources.")
            : tr("Read only: this window changes nothing and runs no workers."));
    m_roleLabel->setVisible(isServerUrl(m_engine->options().store.path));
    m_totalsLabel->setObjectName(QStringLiteral("statusTotals"));
    m_throughputLabel->setObjectName(QStringLiteral("statusThroughput"));
    m_busyBar->setRange(0, 0); // engine writes report no progress: an honest "working" indicator
    m_busyBar->setMaximumWidth(120);
    m_busyBar->hide();
    // Bulk actions report real progress and can be stopped between chunks.
    m_bulkBar->setObjectName(QStringLiteral("bulkProgress"));
    m_bulkBar->setFixedWidth(200);
    m_bulkStop->setObjectName(QStringLiteral("bulkStop"));
    m_bulkStop->setText(tr("Stop"));
    m_bulkStop->setToolTip(tr("Stop after the chunk in progress; the chunks already done stay done."));
    connect(m_bulkStop, &QToolButton::clicked, this, [this] {
        if (m_bulkJob) {
            m_bulkJob->cancel();
            m_bulkLabel->setText(tr("Stopping\u2026"));
        }
    });
    setBulkVisible(false);
    addWidget(m_pathLabel, 1);
    addPermanentWidget(m_roleLabel);
    addPermanentWidget(m_selectionLabel);
    addPermanentWidget(m_bulkLabel);
    addPermanentWidget(m_bulkBar);
    addPermanentWidget(m_bulkStop);
    addPermanentWidget(m_busyLabel);
    addPermanentWidget(m_busyBar);
    addPermanentWidget(m_totalsLabel);
    // Without a rule "failed 4" and "0.0 done/s" read as one phrase.
    addPermanentWidget(verticalRule(this));
    addPermanentWidget(m_throughputLabel);

    // The window's own workers, visible and under the admin's hand: opening a database "to look" need not run it.
    m_workers->setObjectName(QStringLiteral("workerCount"));
    m_workers->setRange(0, maxWindowWorkers);
    m_workers->setPrefix(tr("Workers: "));
    m_workers->setSpecialValueText(tr("Workers: none (watching)"));
    m_workers->setValue(m_engine->workerCount());
    m_workers->setEnabled(!m_engine->isReadOnly());
    m_workers->setToolTip(m_engine->isReadOnly()
            ? tr("Read-only: this window runs no tasks.")
            : tr("Worker threads this window runs on this database (0: watch only). Other processes' workers are "
                 "not counted here. Remembered for this database."));
    connect(m_workers, &QSpinBox::valueChanged, this, [this](int count) {
        m_engine->setWorkerCount(count);
        saveWorkerCount(m_engine->options().store.path, count);
    });
    addPermanentWidget(verticalRule(this));
    addPermanentWidget(m_workers);
}

void WindowStatusBar::setWorkerCount(int count)
{
    if (!m_engine->isReadOnly())
        m_workers->setValue(count);
}

void WindowStatusBar::setWriteBusy(bool busy, const QString& what)
{
    m_busyBar->setVisible(busy);
    m_busyLabel->setText(busy ? tr("%1\u2026").arg(what) : QString());
}

void WindowStatusBar::setActivity(const QString& text)
{
    m_busyLabel->setText(text);
}

void WindowStatusBar::setSelectionCount(int count)
{
    m_selectionLabel->setText(count > 0 ? tr("%1 selected").arg(formatCount(count)) : QString());
}

void WindowStatusBar::trackBulkJob(BulkJob* job, const QString& what)
{
    m_bulkJob = job;
    m_bulkLabel->setText(tr("%1\u2026").arg(what));
    m_bulkBar->setRange(0, 0); // until the first chunk says how many there are
    setBulkVisible(true);
    connect(job, &BulkJob::progressed, this, [this](qint64 done, qint64 total, qint64) {
        m_bulkBar->setRange(0, 1000);
        m_bulkBar->setValue(total > 0 ? int(done * 1000 / total) : 1000);
        // The counts go inside the bar: a label that grows with them would be squeezed by the status bar.
        m_bulkBar->setFormat(tr("%1 of %2").arg(formatCount(done), formatCount(total)));
    });
    connect(job, &BulkJob::finished, this, [this] {
        m_bulkJob = nullptr;
        setBulkVisible(false);
    });
}

void WindowStatusBar::setBulkVisible(bool visible)
{
    for (QWidget* w : std::initializer_list<QWidget*> {m_bulkLabel, m_bulkBar, m_bulkStop})
        w->setVisible(visible);
}

void WindowStatusBar::setTotals(const StateCounts& total, double donePerSecond, double failedPerSecond)
{
    auto n = [&](TaskState s) { return formatCount(total[size_t(s)]); };
    m_totalsLabel->setText(
        tr("queued %1 \u00b7 running %2 \u00b7 scheduled %3 \u00b7 failed %4")
            .arg(n(TaskState::Queued), n(TaskState::Running), n(TaskState::Scheduled), n(TaskState::Failed)));
    m_throughputLabel->setText(
        tr("%1 done/s, %2 failed/s").arg(donePerSecond, 0, 'f', 1).arg(failedPerSecond, 0, 'f', 1));
}

} // namespace qd::ui
