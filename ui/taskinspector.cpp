#include "taskinspector.h"

#include "readerthread.h"
#include "taskformat.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QHash>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace qd::ui {

namespace {
QPlainTextEdit* makeText(QWidget* parent)
{
    auto* edit = new QPlainTextEdit(parent);
    edit->setReadOnly(true);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    return edit;
}

// What an event's duration means depends on its kind (see TaskEvent::durationMs).
QString durationLabel(const TaskEvent& e)
{
    if (e.durationMs < 0)
        return {};
    const QString d = formatDuration(e.durationMs);
    if (e.kind == QLatin1String("started"))
        return TaskInspector::tr("waited %1").arg(d);
    if (e.kind == QLatin1String("retry_scheduled"))
        return TaskInspector::tr("backoff %1").arg(d);
    if (e.kind == QLatin1String("succeeded") || e.kind == QLatin1String("failed"))
        return TaskInspector::tr("ran %1").arg(d);
    return d;
}

// "Signed by NAME (key ID)" or "Unsigned"; a key revoked since the task was verified says so.
QString signatureText(const std::optional<TaskSigner>& signer)
{
    if (!signer)
        return TaskInspector::tr("Unsigned");
    const QString text = TaskInspector::tr("Signed by %1 (key %2)").arg(signer->name, signer->keyId);
    if (signer->revokedAt <= 0)
        return text;
    return TaskInspector::tr("%1, key revoked %2").arg(text, formatTimestamp(signer->revokedAt));
}
} // namespace

