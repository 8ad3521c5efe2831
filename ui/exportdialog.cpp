#include "exportdialog.h"

#include "taskformat.h"
#include "themecolors.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace qd::ui {

namespace {

QString suffixFor(ExportFormat format)
{
    return isCsv(format) ? QStringLiteral("csv") : QStringLiteral("jsonl");
}

QString defaultDirectory()
{
    const QString remembered = QSettings().value(QStringLiteral("export/lastDir")).toString();
    if (!remembered.isEmpty() && QFileInfo(remembered).isDir())
        return remembered;
    const QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return documents.isEmpty() ? QDir::homePath() : documents;
}

} // namespace

ExportDialog::ExportDialog(
    StoreOptions store, TaskFilter currentFilter, qint64 currentCount, const QStringList& queues, QWidget* parent)
    : QDialog(parent)
    , m_store(std::move(store))
    , m_filter(std::move(currentFilter))
    , m_what(new QComboBox(this))
    , m_format(new QComboBox(this))
    , m_spreadsheetSafe(new QCheckBox(tr("Show cells starting with = + - @ as &text in spreadsheets"), this))
    , m_queue(new QComboBox(this))
    , m_resolution(new QComboBox(this))
    , m_from(new QDateTimeEdit(this))
    , m_to(new QDateTimeEdit(this))
    , m_path(new QLineEdit(this))
    , m_browse(new QPushButton(tr("Browse\u2026"), this))
    , m_progress(new QProgressBar(this))
    , m_status(new QLabel(this))
{
    setWindowTitle(tr("Export \u2014 QueueDesk"));
    setObjectName(QStringLiteral("ExportDialog"));

    const QString filtered = m_filter.isEmpty() ? tr("Tasks in the table (no filter: all)")
        : currentCount >= 0 ? tr("Tasks matching the current filter (%1)").arg(formatCount(currentCount))
                            : tr("Tasks matching the current filter");
    m_what->addItem(filtered, int(What::FilteredTasks));
    m_what->addItem(tr("All tasks"), int(What::AllTasks));
    m_what->addItem(tr("Task events (every state change, with its time)"), int(What::Events));
    m_what->addItem(tr("Metric series (counts and rates per queue)"), int(What::Metrics));
    m_format->addItem(tr("CSV (spreadsheets; RFC 4180, UTF-8)"), int(ExportFormat::Csv));
    m_format->addItem(tr("JSON Lines (one object per line)"), int(ExportFormat::JsonLines));
    m_spreadsheetSafe->setObjectName(QStringLiteral("spreadsheetSafe"));
    m_spreadsheetSafe->setChecked(true);
    m_spreadsheetSafe->setToolTip(tr("A spreadsheet runs a cell starting with = + - or @ as a formula; a queue name or"
                                     " key from outside could run one. Such cells get a leading apostrophe. Clear"
                                     " this to write every cell exactly as stored."));
    m_queue->addItem(tr("All queues"), QString());
    for (const QString& q : queues)
        m_queue->addItem(q, q);
    m_resolution->addItem(tr("Per minute (kept 30 days)"), 60);
    m_resolution->addItem(tr("Per second (kept 1 hour)"), 1);
    for (QDateTimeEdit* edit : {m_from, m_to}) {
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        edit->setCalendarPopup(true);
    }
    const QDateTime now = QDateTime::currentDateTime();
    m_from->setDateTime(now.addDays(-1));
    m_to->setDateTime(now.addSecs(60));
    m_path->setPlaceholderText(tr("File to write"));
    m_path->setClearButtonEnabled(true);
    m_progress->setVisible(false);
    m_progress->setTextVisible(true);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* range = new QHBoxLayout;
    range->addWidget(m_from, 1);
    range->addWidget(new QLabel(tr("to"), this));
    range->addWidget(m_to, 1);
    auto* file = new QHBoxLayout;
    file->addWidget(m_path, 1);
    file->addWidget(m_browse);
    auto* form = new QFormLayout;
    form->addRow(tr("&Export:"), m_what);
    form->addRow(tr("&Format:"), m_format);
    form->addRow(QString(), m_spreadsheetSafe);
    form->addRow(tr("&Queue:"), m_queue);
    auto* rangeLabel = new QLabel(tr("&Time range:"), this);
    rangeLabel->setBuddy(m_from);
    form->addRow(rangeLabel, range);
    form->addRow(tr("&Resolution:"), m_resolution);
    auto* fileLabel = new QLabel(tr("F&ile:"), this);
    fileLabel->setBuddy(m_path);
    form->addRow(fileLabel, file);

    auto* buttons = new QDialogButtonBox(this);
    m_exportButton = buttons->addButton(tr("E&xport"), QDialogButtonBox::AcceptRole);
    m_cancelButton = buttons->addButton(QDialogButtonBox::Close);
    m_exportButton->setDefault(true);
    connect(m_exportButton, &QPushButton::clicked, this, [this] { startExport(); });
    connect(m_cancelButton, &QPushButton::clicked, this, [this] {
        if (isExporting())
            cancelExport();
        else
            reject();
    });

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addStretch();
    layout->addWidget(buttons);

    connect(m_what, &QComboBox::currentIndexChanged, this, &ExportDialog::updateInputs);
    connect(m_browse, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(m_format, &QComboBox::currentIndexChanged, this, [this] {
        // Keep the file's extension in step with the format, unless the admin chose an unusual one.
        const QString current = m_path->text();
        const QFileInfo info(current);
        if (current.isEmpty() || (info.suffix() != QLatin1String("csv") && info.suffix() != QLatin1String("jsonl")))
            return;
        m_path->setText(current.left(current.size() - info.suffix().size()) + suffixFor(format()));
    });
    connect(m_format, &QComboBox::currentIndexChanged, this, &ExportDialog::updateInputs);
    connect(m_what, &QComboBox::currentIndexChanged, this, [this] {
        // A default name that says what is inside, unless the admin typed one.
        if (!m_path->isModified())
            m_path->setText(
                QDir(defaultDirectory())
                    .filePath(QStringLiteral("queuedesk-%1-%2.%3")
                                  .arg(what() == What::Events       ? QStringLiteral("events")
                                          : what() == What::Metrics ? QStringLiteral("metrics")
                                                                    : QStringLiteral("tasks"),
                                      QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmm")),
                                      suffixFor(format()))));
    });
    Q_EMIT m_what->currentIndexChanged(0); // default file name and enabled inputs
    resize(560, sizeHint().height());
}

ExportDialog::~ExportDialog() = default; // m_job (a child) cancels and joins its thread

void ExportDialog::updateInputs()
{
    const bool ranged = what() == What::Events || what() == What::Metrics;
    const bool running = isExporting();
    m_what->setEnabled(!running);
    m_format->setEnabled(!running);
    m_spreadsheetSafe->setEnabled(format() == ExportFormat::Csv && !running);
    m_queue->setEnabled(ranged && !running);
    m_from->setEnabled(ranged && !running);
    m_to->setEnabled(ranged && !running);
    m_resolution->setEnabled(what() == What::Metrics && !running);
    m_path->setEnabled(!running);
    m_browse->setEnabled(!running);
    m_exportButton->setEnabled(!running);
    m_cancelButton->setText(running ? tr("&Cancel export") : tr("&Close"));
}

void ExportDialog::setWhat(What what)
{
    m_what->setCurrentIndex(m_what->findData(int(what)));
}

ExportDialog::What ExportDialog::what() const
{
    return What(m_what->currentData().toInt());
}

void ExportDialog::setFormat(ExportFormat format)
{
    m_format->setCurrentIndex(m_format->findData(int(format)));
}

ExportFormat ExportDialog::format() const
{
    return ExportFormat(m_format->currentData().toInt());
}

void ExportDialog::setPath(const QString& path)
{
    m_path->setText(path);
    m_path->setModified(true);
}

QString ExportDialog::path() const
{
    return m_path->text().trimmed();
}

void ExportDialog::setTimeRange(qint64 fromMs, qint64 toMs)
{
    m_from->setDateTime(QDateTime::fromMSecsSinceEpoch(fromMs));
    m_to->setDateTime(QDateTime::fromMSecsSinceEpoch(toMs));
}

void ExportDialog::setQueue(const QString& queue)
{
    m_queue->setCurrentIndex(std::max(0, m_queue->findData(queue)));
}

void ExportDialog::setResolutionSeconds(int seconds)
{
    m_resolution->setCurrentIndex(std::max(0, m_resolution->findData(seconds)));
}

ExportRequest ExportDialog::request() const
{
    ExportRequest r;
    switch (what()) {
    case What::FilteredTasks:
        r.kind = ExportRequest::Kind::Tasks;
        r.filter = m_filter;
        break;
    case What::AllTasks:
        r.kind = ExportRequest::Kind::Tasks;
        break;
    case What::Events:
        r.kind = ExportRequest::Kind::Events;
        break;
    case What::Metrics:
        r.kind = ExportRequest::Kind::Metrics;
        break;
    }
    r.from = m_from->dateTime().toMSecsSinceEpoch();
    r.to = m_to->dateTime().toMSecsSinceEpoch();
    if (const QString queue = m_queue->currentData().toString(); !queue.isEmpty())
        r.queues = {queue};
    r.resolutionSeconds = m_resolution->currentData().toInt();
    r.format
        = format() == ExportFormat::Csv && m_spreadsheetSafe->isChecked() ? ExportFormat::SpreadsheetCsv : format();
    r.path = QDir::cleanPath(path());
    return r;
}

QString ExportDialog::whatText() const
{
    switch (what()) {
    case What::FilteredTasks:
    case What::AllTasks:
        return tr("task(s)");
    case What::Events:
        return tr("event(s)");
    case What::Metrics:
        return tr("metric row(s)");
    }
    return {};
}

bool ExportDialog::startExport()
{
    if (isExporting())
        return false;
    const ExportRequest r = request();
    if (path().isEmpty()) {
        setStatus(tr("Choose a file to write."), true);
        return false;
    }
    if (QFileInfo(r.path).isDir()) {
        setStatus(tr("%1 is a folder: choose a file name.").arg(QDir::toNativeSeparators(r.path)), true);
        return false;
    }
    if (!QFileInfo(QFileInfo(r.path).absolutePath()).isDir()) {
        setStatus(
            tr("The folder %1 does not exist.").arg(QDir::toNativeSeparators(QFileInfo(r.path).absolutePath())), true);
        return false;
    }
    if (r.kind != ExportRequest::Kind::Tasks && r.to <= r.from) {
        setStatus(tr("The end of the time range must be after its start."), true);
        return false;
    }
    delete m_job;
    m_job = new ExportJob(m_store, r, this);
    connect(m_job, &ExportJob::progressed, this, &ExportDialog::onProgress);
    connect(m_job, &ExportJob::finished, this, &ExportDialog::onFinished);
    if (m_prepareJob)
        m_prepareJob(m_job);
    m_progress->setRange(0, 0); // busy until the first report says whether a total is known
    m_progress->setVisible(true);
    m_exportClock.start();
    setStatus(tr("Exporting to %1\u2026").arg(QDir::toNativeSeparators(r.path)), false);
    m_job->start();
    updateInputs();
    return true;
}

void ExportDialog::cancelExport()
{
    if (!isExporting())
        return;
    m_job->cancel();
    m_cancelButton->setEnabled(false);
    setStatus(tr("Cancelling\u2026"), false);
}

bool ExportDialog::isExporting() const
{
    return m_job && m_job->isRunning();
}

QString ExportDialog::statusText() const
{
    return m_status->text();
}

void ExportDialog::onProgress(qint64 rows, qint64 total)
{
    if (total > 0) {
        // QProgressBar counts in int: scale to per-mille so a billion rows still fit.
        m_progress->setRange(0, 1000);
        m_progress->setValue(int(std::min<qint64>(1000, rows * 1000 / total)));
        // The rate so far gives the time left; shown once a second of work makes it meaningful.
        const qint64 elapsedMs = m_exportClock.elapsed();
        if (rows > 0 && rows < total && elapsedMs >= 1000) {
            const qint64 leftS = (total - rows) * elapsedMs / rows / 1000 + 1;
            m_progress->setFormat(
                tr("%1 of %2, about %3 s left").arg(formatCount(rows), formatCount(total)).arg(leftS));
        } else {
            m_progress->setFormat(tr("%1 of %2").arg(formatCount(rows), formatCount(total)));
        }
    } else {
        m_progress->setRange(0, 0);
        m_progress->setFormat(formatCount(rows));
    }
    setStatus(tr("Exporting to %1: %2 %3 written\u2026")
                  .arg(QDir::toNativeSeparators(m_job->request().path), formatCount(rows), whatText()),
        false);
}

void ExportDialog::onFinished(bool ok, bool cancelled, qint64 rows, const QString& error)
{
    m_cancelButton->setEnabled(true);
    m_progress->setVisible(false);
    updateInputs();
    const QString target = m_job->request().path;
    if (ok) {
        QSettings().setValue(QStringLiteral("export/lastDir"), QFileInfo(target).absolutePath());
        setStatus(
            tr("Exported %1 %2 to %3.").arg(formatCount(rows), whatText(), QDir::toNativeSeparators(target)), false);
        Q_EMIT exportSucceeded(target, rows, whatText());
        accept();
        return;
    }
    if (cancelled) {
        setStatus(tr("Export cancelled; %1 was not written.").arg(QDir::toNativeSeparators(target)), false);
        return;
    }
    setStatus(tr("Export failed: %1").arg(error), true);
    Q_EMIT exportFailed(error);
}

void ExportDialog::setStatus(const QString& text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? textColorStyle(errorTextColor()) : QString());
}

void ExportDialog::browse()
{
    const QString filter = isCsv(format()) ? tr("CSV files (*.csv);;All files (*)")
                                           : tr("JSON Lines files (*.jsonl *.ndjson);;All files (*)");
    const QString chosen = QFileDialog::getSaveFileName(
        this, tr("Export to"), path().isEmpty() ? defaultDirectory() : path(), filter, nullptr, m_fileDialogOptions);
    if (!chosen.isEmpty())
        setPath(chosen);
}

void ExportDialog::reject()
{
    // Closing while exporting means "stop": the job's destructor (with the dialog) waits for the thread.
    if (m_job)
        m_job->cancel();
    QDialog::reject();
}

} // namespace qd::ui