TaskInspector::TaskInspector(ReaderThread* reader, QWidget* parent)
    : QWidget(parent)
    , m_reader(reader)
    , m_title(new QLabel(this))
    , m_fields(new QTreeWidget(this))
    , m_payload(makeText(this))
    , m_result(makeText(this))
    , m_error(makeText(this))
    , m_events(new QTreeWidget(this))
    , m_tabs(new QTabWidget(this))
{
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_fields->setHeaderLabels({tr("Field"), tr("Value")});
    m_fields->setRootIsDecorated(false);
    m_fields->setUniformRowHeights(true);
    m_fields->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_error->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    // What an admin reads first (when, what, how long, which worker) comes first: the dock is narrow. The
    // transition mostly repeats the event's name, so it comes after.
    m_events->setHeaderLabels(
        {tr("Time"), tr("Event"), tr("#"), tr("Duration"), tr("Worker"), tr("Transition"), tr("Detail")});
    m_events->setRootIsDecorated(false);
    m_events->setUniformRowHeights(true);

    m_tabs->addTab(m_fields, tr("Fields"));
    m_tabs->addTab(m_payload, tr("Payload"));
    m_tabs->addTab(m_result, tr("Result"));
    m_tabs->addTab(m_error, tr("Error"));
    m_tabs->addTab(m_events, tr("Timeline"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_title);
    layout->addWidget(m_tabs, 1);

    connect(reader->reader(), &StoreReader::taskFetched, this, [this](quint64 requestId, const TaskWithEvents& t) {
        if (requestId == m_request && t.task.id == m_taskId)
            display(t);
    });
    showTask(0);
}

QString TaskInspector::prettyJson(const QByteArray& json)
{
    if (json.isEmpty())
        return {};
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    // Not JSON after all (an old row, a hand edit): show it as it is rather than nothing.
    return doc.isNull() ? QString::fromUtf8(json) : QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
}

void TaskInspector::showTask(qint64 taskId)
{
    m_taskId = taskId;
    if (taskId <= 0) {
        ++m_request;
        m_shown.reset();
        m_title->setText(tr("No task selected"));
        m_fields->clear();
        m_payload->clear();
        m_result->clear();
        m_error->clear();
        m_events->clear();
        return;
    }
    if (!m_shown || m_shown->task.id != taskId)
        m_title->setText(tr("Task %1 (loading\u2026)").arg(taskId));
    reload();
}

void TaskInspector::reload()
{
    if (m_taskId <= 0)
        return;
    m_reader->post([id = ++m_request, taskId = m_taskId](StoreReader* r) { r->fetchTask(id, taskId); });
}

void TaskInspector::display(const TaskWithEvents& t)
{
    const Task& task = t.task;
    m_shown = t;
    m_title->setText(
        tr("Task %1 \u2014 %2 on %3 \u2014 %4").arg(task.id).arg(task.type, task.queue, taskStateName(task.state)));
    m_fields->clear();
    const qint64 readyAt = std::max(task.runAt, task.createdAt);
    const QList<std::pair<QString, QString>> fields = {
        {tr("ID"), QString::number(task.id)},
        {tr("Queue"), task.queue},
        {tr("Type"), task.type},
        {tr("Signature"), signatureText(t.signer)},
        {tr("State"), taskStateName(task.state)},
        {tr("Priority"), QString::number(task.priority)},
        {tr("Attempts"), QStringLiteral("%1 of %2").arg(task.attempts).arg(task.maxAttempts)},
        {tr("Created"), formatTimestamp(task.createdAt)},
        {tr("Run at"), formatTimestamp(task.runAt)},
        {tr("Started"), formatTimestamp(task.startedAt)},
        {tr("Finished"), formatTimestamp(task.finishedAt)},
        {tr("Wait"), task.startedAt > 0 ? formatDuration(std::max<qint64>(0, task.startedAt - readyAt)) : QString()},
        {tr("Run time"),
            task.startedAt > 0 && task.finishedAt >= task.startedAt ? formatDuration(task.finishedAt - task.startedAt)
                                                                    : QString()},
        {tr("Timeout"), task.timeoutMs > 0 ? formatDuration(task.timeoutMs) : tr("none")},
        {tr("Lease owner"), task.leaseOwner},
        {tr("Lease expires"), formatTimestamp(task.leaseExpiresAt)},
        {tr("Idempotency key"), task.idempotencyKey},
        {tr("Cancel requested"), task.cancelRequested ? tr("yes") : tr("no")},
        {tr("Last error"), task.lastError.section(QLatin1Char('\n'), 0, 0)},
    };
    for (const auto& [name, value] : fields) {
        auto* item = new QTreeWidgetItem(m_fields, {name, value});
        item->setToolTip(1, value); // the dock is narrow: a long value (a signer, a lease owner) is elided
        if (name == tr("State"))
            item->setForeground(1, stateColor(task.state));
    }
    m_payload->setPlainText(prettyJson(task.payload));
    m_result->setPlainText(prettyJson(task.result));
    m_error->setPlainText(task.lastError);
    m_tabs->setTabText(3, task.lastError.isEmpty() ? tr("Error") : tr("Error \u25cf"));

    m_events->clear();
    QHash<int, qint64> startedAt; // attempt -> when it started
    for (const TaskEvent& e : t.events) {
        if (e.kind == QLatin1String("started"))
            startedAt.insert(e.attempt, e.at);
        QString duration = durationLabel(e);
        if (e.kind == QLatin1String("retry_scheduled") && e.durationMs >= 0 && startedAt.contains(e.attempt)) {
            // The event's duration is the backoff; how long the failed attempt ran is only in the time since it
            // started, and an admin looking at retries wants both.
            duration = tr("ran %1, backoff %2")
                           .arg(formatDuration(std::max<qint64>(0, e.at - startedAt.value(e.attempt))),
                               formatDuration(e.durationMs));
        }
        const QString transition = e.fromState
            ? QStringLiteral("%1 \u2192 %2").arg(taskStateName(*e.fromState), taskStateName(e.toState))
            : QStringLiteral("\u2192 %1").arg(taskStateName(e.toState));
        auto* item = new QTreeWidgetItem(m_events,
            {QDateTime::fromMSecsSinceEpoch(e.at).toString(QStringLiteral("HH:mm:ss.zzz")), e.kind,
                e.attempt > 0 ? QString::number(e.attempt) : QString(), duration, e.worker, transition,
                e.detail.section(QLatin1Char('\n'), 0, 0)});
        item->setToolTip(0, formatTimestamp(e.at));
        item->setForeground(1, stateColor(e.toState));
        item->setForeground(5, stateColor(e.toState));
        if (!e.detail.isEmpty())
            item->setToolTip(6, e.detail);
    }
    for (int c = 0; c < m_events->columnCount() - 1; ++c)
        m_events->resizeColumnToContents(c); // a few dozen rows at most: cheap
    Q_EMIT taskShown(task.id);
}

} // namespace qd::ui
